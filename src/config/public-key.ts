import { createPublicKey, type KeyObject } from 'node:crypto';

/** jose refuses PS256 keys under 2048 bits; we refuse them at start-up so the failure is early and clear. */
export const MIN_KEY_BITS = 2048;

const PEM_BLOCK = /-----BEGIN (PUBLIC KEY|RSA PUBLIC KEY)-----([\s\S]*?)-----END \1-----/;

/**
 * Env vars and YAML often mangle PEM: literal `\n`, a body on one line, stray spaces or
 * CRLF. Rebuild a canonical PEM from the base64 body so any of those parse.
 */
export function normalisePem(text: string): string | undefined {
  const unescaped = text.replace(/\\r/g, '').replace(/\\n/g, '\n');
  const match = PEM_BLOCK.exec(unescaped);
  if (!match) return undefined;
  const label = match[1] as string;
  const body = (match[2] as string).replace(/[^A-Za-z0-9+/=]/g, '');
  if (body.length === 0) return undefined;
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export type PublicKeyProblem = 'not-pem' | 'unparseable' | 'not-rsa' | 'too-small';

export type PublicKeyParse =
  | { ok: true; key: KeyObject; bits: number }
  | { ok: false; problem: PublicKeyProblem; bits?: number; detail?: string };

/** Accepts SPKI (`BEGIN PUBLIC KEY`) or PKCS#1 (`BEGIN RSA PUBLIC KEY`) RSA keys of at least 2048 bits. */
export function parseRsaPublicKey(text: string): PublicKeyParse {
  const pem = normalisePem(text);
  if (!pem) return { ok: false, problem: 'not-pem' };
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (error) {
    return { ok: false, problem: 'unparseable', detail: error instanceof Error ? error.message : String(error) };
  }
  return checkRsaKey(key);
}

/** The checks a key object must pass to verify PS256, wherever it came from. */
export function checkRsaKey(key: KeyObject): PublicKeyParse {
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss') {
    return { ok: false, problem: 'not-rsa', detail: String(key.asymmetricKeyType) };
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_KEY_BITS) return { ok: false, problem: 'too-small', bits };
  return { ok: true, key, bits };
}
