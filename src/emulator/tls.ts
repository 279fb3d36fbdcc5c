// Certificates for `emulator --tls`: a CA made for this run, and a server certificate from it
// for the names a gate really calls (the regional Metering and STS hosts), localhost and the
// loopback addresses.
import { createHash, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { buildCertificate } from './x509.js';

export interface TlsMaterial {
  /** PEM of the CA that signed the server certificate: what a client must trust. */
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly names: readonly string[];
}

export type CertificateValidity = 'valid' | 'expired';

const HOUR_MS = 3_600_000;
const ORGANIZATION = 'metering-gate emulator';

function keyId(key: KeyObject): Buffer {
  return createHash('sha1').update(key.export({ type: 'spki', format: 'der' })).digest();
}

/** Positive, 16 random bytes: RFC 5280 allows up to 20 octets. */
function serial(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes;
}

/**
 * A fresh CA and server certificate. `expired` makes a server certificate whose validity
 * ended an hour ago (the CA stays valid), so tests can show how the gate reports it.
 */
export async function createTlsMaterial(region: string, validity: CertificateValidity = 'valid'): Promise<TlsMaterial> {
  const now = Date.now();
  const ca = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const server = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const caName = `metering-gate emulator CA ${randomBytes(4).toString('hex')}`;
  const caKeyId = keyId(ca.publicKey);
  const caPem = buildCertificate({
    serial: serial(),
    subject: caName,
    issuer: caName,
    organization: ORGANIZATION,
    notBefore: new Date(now - HOUR_MS),
    notAfter: new Date(now + 30 * 24 * HOUR_MS),
    publicKey: ca.publicKey,
    subjectKeyId: caKeyId,
    authorityKeyId: caKeyId,
    ca: true,
    signer: ca.privateKey,
  });
  const names = [`metering.marketplace.${region}.amazonaws.com`, `sts.${region}.amazonaws.com`, 'localhost', '127.0.0.1', '::1'];
  const certPem = buildCertificate({
    serial: serial(),
    subject: names[0]!,
    issuer: caName,
    organization: ORGANIZATION,
    notBefore: new Date(now - (validity === 'expired' ? 48 : 1) * HOUR_MS),
    notAfter: new Date(validity === 'expired' ? now - HOUR_MS : now + 30 * 24 * HOUR_MS),
    publicKey: server.publicKey,
    subjectKeyId: keyId(server.publicKey),
    authorityKeyId: caKeyId,
    ca: false,
    altNames: names,
    signer: ca.privateKey,
  });
  return { caPem, certPem, keyPem: server.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), names };
}
