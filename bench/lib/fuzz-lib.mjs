// Mutation fuzzing of the token and response path, shared by test/fuzz (a quick count in
// make test) and bench/fuzz.mjs (the full count in make fuzz). The attacker model: anything
// on the wire can be changed, but the service's private key is out of reach, so no mutated
// token may verify. Seeded, so a failure can be replayed with METERING_GATE_FUZZ_SEED.
import { createHmac, createPublicKey, generateKeyPairSync, sign, constants, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleEntries } from './bundle.mjs';

export const PRODUCT_CODE = 'prod-fuzz-1';
export const VERSION = 1;
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const NOISE = `${B64URL}.=+/ \n\t\u0000"{}\\é€`;

/** mulberry32: small, fast and reproducible from one 32-bit seed. */
export function createRng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  return { next, int, pick: (list) => list[int(list.length)] };
}

export function fuzzSeed() {
  const fromEnv = process.env.METERING_GATE_FUZZ_SEED;
  return fromEnv ? Number(fromEnv) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
}

export async function loadFuzzTarget() {
  const [entry] = await bundleEntries(['bench/fuzz-entry.ts'], 'gate-fuzz-');
  return import(entry);
}

const enc = (value) => Buffer.from(value).toString('base64url');
const json = (segment) => JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));

/** Honest tokens from the emulator's own minting, one nonce each, in the claim shapes AWS uses. */
export async function mintBaseTokens(target, count) {
  const keys = await target.createSigningKeys(2048);
  const tokens = [];
  for (let i = 0; i < count; i += 1) {
    const nonce = randomUUID();
    const variant = ['valid', 'claims-pascal', 'version-string'][i % 3];
    const token = await target.mintToken(variant, { claims: { productCode: PRODUCT_CODE, publicKeyVersion: VERSION, nonce }, nowSeconds: Math.floor(Date.now() / 1000), keys });
    tokens.push({ token, nonce });
  }
  return { keys, publicKey: createPublicKey(keys.publicKeyPem), tokens };
}

export function expectationsFor(nonce) {
  return { productCode: PRODUCT_CODE, publicKeyVersion: VERSION, nonce, maxAgeMs: 15 * 60_000, clockSkewMs: 2 * 60_000 };
}

const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
const attackerJwk = attacker.publicKey.export({ format: 'jwk' });

function signAs(alg, input, publicKeyPem) {
  switch (alg) {
    case 'PS256':
      return sign('sha256', Buffer.from(input), { key: attacker.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    case 'RS256':
      return sign('sha256', Buffer.from(input), attacker.privateKey);
    case 'HS256':
      // Key confusion: HMAC keyed with the public key the verifier holds.
      return createHmac('sha256', publicKeyPem).update(input).digest();
    default:
      return Buffer.alloc(0);
  }
}

function editJson(rng, value, edits) {
  const copy = { ...value };
  rng.pick(edits)(copy);
  return copy;
}

const HEADER_EDITS = [
  (h) => (h.alg = 'none'),
  (h) => (h.alg = 'HS256'),
  (h) => (h.alg = 'RS256'),
  (h) => (h.alg = 'PS384'),
  (h) => (h.alg = 'ps256'),
  (h) => (h.alg = 'PS256 '),
  (h) => (h.alg = ['PS256']),
  (h) => (h.alg = null),
  (h) => delete h.alg,
  (h) => (h.crit = ['exp']),
  (h) => ((h.crit = ['b64']), (h.b64 = false)),
  (h) => (h.b64 = false),
  (h) => (h.jwk = attackerJwk),
  (h) => (h.kid = 'attacker'),
  (h) => (h.typ = 'JOSE+JSON'),
  (h) => (h.x5u = 'https://attacker.invalid/key'),
];

const CLAIM_EDITS = [
  (c) => (c.productCode = `${PRODUCT_CODE}x`),
  (c) => (c.productCode = PRODUCT_CODE.toUpperCase()),
  (c) => (c.nonce = randomUUID()),
  (c) => delete c.nonce,
  (c) => (c.publicKeyVersion = 2),
  (c) => (c.publicKeyVersion = '1'),
  (c) => (c.iat = Math.floor(Date.now() / 1000) - 7200),
  (c) => (c.iat = '0'),
  (c) => (c.ProductCode = 'other-product'),
  (c) => (c.NONCE = randomUUID()),
  (c) => (c.exp = 1),
  (c) => (c.admin = true),
];

/**
 * One mutation of a compact token; `kind` names the family for the report. Some edits
 * (re-signing with the attacker's key, alg none) also replace the signature, as an
 * attacker would.
 */
export function mutateToken(rng, token, { otherToken, publicKeyPem }) {
  const [h, p, s] = token.split('.');
  const kinds = ['bit-flip', 'bit-flip', 'char-edit', 'truncate', 'segments', 'header-edit', 'claim-edit', 're-encode', 'resign', 'splice', 'garbage'];
  const kind = rng.pick(kinds);
  switch (kind) {
    case 'bit-flip': {
      const segments = [h, p, s];
      const i = rng.int(3);
      const bytes = Buffer.from(segments[i], 'base64url');
      const flips = 1 + rng.int(3);
      for (let f = 0; f < flips; f += 1) {
        const at = rng.int(bytes.length);
        bytes[at] ^= 1 << rng.int(8);
      }
      segments[i] = enc(bytes);
      return { kind, token: segments.join('.') };
    }
    case 'char-edit': {
      const at = rng.int(token.length);
      const c = rng.pick(NOISE);
      const op = rng.int(3);
      const mutated = op === 0 ? token.slice(0, at) + c + token.slice(at + 1) : op === 1 ? token.slice(0, at) + c + token.slice(at) : token.slice(0, at) + token.slice(at + 1);
      return { kind, token: mutated };
    }
    case 'truncate':
      return { kind, token: token.slice(0, rng.int(token.length)) };
    case 'segments': {
      const variants = [`${h}.${p}`, `${h}.${p}.`, `${h}..${s}`, `.${p}.${s}`, `${h}.${p}.${s}.${s}`, `${p}.${h}.${s}`, `${h}.${p}.${s}.`, `${h}.${p}.${h}`];
      return { kind, token: rng.pick(variants) };
    }
    case 'header-edit': {
      const header = editJson(rng, json(h), HEADER_EDITS);
      const alg = typeof header.alg === 'string' ? header.alg : 'none';
      const keepSignature = rng.next() < 0.5;
      const input = `${enc(JSON.stringify(header))}.${p}`;
      return { kind, token: `${input}.${keepSignature ? s : enc(signAs(alg, input, publicKeyPem))}` };
    }
    case 'claim-edit': {
      const claims = editJson(rng, json(p), CLAIM_EDITS);
      return { kind, token: `${h}.${enc(JSON.stringify(claims))}.${s}` };
    }
    case 're-encode': {
      const std = (segment) => Buffer.from(segment, 'base64url').toString('base64');
      const variants = [
        () => `${std(h)}.${p}.${s}`,
        () => `${h}.${std(p)}.${s}`,
        () => `${h}.${p}.${std(s)}`,
        () => `${h}.${enc(JSON.stringify(json(p), null, 1))}.${s}`,
        () => `${enc(JSON.stringify(json(h), null, 2))}.${p}.${s}`,
        () => `${h}.${enc(Buffer.concat([Buffer.from(json(p) ? JSON.stringify(json(p)) : ''), Buffer.from(' ')]))}.${s}`,
        () => ` ${token}`,
        () => `${token}\n`,
        () => `${h}.${p}.${s}==`,
        () => token.toUpperCase(),
        () => JSON.stringify({ protected: h, payload: p, signature: s }),
        () => `${h}.${enc(Buffer.from(p, 'base64url').toString('latin1'))}.${s}`,
      ];
      return { kind, token: rng.pick(variants)() };
    }
    case 'resign': {
      // Well-formed PS256 over edited or even unedited claims, but with the attacker's key.
      const claims = rng.next() < 0.5 ? json(p) : editJson(rng, json(p), CLAIM_EDITS);
      const header = rng.next() < 0.5 ? { alg: 'PS256', typ: 'JWT' } : { alg: 'PS256', typ: 'JWT', jwk: attackerJwk };
      const input = `${enc(JSON.stringify(header))}.${enc(JSON.stringify(claims))}`;
      return { kind, token: `${input}.${enc(signAs('PS256', input, publicKeyPem))}` };
    }
    case 'splice': {
      const [oh, op, os] = otherToken.split('.');
      return { kind, token: rng.pick([`${h}.${op}.${s}`, `${oh}.${p}.${s}`, `${h}.${p}.${os}`]) };
    }
    default: {
      const values = [null, undefined, 42, {}, [], true, '', '..', 'a.b.c', randomText(rng, rng.int(400)), `${randomText(rng, 20)}.${randomText(rng, 50)}.${randomText(rng, 30)}`, 'x'.repeat(20_000)];
      return { kind: 'garbage', token: rng.pick(values) };
    }
  }
}

export function randomText(rng, length, alphabet = NOISE) {
  let text = '';
  for (let i = 0; i < length; i += 1) text += alphabet[rng.int(alphabet.length)];
  return text;
}

/**
 * Fuzzes verifyToken in-process: every mutated token must be refused with TOKEN_INVALID
 * (exit 5), and nothing may throw anything else. Returns the counts and any failures.
 */
export async function fuzzTokens(target, { count, seed }) {
  const rng = createRng(seed);
  const base = await mintBaseTokens(target, 6);
  const failures = [];
  const kinds = {};
  for (const { token, nonce } of base.tokens) {
    await target.verifyToken(token, base.publicKey, expectationsFor(nonce)); // control: the honest token passes
  }
  let tried = 0;
  let equivalent = 0;
  let accepted = 0;
  while (tried < count) {
    const i = rng.int(base.tokens.length);
    const { token, nonce } = base.tokens[i];
    const other = base.tokens[(i + 1) % base.tokens.length].token;
    const mutation = mutateToken(rng, token, { otherToken: other, publicKeyPem: base.keys.publicKeyPem });
    // A mutation that changed nothing is the honest token again; every other string must fail,
    // re-spelled base64url included (the verifier accepts only the canonical spelling).
    if (mutation.token === token) {
      equivalent += 1;
      continue;
    }
    tried += 1;
    kinds[mutation.kind] = (kinds[mutation.kind] ?? 0) + 1;
    try {
      await target.verifyToken(mutation.token, base.publicKey, expectationsFor(nonce));
      accepted += 1;
      failures.push({ kind: mutation.kind, token: mutation.token, problem: 'accepted' });
    } catch (error) {
      if (error?.code !== 'TOKEN_INVALID' || error?.exitCode !== 5) {
        failures.push({ kind: mutation.kind, token: mutation.token, problem: `threw ${error?.name}: ${error?.code ?? ''} ${error?.message ?? error}` });
      }
    }
  }
  return { tried, accepted, equivalent, kinds, failures, base };
}

/** Random RegisterUsage answers: statuses, content types and bodies no real service would send, and some it might. */
export function randomAnswer(rng, { tokens, publicKeyPem, signedForOtherNonce }) {
  const status = rng.pick([200, 200, 200, 200, 400, 400, 403, 404, 413, 429, 500, 502, 503, 302, 204]);
  const contentType = rng.pick(['application/x-amz-json-1.1', 'application/json', 'text/html', 'application/octet-stream', '']);
  const tokenish = () => {
    const { token } = rng.pick(tokens);
    return rng.next() < 0.3 ? signedForOtherNonce : mutateToken(rng, token, { otherToken: rng.pick(tokens).token, publicKeyPem }).token;
  };
  const bodies = [
    () => '',
    () => randomText(rng, rng.int(300)),
    () => Buffer.from(Array.from({ length: rng.int(600) }, () => rng.int(256))),
    () => JSON.stringify(randomJson(rng, 4)),
    () => JSON.stringify({ Signature: tokenish() }),
    () => JSON.stringify({ Signature: tokenish(), PublicKeyRotationTimestamp: rng.pick([1.7e9, 'soon', null, -1, 1e308, {}]) }),
    () => JSON.stringify({ Signature: randomJson(rng, 2) }),
    () => JSON.stringify({ __type: rng.pick(['ThrottlingException', 'CustomerNotEntitledException', 'com.amazon#FooException', 'InternalServiceErrorException', randomText(rng, 12, B64URL), '']), message: randomText(rng, 40) }),
    () => JSON.stringify({ Signature: tokenish() }).slice(0, rng.int(60)),
    () => `{"Signature": "${'A'.repeat(200_000)}"}`,
  ];
  return { status, contentType, body: rng.pick(bodies)() };
}

function randomJson(rng, depth) {
  const leaf = () => rng.pick([null, true, false, rng.int(1e6) - 5e5, rng.next(), randomText(rng, rng.int(20)), '', 1e308, -0]);
  if (depth <= 0 || rng.next() < 0.3) return leaf();
  if (rng.next() < 0.5) return Array.from({ length: rng.int(4) }, () => randomJson(rng, depth - 1));
  const object = {};
  for (let i = rng.int(4); i > 0; i -= 1) object[rng.pick(['Signature', 'signature', '__type', 'message', 'PublicKeyRotationTimestamp', randomText(rng, 6, B64URL)])] = randomJson(rng, depth - 1);
  return object;
}

/** A raw HTTP server that answers every POST with the next random answer. */
export async function startRandomServer(rng, context) {
  const sockets = new Set();
  let served = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      served += 1;
      const answer = randomAnswer(rng, context);
      const headers = { 'x-amzn-requestid': randomUUID() };
      if (answer.contentType) headers['content-type'] = answer.contentType;
      if (answer.status === 302) headers.location = 'http://127.0.0.1:9/elsewhere';
      res.writeHead(answer.status, headers);
      res.end(answer.status === 204 ? undefined : answer.body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    served: () => served,
    close: () => new Promise((resolve) => (server.close(() => resolve()), sockets.forEach((s) => s.destroy()))),
  };
}

// Exit codes a register run may end with on a random answer. 0 is not among them: no random
// answer carries a token signed for this request. 1 (a bug) only for a service error the
// classifier does not know, which it reports as such; anything else with 1 is a crash.
const ALLOWED_EXITS = new Set([2, 3, 4, 5, 6, 7, 8, 9]);

/** Checks one register outcome and its output dir; returns a problem string or null. */
export function checkOutcome(outcome, outputDir) {
  const { code, result } = outcome;
  if (!result) return `no result (exit ${code})`;
  if (!(ALLOWED_EXITS.has(code) || (code === 1 && /^unexpected service error/.test(result.message ?? '')))) return `exit ${code} ${result.errorCode}: ${result.message}`;
  if (result.exitCode !== code) return `result says exit ${result.exitCode}, process ${code}`;
  if (result.entitled !== false || result.status === 'ENTITLED') return `entitled on a random answer: ${JSON.stringify(result).slice(0, 300)}`;
  const files = readdirSync(outputDir).sort();
  if (files.join(',') !== 'entitlement.env,entitlement.json') return `output dir holds ${files.join(', ')}`;
  let onDisk;
  try {
    onDisk = JSON.parse(readFileSync(join(outputDir, 'entitlement.json'), 'utf8'));
  } catch (error) {
    return `entitlement.json does not parse: ${error.message}`;
  }
  if (onDisk.exitCode !== code || onDisk.status !== result.status) return 'entitlement.json disagrees with the outcome';
  return null;
}

/** A token signed with the right key but for another nonce: the replay an attacker could capture. */
export async function signedForAnotherNonce(target, keys) {
  return target.mintToken('valid', { claims: { productCode: PRODUCT_CODE, publicKeyVersion: VERSION, nonce: randomUUID() }, nowSeconds: Math.floor(Date.now() / 1000), keys });
}
