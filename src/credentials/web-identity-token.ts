import { readFileSync } from 'node:fs';

/**
 * What an operator needs from the projected service account token to fix a refused
 * AssumeRoleWithWebIdentity: who it says the pod is (sub), for whom (aud), who issued it
 * (iss) and until when (exp). Read from the payload only; the token itself (a bearer
 * credential) is never returned, logged or recorded.
 */
export interface WebIdentityClaims {
  readonly iss: string | null;
  readonly sub: string | null;
  readonly aud: string | null;
  readonly exp: Date | null;
}

function text(value: unknown): string | null {
  if (typeof value === 'string') return value.slice(0, 300);
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.join(',').slice(0, 300);
  return null;
}

/** null when the file cannot be read or is not a JWT with a JSON payload. */
export function readWebIdentityClaims(tokenFile: string): WebIdentityClaims | null {
  try {
    const payload = readFileSync(tokenFile, 'ascii').trim().split('.')[1];
    if (payload === undefined) return null;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    if (typeof claims !== 'object' || claims === null) return null;
    const { iss, sub, aud, exp } = claims as Record<string, unknown>;
    return { iss: text(iss), sub: text(sub), aud: text(aud), exp: typeof exp === 'number' && Number.isFinite(exp) ? new Date(exp * 1000) : null };
  } catch {
    return null;
  }
}
