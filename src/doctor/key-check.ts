import type { DoctorConfig } from '../config/doctor-config.js';
import { fail, pass, warn, type CheckRow } from './report.js';

const KEY_FIX =
  'use the PEM public key AWS Marketplace issued for this product (BEGIN PUBLIC KEY or BEGIN RSA PUBLIC KEY, at least 2048 bits) with --public-key-file or METERING_GATE_PUBLIC_KEY_FILE, or inline with METERING_GATE_PUBLIC_KEY.';

export function checkPublicKey(config: DoctorConfig): CheckRow {
  if (!config.publicKeyVersion.ok) return fail('public-key', config.publicKeyVersion.error.code, config.publicKeyVersion.error.message, 'use the key version AWS Marketplace gave you with the key (an integer, usually 1).');
  if (!config.skipSignatureVerification.ok) return fail('public-key', config.skipSignatureVerification.error.code, config.skipSignatureVerification.error.message, 'set it to true or false.');
  const version = config.publicKeyVersion.value;
  if (!config.publicKey.ok) return fail('public-key', config.publicKey.error.code, config.publicKey.error.message, config.publicKey.error.hint);
  const key = config.publicKey.value;
  if (config.skipSignatureVerification.value) {
    return warn('public-key', `signature verification is off (--skip-signature-verification)${key ? '; the key given is ignored' : ''}: a forged token would pass`, KEY_FIX);
  }
  if (!key) return fail('public-key', 'CONFIG_INVALID', 'no public key: register would refuse to start without one', KEY_FIX);
  return pass('public-key', `RSA ${key.bits}-bit key from ${key.origin === 'inline' ? 'METERING_GATE_PUBLIC_KEY / --public-key' : key.origin}, key version ${version}`);
}
