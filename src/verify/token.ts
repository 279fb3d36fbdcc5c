import type { KeyObject } from 'node:crypto';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { formatDuration } from '../config/duration.js';
import { GateError } from '../errors.js';
import { claimLookup, versionMatches } from './claims.js';

export interface TokenExpectations {
  readonly productCode: string;
  readonly publicKeyVersion: number;
  readonly nonce: string;
  readonly maxAgeMs: number;
  readonly clockSkewMs: number;
  /** verify requires iat so that the age of a stored token can be judged. */
  readonly requireIat?: boolean;
  readonly now?: number;
}

export interface VerifiedToken {
  readonly claims: Record<string, unknown>;
  readonly signatureVerified: boolean;
}

const ALGORITHM = 'PS256';
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

/** A refusal carries its problem as a field, so that a caller naming the token otherwise (result-file.ts) words it its own way. */
function invalid(problem: string, cause?: unknown): GateError {
  return new GateError('TOKEN_INVALID', { reason: 'token-refused', problem }, cause === undefined ? {} : { cause });
}

function decodePayload(token: string): Uint8Array {
  return Buffer.from(token.split('.')[1] ?? '', 'base64url');
}

/**
 * Checks in this order: shape, algorithm (PS256 only, before any key is used, so `none`,
 * HS256-with-the-public-key and RS256 never reach a verifier), critical headers, signature,
 * then the claims against what was sent.
 */
export async function verifyToken(token: unknown, key: KeyObject | null, expect: TokenExpectations): Promise<VerifiedToken> {
  if (typeof token !== 'string' || token.length === 0) throw invalid('the response carried no Signature');
  if (token.length > 16_384 || !COMPACT_JWS.test(token)) throw invalid('the Signature is not a compact JWS');
  // base64url has several spellings of the same last bytes; accept only the canonical one so
  // that exactly one string is the token AWS signed (a re-spelled copy is not that token).
  if (token.split('.').some((segment) => Buffer.from(segment, 'base64url').toString('base64url') !== segment)) {
    throw invalid('a segment of the Signature is not canonical base64url');
  }

  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(token) as Record<string, unknown>;
  } catch (error) {
    throw invalid('its protected header is not valid base64url JSON', error);
  }
  if (header['alg'] !== ALGORITHM) throw invalid(`algorithm ${JSON.stringify(header['alg'] ?? null)} is not allowed; only PS256 is`);
  if (header['crit'] !== undefined) throw invalid(`it marks header parameters ${JSON.stringify(header['crit'])} as critical, which this verifier does not understand`);
  if (header['b64'] !== undefined) throw invalid('the b64 header parameter is not allowed');

  let payloadBytes: Uint8Array;
  if (key) {
    try {
      payloadBytes = (await compactVerify(token, key, { algorithms: [ALGORITHM] })).payload;
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'ERR_JWS_INVALID';
      throw invalid(code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' ? 'the signature does not verify under the public key' : `${code}: ${(error as Error).message}`, error);
    }
  } else {
    payloadBytes = decodePayload(token);
  }

  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payloadBytes).toString('utf8'));
  } catch (error) {
    throw invalid('its payload is not JSON', error);
  }
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) throw invalid('its payload is not a JSON object');
  const payload = claims as Record<string, unknown>;
  checkClaims(payload, expect);
  return { claims: payload, signatureVerified: key !== null };
}

function checkClaims(payload: Record<string, unknown>, expect: TokenExpectations): void {
  const claim = claimLookup(payload);
  for (const name of ['productCode', 'publicKeyVersion', 'nonce', 'iat']) {
    if (claim(name).conflict) throw invalid(`claim ${name} appears more than once with different values`);
  }
  const productCode = claim('productCode');
  if (productCode.value !== expect.productCode) {
    throw invalid(`product code claim ${JSON.stringify(productCode.value ?? null)} is not ${JSON.stringify(expect.productCode)}`);
  }
  const version = claim('publicKeyVersion');
  if (!versionMatches(version.value, expect.publicKeyVersion)) {
    throw invalid(`public key version claim ${JSON.stringify(version.value ?? null)} is not ${expect.publicKeyVersion}`);
  }
  const nonce = claim('nonce');
  if (nonce.value !== expect.nonce) throw invalid(`nonce claim ${JSON.stringify(nonce.value ?? null)} is not the nonce that was sent`);

  const iat = claim('iat');
  if (!iat.present) {
    if (expect.requireIat) throw invalid('it has no iat claim, so its age cannot be checked');
    return;
  }
  if (typeof iat.value !== 'number' || !Number.isFinite(iat.value)) throw invalid(`iat claim ${JSON.stringify(iat.value)} is not a number`);
  const issuedAt = iat.value * 1000;
  const now = expect.now ?? Date.now();
  if (issuedAt - now > expect.clockSkewMs) {
    throw invalid(`iat is ${formatDuration(issuedAt - now)} in the future, more than the ${formatDuration(expect.clockSkewMs)} clock skew allowed`);
  }
  if (now - issuedAt > expect.maxAgeMs) {
    throw invalid(`iat is ${formatDuration(now - issuedAt)} old, older than the ${formatDuration(expect.maxAgeMs)} allowed`);
  }
}
