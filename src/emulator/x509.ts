// The few DER structures an X.509 v3 certificate needs (RFC 5280), for `emulator --tls`. Node
// can sign and parse certificates but not build one; node-forge, the kept library that can,
// would add ~210 KB (a third) to the single-file bundle that every gate start loads, for a
// dev-only feature. Signatures are node:crypto's; node:crypto's X509Certificate checks the
// result in test/emulator/tls.test.mjs.
import { sign, type KeyObject } from 'node:crypto';
import { isIPv4 } from 'node:net';

function length(size: number): Buffer {
  if (size < 0x80) return Buffer.from([size]);
  const bytes: number[] = [];
  for (let rest = size; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const sequence = (...items: Buffer[]) => tlv(0x30, ...items);
const set = (...items: Buffer[]) => tlv(0x31, ...items);
const explicit = (n: number, item: Buffer) => tlv(0xa0 + n, item);
const octets = (value: Buffer) => tlv(0x04, value);
const bits = (value: Buffer) => tlv(0x03, Buffer.from([0]), value);
const bool = (value: boolean) => tlv(0x01, Buffer.from([value ? 0xff : 0]));
const utf8 = (text: string) => tlv(0x0c, Buffer.from(text, 'utf8'));

/** A non-negative INTEGER from big-endian bytes (a leading 0 keeps the sign bit clear). */
function integer(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0 && (bytes[start + 1]! & 0x80) === 0) start += 1;
  const trimmed = bytes.subarray(start);
  return tlv(0x02, (trimmed[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const out = [first * 40 + second];
  for (const arc of rest) {
    const groups: number[] = [];
    for (let value = arc; ; value = Math.floor(value / 128)) {
      groups.unshift((value % 128) | (groups.length > 0 ? 0x80 : 0));
      if (value < 128) break;
    }
    out.push(...groups);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime through 2049, GeneralizedTime after, as RFC 5280 4.1.2.5 requires. */
function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

const OIDS = {
  sha256WithRSA: '1.2.840.113549.1.1.11',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  subjectAltName: '2.5.29.17',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
};

function name(commonName: string, organization: string): Buffer {
  return sequence(set(sequence(oid(OIDS.organization), utf8(organization))), set(sequence(oid(OIDS.commonName), utf8(commonName))));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [bool(true)] : []), octets(value));
}

/** keyUsage bits, numbered as in RFC 5280 (0 = digitalSignature, 2 = keyEncipherment, 5 = keyCertSign, 6 = cRLSign). */
function keyUsage(...bitNumbers: number[]): Buffer {
  const byte = bitNumbers.reduce((acc, bit) => acc | (0x80 >> bit), 0);
  const unused = Math.min(...[0, 1, 2, 3, 4, 5, 6, 7].filter((bit) => (byte & (0x80 >> bit)) !== 0).map((bit) => 7 - bit));
  return tlv(0x03, Buffer.from([unused, byte]));
}

function altName(entry: string): Buffer {
  if (isIPv4(entry)) return tlv(0x87, Buffer.from(entry.split('.').map(Number)));
  if (entry === '::1') return tlv(0x87, Buffer.from([...Array(15).fill(0), 1]));
  return tlv(0x82, Buffer.from(entry, 'ascii'));
}

export interface CertificateSpec {
  readonly serial: Buffer;
  readonly subject: string;
  readonly issuer: string;
  readonly organization: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: KeyObject;
  /** Key identifiers (SHA-1 of the key, as is usual) tie the server certificate to its CA. */
  readonly subjectKeyId: Buffer;
  readonly authorityKeyId: Buffer;
  readonly ca: boolean;
  /** DNS names and IP addresses, for a server certificate. */
  readonly altNames?: readonly string[];
  readonly signer: KeyObject;
}

/** One RSA-SHA256 certificate, as PEM. */
export function buildCertificate(spec: CertificateSpec): string {
  const algorithm = sequence(oid(OIDS.sha256WithRSA), tlv(0x05));
  const extensions = spec.ca
    ? [extension(OIDS.basicConstraints, true, sequence(bool(true))), extension(OIDS.keyUsage, true, keyUsage(5, 6))]
    : [
        extension(OIDS.basicConstraints, true, sequence()),
        extension(OIDS.keyUsage, true, keyUsage(0, 2)),
        extension(OIDS.extKeyUsage, false, sequence(oid(OIDS.serverAuth))),
        extension(OIDS.subjectAltName, false, sequence(...(spec.altNames ?? []).map(altName))),
      ];
  extensions.push(extension(OIDS.subjectKeyId, false, octets(spec.subjectKeyId)), extension(OIDS.authorityKeyId, false, sequence(tlv(0x80, spec.authorityKeyId))));
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))),
    integer(spec.serial),
    algorithm,
    name(spec.issuer, spec.organization),
    sequence(time(spec.notBefore), time(spec.notAfter)),
    name(spec.subject, spec.organization),
    spec.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...extensions)),
  );
  const der = sequence(tbs, algorithm, bits(sign('sha256', tbs, spec.signer)));
  const body = der.toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${body}${body.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`;
}
