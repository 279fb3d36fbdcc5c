// Certificates for `emulator --tls`: a CA made for this run, and a server certificate from it
// for the names a gate really calls (the regional Metering and STS hosts), localhost and the
// loopback addresses. Node can sign but not build an X.509 certificate, so node-forge builds
// the structures; keys and signatures stay node:crypto's (forge's own RSA is ~40x slower).
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type forgeModule from 'node-forge/lib/forge.js';

export interface TlsMaterial {
  /** PEM of the CA that signed the server certificate: what a client must trust. */
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly names: readonly string[];
}

export type CertificateValidity = 'valid' | 'expired';

const HOUR_MS = 3_600_000;

function hostNames(region: string): string[] {
  return [`metering.marketplace.${region}.amazonaws.com`, `sts.${region}.amazonaws.com`, 'localhost'];
}

type Forge = typeof forgeModule;

/** Loaded only for --tls: the plain emulator never pays for it. */
async function loadForge(): Promise<Forge> {
  const [{ default: forge }] = await Promise.all([import('node-forge/lib/forge.js'), import('node-forge/lib/pki.js')]);
  return forge;
}

function build(forge: Forge, options: {
  subject: string;
  issuer: string;
  publicKey: KeyObject;
  signer: KeyObject;
  notBefore: Date;
  notAfter: Date;
  extensions: object[];
}): string {
  const { pki, asn1 } = forge;
  const cert = pki.createCertificate();
  cert.publicKey = pki.publicKeyFromPem(options.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  // Positive, 16 random bytes: RFC 5280's limit is 20 octets.
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = options.notBefore;
  cert.validity.notAfter = options.notAfter;
  cert.setSubject([{ name: 'commonName', value: options.subject }, { name: 'organizationName', value: 'metering-gate emulator' }]);
  cert.setIssuer([{ name: 'commonName', value: options.issuer }, { name: 'organizationName', value: 'metering-gate emulator' }]);
  cert.setExtensions(options.extensions);
  cert.siginfo.algorithmOid = cert.signatureOid = pki.oids['sha256WithRSAEncryption']!;
  // getTBSCertificate is forge's own (certificateToAsn1 uses it) but missing from its types.
  const tbsOf = (pki as unknown as { getTBSCertificate(c: typeof cert): ReturnType<typeof asn1.fromDer> }).getTBSCertificate;
  const tbs = asn1.toDer(tbsOf(cert)).getBytes();
  cert.signature = sign('sha256', Buffer.from(tbs, 'binary'), options.signer).toString('binary');
  return pki.certificateToPem(cert);
}

/**
 * A fresh CA and server certificate. `expired` makes a server certificate whose validity
 * ended an hour ago (the CA stays valid), so tests can show how the gate reports it.
 */
export async function createTlsMaterial(region: string, validity: CertificateValidity = 'valid'): Promise<TlsMaterial> {
  const forge = await loadForge();
  const now = Date.now();
  const ca = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const server = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const caName = `metering-gate emulator CA ${randomBytes(4).toString('hex')}`;
  const caPem = build(forge, {
    subject: caName,
    issuer: caName,
    publicKey: ca.publicKey,
    signer: ca.privateKey,
    notBefore: new Date(now - HOUR_MS),
    notAfter: new Date(now + 30 * 24 * HOUR_MS),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const names = hostNames(region);
  const certPem = build(forge, {
    subject: names[0]!,
    issuer: caName,
    publicKey: server.publicKey,
    signer: ca.privateKey,
    notBefore: new Date(now - (validity === 'expired' ? 48 : 1) * HOUR_MS),
    notAfter: new Date(validity === 'expired' ? now - HOUR_MS : now + 30 * 24 * HOUR_MS),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [...names.map((value) => ({ type: 2, value })), { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] },
    ],
  });
  return { caPem, certPem, keyPem: server.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), names: [...names, '127.0.0.1', '::1'] };
}
