// SigV4 as the AWS front door checks it: the Authorization header must be complete and
// scoped to our signing name; with a known secret the signature itself is recomputed.
// Implemented on node:crypto so it verifies exactly the headers the client chose to sign
// (signing libraries apply their own allow/deny lists, which would reject valid requests).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { AwsError } from './errors.js';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_SKEW_MS = 15 * 60 * 1000;

export interface CredentialScope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

export interface ParsedAuthorization {
  scope: CredentialScope;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
}

export type AuthCheck =
  | { ok: true; auth: ParsedAuthorization }
  | { ok: false; error: AwsError; scope: Partial<CredentialScope> | null };

export interface SignedRequest {
  method: string;
  rawUrl: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** Best-effort split of the Credential value, so rejected requests still show who sent them. */
function scopeOf(credential: string | undefined): Partial<CredentialScope> | null {
  if (!credential) return null;
  const [accessKeyId, date, region, service] = credential.split('/');
  return { accessKeyId, date, region, service };
}

function params(authorization: string): Map<string, string> {
  const rest = authorization.slice(ALGORITHM.length).trim();
  const out = new Map<string, string>();
  for (const part of rest.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

/** X-Amz-Date, or an HTTP Date header converted to the same basic ISO-8601 form. */
function requestDate(headers: IncomingHttpHeaders): string | undefined {
  const amz = header(headers, 'x-amz-date');
  if (amz) return amz;
  const date = header(headers, 'date');
  if (!date || Number.isNaN(Date.parse(date))) return undefined;
  return new Date(date).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export function checkAuthorization(headers: IncomingHttpHeaders, service: string): AuthCheck {
  const authorization = header(headers, 'authorization');
  if (!authorization) return { ok: false, error: { type: 'MissingAuthenticationTokenException' }, scope: null };

  const p = params(authorization);
  const amzDate = requestDate(headers);
  const scope = scopeOf(p.get('Credential'));
  const incomplete = (message: string): AuthCheck => ({ ok: false, error: { type: 'IncompleteSignatureException', message }, scope });
  const invalid = (message: string): AuthCheck => ({ ok: false, error: { type: 'InvalidSignatureException', message }, scope });

  // AWS lists every missing piece at once, then echoes the header it could not use.
  const missing = [
    !authorization.startsWith(`${ALGORITHM} `) && `Unsupported Authorization Type (expected ${ALGORITHM}).`,
    !p.get('Credential') && "Authorization header requires 'Credential' parameter.",
    !p.get('Signature') && "Authorization header requires 'Signature' parameter.",
    !p.get('SignedHeaders') && "Authorization header requires 'SignedHeaders' parameter.",
    !amzDate && "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
  ].filter((m): m is string => typeof m === 'string');
  if (missing.length > 0) return incomplete(`${missing.join(' ')} Authorization=${authorization}`);

  const parts = p.get('Credential')!.split('/');
  if (parts.length !== 5 || parts.slice(0, 4).some((x) => x === '')) {
    return incomplete(`Credential should be of the form 'ACCESS_KEY_ID/YYYYMMDD/REGION/SERVICE/aws4_request', not '${p.get('Credential')}'.`);
  }
  const [accessKeyId, date, region, svc, terminator] = parts as [string, string, string, string, string];
  if (terminator !== 'aws4_request') return incomplete(`Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'.`);
  if (svc !== service) return invalid(`Credential should be scoped to correct service: '${service}'. `);
  if (!/^\d{8}T\d{6}Z$/.test(amzDate!)) return incomplete(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'", not '${amzDate}'.`);
  if (!amzDate!.startsWith(date)) {
    return invalid(`Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${date}' != '${amzDate!.slice(0, 8)}', from '${amzDate}'.`);
  }
  const signedHeaders = p.get('SignedHeaders')!.split(';');
  if (!signedHeaders.includes('host')) return invalid("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");

  return { ok: true, auth: { scope: { accessKeyId, date, region, service: svc }, signedHeaders, signature: p.get('Signature')!, amzDate: amzDate! } };
}

// RFC 3986 unreserved characters stay; everything else is percent-encoded, as SigV4 requires.
function encode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

function canonicalQuery(query: string): string {
  if (!query) return '';
  return query
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      const [k, v] = eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
      return [encode(decode(k)), encode(decode(v))] as const;
    })
    .sort(([ak, av], [bk, bv]) => (ak === bk ? (av < bv ? -1 : av > bv ? 1 : 0) : ak < bk ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();

function amzDateToMs(amzDate: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate)!;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

/** Recompute the signature with the known secret; null when it matches. */
export function verifySignature(req: SignedRequest, auth: ParsedAuthorization, secret: string, now = Date.now()): AwsError | null {
  const signedAt = amzDateToMs(auth.amzDate);
  if (Math.abs(now - signedAt) > MAX_SKEW_MS) {
    const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const relation = signedAt < now ? `is now earlier than ${stamp(now - MAX_SKEW_MS)} (${stamp(now)} - 15 min.)` : `is now later than ${stamp(now + MAX_SKEW_MS)} (${stamp(now)} + 15 min.)`;
    return { type: 'InvalidSignatureException', message: `Signature expired: ${auth.amzDate} ${relation}` };
  }

  const q = req.rawUrl.indexOf('?');
  const path = q < 0 ? req.rawUrl : req.rawUrl.slice(0, q);
  const query = q < 0 ? '' : req.rawUrl.slice(q + 1);
  // Non-S3 services encode each path segment once more on top of the wire encoding.
  const canonicalPath = path.split('/').map(encode).join('/') || '/';
  const canonicalHeaders = auth.signedHeaders
    .map((name) => `${name}:${(header(req.headers, name) ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  // Hash the body actually received, never a client-supplied x-amz-content-sha256: that
  // header would let a tampered body ride on an honest signature.
  const payloadHash = sha256(req.body);
  const canonicalRequest = [req.method, canonicalPath, canonicalQuery(query), canonicalHeaders, auth.signedHeaders.join(';'), payloadHash].join('\n');

  const { date, region, service } = auth.scope;
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = [ALGORITHM, auth.amzDate, scope, sha256(canonicalRequest)].join('\n');
  const key = [date, region, service, 'aws4_request'].reduce<Buffer | string>((k, part) => hmac(k, part), `AWS4${secret}`);
  const expected = createHmac('sha256', key).update(stringToSign).digest();
  const given = Buffer.from(auth.signature, 'hex');
  if (given.length === expected.length && timingSafeEqual(given, expected)) return null;
  return { type: 'InvalidSignatureException' };
}
