// RegisterUsage input checks, as the service applies them: wrong JSON types fail to
// deserialize (SerializationException); out-of-range values are listed together in one
// ValidationException, worded the way AWS words them.
import type { AwsError } from './errors.js';
import type { RequestClaims } from './tokens.js';

const PRODUCT_CODE = /^[-a-zA-Z0-9/=:_.@]*$/;

export type ValidationResult = { ok: true; input: RequestClaims } | { ok: false; error: AwsError };

function typeError(member: string, expected: string): ValidationResult {
  return { ok: false, error: { type: 'SerializationException', message: `Unexpected value type for ${member}: expected ${expected}` } };
}

export function validateRegisterUsage(body: unknown): ValidationResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, error: { type: 'SerializationException', message: 'Request body must be a JSON object' } };
  }
  const { ProductCode: code, PublicKeyVersion: version, Nonce: nonce } = body as Record<string, unknown>;
  if (code !== undefined && code !== null && typeof code !== 'string') return typeError('ProductCode', 'string');
  if (version !== undefined && version !== null && (typeof version !== 'number' || !Number.isInteger(version))) return typeError('PublicKeyVersion', 'integer');
  if (nonce !== undefined && nonce !== null && typeof nonce !== 'string') return typeError('Nonce', 'string');

  const problems: string[] = [];
  if (code == null) problems.push("Value null at 'productCode' failed to satisfy constraint: Member must not be null");
  else if (code.length < 1 || code.length > 255) problems.push(`Value '${code}' at 'productCode' failed to satisfy constraint: Member must have length between 1 and 255`);
  else if (!PRODUCT_CODE.test(code)) problems.push(`Value '${code}' at 'productCode' failed to satisfy constraint: Member must satisfy regular expression pattern: ${PRODUCT_CODE.source}`);
  if (version == null) problems.push("Value null at 'publicKeyVersion' failed to satisfy constraint: Member must not be null");
  else if (version < 1) problems.push(`Value '${version}' at 'publicKeyVersion' failed to satisfy constraint: Member must have value greater than or equal to 1`);
  if (typeof nonce === 'string' && nonce.length > 255) problems.push("Value at 'nonce' failed to satisfy constraint: Member must have length less than or equal to 255");

  if (problems.length > 0) {
    const n = problems.length;
    return { ok: false, error: { type: 'ValidationException', message: `${n} validation error${n > 1 ? 's' : ''} detected: ${problems.join('; ')}` } };
  }
  return { ok: true, input: { productCode: code as string, publicKeyVersion: version as number, ...(typeof nonce === 'string' ? { nonce } : {}) } };
}
