import { createPrivateKey, createPublicKey, KeyObject, X509Certificate } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { GateError } from '../errors.js';

/** jose refuses PS256 keys under 2048 bits; we refuse them at start-up so the failure is early and clear. */
export const MIN_KEY_BITS = 2048;

/** A public key file is a few hundred bytes; anything far larger is not one, and must not be read whole. */
export const MAX_KEY_FILE_BYTES = 64 * 1024;

export interface ParsedKey {
  readonly key: KeyObject;
  readonly bits: number;
}

/** Who is asking, so that every message names the input the user set and every fix fits it. */
export interface KeyContext {
  /** The flag, env var or library option: `--public-key-file`, `METERING_GATE_PUBLIC_KEY`, `publicKey`. */
  readonly name: string;
  /** The value as messages show it: a quoted path, or `(inline PEM, 450 characters)`. */
  readonly shown: string;
  /** The file the key came from, for the conversion commands; absent for inline keys. */
  readonly file?: string;
  /** For inline keys: the option that takes a path instead, suggested when the value looks like one. */
  readonly fileOption?: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/;
const PEM_LABEL = /-----BEGIN ([A-Z0-9 ]+)-----/;
const PUBLIC_LABELS = new Set(['PUBLIC KEY', 'RSA PUBLIC KEY']);
const PRIVATE_LABEL = /PRIVATE KEY/;
const CERTIFICATE_LABELS = new Set(['CERTIFICATE', 'TRUSTED CERTIFICATE', 'X509 CERTIFICATE']);
// The body of a DER key in base64, as copied out of a PEM file: a 2048-bit SPKI key is 392 characters.
const BARE_BASE64 = /^[A-Za-z0-9+/]{100,}={0,2}$/;
const OPENSSH_PUBLIC = /^(ssh-rsa|ssh-ed25519|ssh-dss|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+) [A-Za-z0-9+/=]+/;

/** Env vars and YAML mangle PEM: literal `\n`, CRLF, a body on one line. Undo that before looking. */
function unescape(text: string): string {
  return text.replace(/\\r/g, '').replace(/\\n/g, '\n').trim();
}

/** A canonical PEM rebuilt from the block's base64 body, so that one-line and re-wrapped bodies parse. */
export function normalisePem(text: string): string | undefined {
  const match = PEM_BLOCK.exec(unescape(text));
  if (!match) return undefined;
  const label = match[1] as string;
  const body = (match[2] as string).replace(/[^A-Za-z0-9+/=]/g, '');
  if (body.length === 0) return undefined;
  return `-----BEGIN ${label}-----\n${(body.match(/.{1,64}/g) ?? []).join('\n')}\n-----END ${label}-----\n`;
}

/** A name that is safe to paste into a shell command as it is, else a placeholder. */
function shellName(file: string | undefined, placeholder: string): string {
  return file !== undefined && /^[\w./@:+-]+$/.test(file) ? file : placeholder;
}

/** What a DER blob is, trying the shapes a key file can have; null when it is none of them. */
function identifyDer(der: Buffer): { kind: 'public'; key: KeyObject; format: 'spki' | 'pkcs1' } | { kind: 'private' } | { kind: 'certificate' } | null {
  // Private shapes first: createPublicKey also takes a private key, and would derive its public half.
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      createPrivateKey({ key: der, format: 'der', type });
      return { kind: 'private' };
    } catch {
      // not this shape
    }
  }
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      return { kind: 'public', key: createPublicKey({ key: der, format: 'der', type }), format: type };
    } catch {
      // not this shape
    }
  }
  try {
    new X509Certificate(der);
    return { kind: 'certificate' };
  } catch {
    return null;
  }
}

class KeyRefusal {
  constructor(
    readonly reason: string,
    readonly hint: string,
  ) {}
}

function privateKeyRefusal(file: string): KeyRefusal {
  return new KeyRefusal(
    'this is a private key, do not ship it: the gate needs only the public key',
    `remove the private key from the image, secret or config, and give the public key AWS Marketplace issued for the product. If the key pair is your own (for the emulator), its public half is: openssl pkey -in ${file} -pubout -out public.pem`,
  );
}

function certificateRefusal(file: string, der: boolean): KeyRefusal {
  return new KeyRefusal(
    `this is an X.509 certificate${der ? ' in DER (binary) form' : ''}, not a public key`,
    `extract its public key as PEM: openssl x509${der ? ' -inform DER' : ''} -in ${file} -pubkey -noout > public.pem`,
  );
}

/** The checks a key object must pass to verify PS256, wherever it came from. */
function checkRsa(key: KeyObject): ParsedKey | KeyRefusal {
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss') {
    return new KeyRefusal(`the key is ${String(key.asymmetricKeyType).toUpperCase()}; PS256 needs an RSA key`, 'use the RSA public key AWS Marketplace issued for the product.');
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_KEY_BITS) {
    return new KeyRefusal(`the RSA key has ${bits} bits; PS256 needs at least ${MIN_KEY_BITS}`, 'use the key AWS Marketplace issued for your product (2048 bits or more).');
  }
  return { key, bits };
}

const EXPECTED = 'expected a PEM public key: "BEGIN PUBLIC KEY" (SPKI) or "BEGIN RSA PUBLIC KEY" (PKCS#1), or its base64 body alone';

function fromText(text: string, context: KeyContext): ParsedKey | KeyRefusal {
  const file = shellName(context.file, 'key.pem');
  const unescaped = unescape(text);
  const label = PEM_LABEL.exec(unescaped)?.[1];
  if (label !== undefined) {
    if (PRIVATE_LABEL.test(label)) {
      if (label === 'OPENSSH PRIVATE KEY') {
        return new KeyRefusal('this is an OpenSSH private key, do not ship it: the gate needs only the public key', `remove it from the image, secret or config, and give the public key AWS Marketplace issued for the product (the public half of your own key: ssh-keygen -e -m PKCS8 -f ${file} > public.pem).`);
      }
      return privateKeyRefusal(file);
    }
    if (CERTIFICATE_LABELS.has(label)) return certificateRefusal(file, false);
    if (!PUBLIC_LABELS.has(label)) return new KeyRefusal(`this is a PEM "${label}" block, not a public key`, `give the product's public key: ${EXPECTED}.`);
    const pem = normalisePem(unescaped);
    if (!pem) return new KeyRefusal(`the PEM "${label}" block is incomplete (no matching END line, or an empty body)`, 'copy the whole key, from its BEGIN line to its END line.');
    try {
      return checkRsa(createPublicKey({ key: pem, format: 'pem' }));
    } catch (error) {
      return new KeyRefusal(`the PEM does not hold a valid public key (${error instanceof Error ? error.message : String(error)})`, 'copy the key again from what AWS Marketplace gave you; the body may be cut or edited.');
    }
  }
  if (unescaped.startsWith('---- BEGIN SSH2 PUBLIC KEY ----')) {
    return new KeyRefusal('this is an SSH2 (RFC 4716) public key, not PEM', `convert it: ssh-keygen -i -m RFC4716 -f ${file} > key.openssh && ssh-keygen -e -m PKCS8 -f key.openssh > public.pem`);
  }
  const openssh = OPENSSH_PUBLIC.exec(unescaped);
  if (openssh) {
    if (openssh[1] !== 'ssh-rsa') return new KeyRefusal(`this is an OpenSSH ${openssh[1]} key; PS256 needs an RSA key`, 'use the RSA public key AWS Marketplace issued for the product.');
    return new KeyRefusal('this is an OpenSSH public key (ssh-rsa), not PEM', `convert it: ssh-keygen -e -m PKCS8 -f ${shellName(context.file, 'key.pub')} > public.pem`);
  }
  if (unescaped.startsWith('{')) return fromJson(unescaped, context);
  const compact = unescaped.replace(/\s+/g, '');
  if (BARE_BASE64.test(compact)) {
    const der = identifyDer(Buffer.from(compact, 'base64'));
    if (der?.kind === 'public') return checkRsa(der.key);
    if (der?.kind === 'private') return new KeyRefusal('this is the base64 body of a private key, do not ship it: the gate needs only the public key', 'remove the private key from the image, secret or config, and give the public key AWS Marketplace issued for the product.');
    if (der?.kind === 'certificate') return new KeyRefusal('this is the base64 body of an X.509 certificate, not a public key', 'put it between "-----BEGIN CERTIFICATE-----" and "-----END CERTIFICATE-----" lines in cert.pem, then: openssl x509 -in cert.pem -pubkey -noout > public.pem');
    return new KeyRefusal('this base64 text is not a DER public key', `give the product's public key: ${EXPECTED}.`);
  }
  if (context.fileOption && looksLikePath(unescaped)) {
    return new KeyRefusal(`this looks like a file path, not a key: did you mean ${context.fileOption} ${unescaped}?`, `${context.name} takes the PEM text itself; give a path with ${context.fileOption}.`);
  }
  return new KeyRefusal(EXPECTED, `give the product's public key from AWS Marketplace as PEM text (a file from --public-key-file, or inline).`);
}

const JWK_TO_PEM = (file: string) =>
  `convert it to PEM: node -p "require('crypto').createPublicKey({key: JSON.parse(require('fs').readFileSync('${file}', 'utf8')), format: 'jwk'}).export({type: 'spki', format: 'pem'})" > public.pem`;

function fromJson(text: string, context: KeyContext): KeyRefusal {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return new KeyRefusal(`this is JSON-like text, but neither JSON nor a key: ${EXPECTED}`, 'give the PEM public key AWS Marketplace issued for the product.');
  }
  const file = shellName(context.file, 'key.jwk');
  if (value !== null && typeof value === 'object' && Array.isArray((value as { keys?: unknown }).keys)) {
    return new KeyRefusal('this is a JSON Web Key Set, not a PEM key', `save the RSA key from its "keys" array on its own as key.jwk, then ${JWK_TO_PEM('key.jwk')}`);
  }
  const jwk = value as { kty?: unknown; d?: unknown };
  if (jwk === null || typeof jwk !== 'object' || typeof jwk.kty !== 'string') return new KeyRefusal(`this is JSON, not a key: ${EXPECTED}`, 'give the PEM public key AWS Marketplace issued for the product.');
  if (jwk.d !== undefined) return new KeyRefusal('this is a private JSON Web Key ("d" is set), do not ship it: the gate needs only the public key', 'remove it from the image, secret or config, and give the public key AWS Marketplace issued for the product.');
  if (jwk.kty !== 'RSA') return new KeyRefusal(`this is a JSON Web Key of type ${jwk.kty}; PS256 needs an RSA key`, 'use the RSA public key AWS Marketplace issued for the product.');
  return new KeyRefusal('this is a JSON Web Key (JWK), not PEM', JWK_TO_PEM(file));
}

function fromBytes(bytes: Buffer, context: KeyContext): ParsedKey | KeyRefusal {
  // PEM, JWK and OpenSSH keys are text; a DER file starts with an ASN.1 SEQUENCE and holds control bytes.
  const binary = bytes[0] === 0x30 && bytes.subarray(0, 64).some((byte) => byte < 0x09 || (byte > 0x0d && byte < 0x20) || byte > 0x7e);
  if (!binary) return fromText(bytes.toString('utf8'), context);
  const file = shellName(context.file, 'key.der');
  const der = identifyDer(bytes);
  if (der?.kind === 'public') {
    const checked = checkRsa(der.key);
    if (checked instanceof KeyRefusal) return checked;
    const convert = der.format === 'spki' ? `openssl pkey -pubin -inform DER -in ${file} -out public.pem` : `openssl rsa -RSAPublicKey_in -inform DER -in ${file} -pubout -out public.pem`;
    return new KeyRefusal(`this is a DER (binary) ${der.format === 'spki' ? 'SPKI' : 'PKCS#1'} public key; the gate reads PEM`, `convert it: ${convert}`);
  }
  if (der?.kind === 'private') {
    return new KeyRefusal('this is a private key in DER (binary) form, do not ship it: the gate needs only the public key', `remove the private key from the image, secret or config, and give the public key AWS Marketplace issued for the product (the public half of your own key: openssl pkey -inform DER -in ${file} -pubout -out public.pem).`);
  }
  if (der?.kind === 'certificate') return certificateRefusal(file, true);
  return new KeyRefusal(`binary data that is no DER key or certificate: ${EXPECTED}`, 'give the PEM public key AWS Marketplace issued for the product.');
}

/** Text that is meant as a key (of any format), rather than a path to one: the library's string takes both. */
export function looksLikeKeyText(text: string): boolean {
  const unescaped = unescape(text);
  return PEM_LABEL.test(unescaped) || unescaped.startsWith('{') || unescaped.startsWith('---- BEGIN SSH2') || OPENSSH_PUBLIC.test(unescaped) || BARE_BASE64.test(unescaped.replace(/\s+/g, ''));
}

/** `./k.pem`, `/etc/key.pem`, `key.pub`: one word ending in a key file's extension or holding a directory. */
export function looksLikePath(text: string): boolean {
  if (/\s/.test(text) || text.length > 4096) return false;
  return /\.(pem|pub|key|der|crt|cer|jwk|json|txt|asc)$/i.test(text) || /^(\.{0,2}\/|~\/)/.test(text);
}

/**
 * The one key loader of the CLI and the library. Accepts an RSA public key (>= 2048 bits) as
 * PEM (SPKI or PKCS#1, mangled or not), as the base64 body of such a PEM alone, or as a
 * KeyObject; recognises everything else a user is likely to hold (DER, JWK, OpenSSH, X.509
 * certificates, private keys of every kind) and refuses it with the command that converts it.
 */
export function parsePublicKey(input: string | Uint8Array | KeyObject, context: KeyContext): ParsedKey {
  let outcome: ParsedKey | KeyRefusal;
  if (input instanceof KeyObject) {
    outcome =
      input.type === 'secret'
        ? new KeyRefusal('a secret (symmetric) key cannot verify PS256', 'give the RSA public key AWS Marketplace issued for the product.')
        : input.type === 'private'
          ? new KeyRefusal('this is a private key, do not ship it: the gate needs only the public key', 'give the public key AWS Marketplace issued for the product; for a key pair of your own, crypto.createPublicKey(privateKey) is its public half.')
          : checkRsa(input);
  } else if (typeof input === 'string') {
    outcome = fromText(input, context);
  } else if (input instanceof Uint8Array) {
    outcome = fromBytes(Buffer.from(input.buffer, input.byteOffset, input.byteLength), context);
  } else {
    outcome = new KeyRefusal(`a ${input === null ? 'null' : typeof input} is not a key`, 'give a PEM string, a path to a PEM file, a Buffer holding the PEM, or a KeyObject.');
  }
  if (outcome instanceof KeyRefusal) throw new GateError('CONFIG_INVALID', { reason: 'setting-invalid', setting: context.name, shownValue: context.shown, allowed: outcome.reason }, { hint: outcome.hint });
  return outcome;
}

/**
 * Reads a key file, only when it is a regular file of key size: a FIFO would block forever,
 * a device or a huge file would cost memory for nothing. Opened non-blocking, checked with
 * fstat on the descriptor that is then read, so the check and the read see the same file.
 */
export function readKeyFile(path: string, context: KeyContext): Buffer {
  const fail = (reason: string, hint: string) => new GateError('CONFIG_INVALID', { reason: 'setting-invalid', setting: context.name, shownValue: context.shown, allowed: reason }, { hint });
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw fail(`cannot read the file (${code}); expected a PEM public key file`, code === 'ENOENT' ? 'check the path; in a pod, check that the secret or config map holding the key is mounted there.' : 'make the file readable by the gate\'s user.');
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw fail('is a directory, not a key file', 'give the path of the PEM file itself.');
    if (!stat.isFile()) throw fail('is not a regular file (a FIFO, socket or device)', 'give the path of the PEM file itself.');
    if (stat.size > MAX_KEY_FILE_BYTES) throw fail(`is ${stat.size} bytes, more than any public key file (at most ${MAX_KEY_FILE_BYTES})`, 'give the path of the PEM public key file.');
    const bytes = Buffer.alloc(stat.size);
    let filled = 0;
    while (filled < bytes.length) {
      const read = readSync(fd, bytes, filled, bytes.length - filled, filled);
      if (read === 0) break;
      filled += read;
    }
    return bytes.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}
