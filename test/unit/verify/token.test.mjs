// verifyToken on tokens made here: PS256 only, claims against what was sent, iat within limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, generateKeyPairSync, sign } from 'node:crypto';
import { importSource } from '../../helpers/src-module.mjs';

const { verifyToken } = await importSource('verify/token');
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const NOW = 1_800_000_000_000;

function token(claims, header = { alg: 'PS256', typ: 'JWT' }) {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }).toString('base64url')}`;
}
const sent = { productCode: 'p1', publicKeyVersion: 1, nonce: 'n1', maxAgeMs: 60_000, clockSkewMs: 10_000, now: NOW };
const claims = { productCode: 'p1', publicKeyVersion: 1, nonce: 'n1', iat: NOW / 1000 };

async function refused(promise, pattern) {
  await assert.rejects(promise, (error) => {
    assert.equal(error.code, 'TOKEN_INVALID');
    assert.equal(error.reason, 'token-refused');
    assert.match(error.detail.problem, pattern);
    assert.equal(error.message, `the RegisterUsage token was refused: ${error.detail.problem}`);
    return true;
  });
}

test('a good token passes, with the claims it carries', async () => {
  const verified = await verifyToken(token(claims), publicKey, sent);
  assert.equal(verified.signatureVerified, true);
  assert.deepEqual(verified.claims, claims);
});

test('algorithm and header: only PS256, no crit', async () => {
  await refused(verifyToken(token(claims, { alg: 'RS256' }), publicKey, sent), /algorithm "RS256" is not allowed/);
  await refused(verifyToken(token(claims, { alg: 'none' }), publicKey, sent), /algorithm "none"/);
  await refused(verifyToken(token(claims, { alg: 'PS256', crit: ['x'] }), publicKey, sent), /critical/);
  await refused(verifyToken('not.a.token!', publicKey, sent), /not a compact JWS/);
});

test('claims must equal what was sent', async () => {
  await refused(verifyToken(token({ ...claims, productCode: 'p2' }), publicKey, sent), /product code claim "p2"/);
  await refused(verifyToken(token({ ...claims, publicKeyVersion: 2 }), publicKey, sent), /public key version claim 2/);
  await refused(verifyToken(token({ ...claims, nonce: 'other' }), publicKey, sent), /nonce claim/);
  await refused(verifyToken(token({ ...claims, ProductCode: 'p2' }), publicKey, sent), /more than once/);
});

test('iat: within the age and the skew; required when asked', async () => {
  await verifyToken(token({ ...claims, iat: (NOW - 59_000) / 1000 }), publicKey, sent);
  await refused(verifyToken(token({ ...claims, iat: (NOW - 61_000) / 1000 }), publicKey, sent), /old, older than/);
  await refused(verifyToken(token({ ...claims, iat: (NOW + 11_000) / 1000 }), publicKey, sent), /in the future/);
  await verifyToken(token({ ...claims, iat: (NOW - 10 * 86_400_000) / 1000 }), publicKey, { ...sent, maxAgeMs: Number.POSITIVE_INFINITY });
  const { iat: _drop, ...noIat } = claims;
  await verifyToken(token(noIat), publicKey, sent);
  await refused(verifyToken(token(noIat), publicKey, { ...sent, requireIat: true }), /no iat claim/);
});

test('another key\'s signature is refused', async () => {
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
  await refused(verifyToken(token(claims), other, sent), /does not verify/);
});
