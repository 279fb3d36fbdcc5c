// Token minting: the honest PS256 token, plus variants that each carry exactly one
// defect, so a verifier's tests can prove it rejects (or tolerates) that one thing.
// JWS is assembled on node:crypto rather than a JOSE library because several variants
// (alg none, HS256 key confusion, unknown crit, keys under 2048 bits) are precisely
// what a careful library refuses to produce.
import { constants, createHmac, generateKeyPair, randomUUID, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

const generateRsa = promisify(generateKeyPair);

export interface SigningKeys {
  privateKey: KeyObject;
  publicKeyPem: string;
  /** A second, unrelated key for `wrong-key`; generated only when first needed. */
  otherPrivateKey(): Promise<KeyObject>;
}

export interface RequestClaims {
  productCode: string;
  publicKeyVersion: number;
  nonce?: string;
}

interface MintContext {
  claims: RequestClaims;
  nowSeconds: number;
  keys: SigningKeys;
}

type Alg = 'PS256' | 'RS256' | 'HS256' | 'none';
type Json = Record<string, unknown>;

export async function createSigningKeys(modulusLength: number): Promise<SigningKeys> {
  const { privateKey, publicKey } = await generateRsa('rsa', { modulusLength, publicExponent: 0x10001 });
  let other: Promise<KeyObject> | undefined;
  return {
    privateKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    otherPrivateKey: () => (other ??= generateRsa('rsa', { modulusLength, publicExponent: 0x10001 }).then((k) => k.privateKey)),
  };
}

const b64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');

const SIGNERS: Record<Alg, (input: string, key: KeyObject | Buffer | null) => Buffer> = {
  // JWA PS256: RSASSA-PSS with SHA-256, MGF1 SHA-256 and a 32-byte salt.
  PS256: (input, key) => sign('sha256', Buffer.from(input), { key: key as KeyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }),
  RS256: (input, key) => sign('sha256', Buffer.from(input), { key: key as KeyObject, padding: constants.RSA_PKCS1_PADDING }),
  HS256: (input, key) => createHmac('sha256', key as Buffer).update(input).digest(),
  none: () => Buffer.alloc(0),
};

function jws(header: Json & { alg: Alg }, payload: Json, key: KeyObject | Buffer | null): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${b64url(SIGNERS[header.alg](input, key))}`;
}

/** The payload real integrations see: lower camel case, numeric version, iat in seconds. */
function claims(c: MintContext, overrides: Json = {}): Json {
  const { productCode, publicKeyVersion, nonce } = c.claims;
  return { productCode, publicKeyVersion, ...(nonce === undefined ? {} : { nonce }), iat: c.nowSeconds, ...overrides };
}

const ps256 = (c: MintContext, payload: Json, extraHeader: Json = {}): string =>
  jws({ alg: 'PS256', typ: 'JWT', ...extraHeader }, payload, c.keys.privateKey);

function flipSignatureByte(token: string): string {
  const [h, p, s] = token.split('.') as [string, string, string];
  const sig = Buffer.from(s, 'base64url');
  const i = sig.length >> 1;
  sig[i] = (sig[i] ?? 0) ^ 0x01;
  return `${h}.${p}.${b64url(sig)}`;
}

function withoutIat(payload: Json): Json {
  const { iat: _drop, ...rest } = payload;
  return rest;
}

function pascalCase(payload: Json): Json {
  const { productCode, publicKeyVersion, nonce, ...rest } = payload;
  return { ProductCode: productCode, PublicKeyVersion: publicKeyVersion, ...(nonce === undefined ? {} : { Nonce: nonce }), ...rest };
}

export interface TokenVariant {
  name: string;
  description: string;
  mint(c: MintContext): string | Promise<string>;
}

export const TOKEN_VARIANTS = [
  { name: 'valid', description: 'PS256 token with matching claims', mint: (c) => ps256(c, claims(c)) },
  { name: 'bad-signature', description: 'valid-looking token with one signature byte flipped', mint: (c) => flipSignatureByte(ps256(c, claims(c))) },
  { name: 'wrong-nonce', description: 'signed token whose nonce differs from the request', mint: (c) => ps256(c, claims(c, { nonce: randomUUID() })) },
  { name: 'claims-pascal', description: 'valid token with ProductCode/PublicKeyVersion/Nonce claim names', mint: (c) => ps256(c, pascalCase(claims(c))) },
  { name: 'version-string', description: 'valid token with publicKeyVersion as a numeric string', mint: (c) => ps256(c, claims(c, { publicKeyVersion: String(c.claims.publicKeyVersion) })) },
  { name: 'wrong-product-code', description: 'signed token for another product code', mint: (c) => ps256(c, claims(c, { productCode: `${c.claims.productCode}-other` })) },
  { name: 'wrong-version', description: 'signed token for another public key version', mint: (c) => ps256(c, claims(c, { publicKeyVersion: c.claims.publicKeyVersion + 1 })) },
  { name: 'alg-none', description: 'unsigned token with alg none', mint: (c) => jws({ alg: 'none', typ: 'JWT' }, claims(c), null) },
  // The classic key-confusion attack: HMAC keyed with the public key a verifier already holds.
  { name: 'hs256', description: 'HS256 token keyed with the public key PEM bytes', mint: (c) => jws({ alg: 'HS256', typ: 'JWT' }, claims(c), Buffer.from(c.keys.publicKeyPem)) },
  { name: 'rs256', description: 'RS256 token signed with the right key', mint: (c) => jws({ alg: 'RS256', typ: 'JWT' }, claims(c), c.keys.privateKey) },
  { name: 'crit', description: 'PS256 token with an unknown critical header x-unknown', mint: (c) => ps256(c, claims(c), { crit: ['x-unknown'], 'x-unknown': true }) },
  { name: 'iat-old', description: 'valid token issued one hour ago', mint: (c) => ps256(c, claims(c, { iat: c.nowSeconds - 3600 })) },
  { name: 'iat-future', description: 'valid token issued ten minutes in the future', mint: (c) => ps256(c, claims(c, { iat: c.nowSeconds + 600 })) },
  { name: 'no-iat', description: 'valid token without iat', mint: (c) => ps256(c, withoutIat(claims(c))) },
  {
    name: 'wrong-key',
    description: 'PS256 token signed with an unrelated RSA key',
    mint: async (c) => jws({ alg: 'PS256', typ: 'JWT' }, claims(c), await c.keys.otherPrivateKey()),
  },
] as const satisfies readonly TokenVariant[];

export type TokenVariantName = (typeof TOKEN_VARIANTS)[number]['name'];

export async function mintToken(variant: TokenVariantName, c: MintContext): Promise<string> {
  const def: TokenVariant = TOKEN_VARIANTS.find((v) => v.name === variant)!;
  return def.mint(c);
}
