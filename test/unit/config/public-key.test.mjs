// The one key loader: each format a user is likely to hold is recognised, and each refusal
// carries the command that converts it (issue 11, case 10; issue 12, item 6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, createSecretKey } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importSource } from '../../helpers/src-module.mjs';

const { parsePublicKey, readKeyFile, looksLikeKeyText } = await importSource('config/public-key');
const FIXTURES = new URL('../../fixtures/keys/', import.meta.url);
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const spkiPem = publicKey.export({ type: 'spki', format: 'pem' });
const pkcs1Pem = publicKey.export({ type: 'pkcs1', format: 'pem' });
const fileContext = (file) => ({ name: '--public-key-file', shown: JSON.stringify(file), file });

/** Asserts a refusal: exit 2, the name and shown value first, the reason, and a hint with the fix. */
function refused(input, context, reason, hint) {
  assert.throws(
    () => parsePublicKey(input, context),
    (error) => {
      assert.equal(error.code, 'CONFIG_INVALID');
      assert.equal(error.exitCode, 2);
      assert.ok(error.message.startsWith(`invalid ${context.name} ${context.shown}: `), error.message);
      assert.match(error.message, reason);
      assert.ok(!error.message.includes('\n'), 'one line');
      assert.match(error.hint, hint);
      return true;
    },
  );
}

test('PEM in SPKI and PKCS#1, mangled as env vars mangle it, as text or as bytes', () => {
  const oneLine = spkiPem.replace(/\n(?!-----END)/g, '');
  for (const input of [spkiPem, pkcs1Pem, spkiPem.replace(/\n/g, '\\n'), spkiPem.replace(/\n/g, '\r\n'), oneLine, Buffer.from(spkiPem), new Uint8Array(Buffer.from(pkcs1Pem))]) {
    const parsed = parsePublicKey(input, fileContext('key.pem'));
    assert.equal(parsed.bits, 2048);
    assert.equal(parsed.key.type, 'public');
  }
});

test('the base64 body alone (SPKI or PKCS#1), as the README says, on one line or wrapped', () => {
  for (const type of ['spki', 'pkcs1']) {
    const body = publicKey.export({ type, format: 'der' }).toString('base64');
    assert.equal(parsePublicKey(body, { name: 'METERING_GATE_PUBLIC_KEY', shown: '(inline)' }).bits, 2048);
    assert.equal(parsePublicKey(body.replace(/(.{64})/g, '$1\n'), { name: 'METERING_GATE_PUBLIC_KEY', shown: '(inline)' }).bits, 2048);
  }
  assert.equal(looksLikeKeyText(publicKey.export({ type: 'spki', format: 'der' }).toString('base64')), true);
});

test('DER keys and certificates: refused with the openssl command that makes PEM of them', () => {
  refused(publicKey.export({ type: 'spki', format: 'der' }), fileContext('/keys/product.der'), /DER \(binary\) SPKI public key; the gate reads PEM/, /^convert it: openssl pkey -pubin -inform DER -in \/keys\/product\.der -out public\.pem$/);
  refused(publicKey.export({ type: 'pkcs1', format: 'der' }), fileContext('k.der'), /DER \(binary\) PKCS#1 public key/, /openssl rsa -RSAPublicKey_in -inform DER -in k\.der -pubout -out public\.pem/);
  refused(readFileSync(new URL('certificate.pem', FIXTURES)), fileContext('cert.pem'), /this is an X\.509 certificate, not a public key$/, /openssl x509 -in cert\.pem -pubkey -noout > public\.pem/);
  refused(readFileSync(new URL('certificate.der', FIXTURES)), fileContext('cert.der'), /X\.509 certificate in DER \(binary\) form/, /openssl x509 -inform DER -in cert\.der -pubkey -noout/);
});

test('private keys of every kind: "do not ship it"', () => {
  const pems = [privateKey.export({ type: 'pkcs8', format: 'pem' }), privateKey.export({ type: 'pkcs1', format: 'pem' }), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' })];
  for (const pem of pems) refused(pem, fileContext('key.pem'), /this is a private key, do not ship it/, /openssl pkey -in key\.pem -pubout -out public\.pem/);
  refused('-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n', fileContext('id_rsa'), /OpenSSH private key, do not ship it/, /ssh-keygen -e -m PKCS8 -f id_rsa/);
  refused(privateKey.export({ type: 'pkcs8', format: 'der' }), fileContext('key.der'), /private key in DER \(binary\) form, do not ship it/, /openssl pkey -inform DER -in key\.der -pubout/);
  refused(privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'), { name: '--public-key', shown: '(inline)' }, /base64 body of a private key, do not ship it/, /remove the private key/);
  refused(JSON.stringify(privateKey.export({ format: 'jwk' })), fileContext('key.jwk'), /private JSON Web Key \("d" is set\), do not ship it/, /remove it/);
  refused(privateKey, { name: 'publicKey', shown: '(KeyObject, private)' }, /this is a private key, do not ship it/, /crypto\.createPublicKey\(privateKey\)/);
});

test('JWK, JWK sets and OpenSSH keys: refused with the command that converts them', () => {
  const jwk = JSON.stringify(publicKey.export({ format: 'jwk' }));
  refused(jwk, fileContext('key.jwk'), /JSON Web Key \(JWK\), not PEM/, /createPublicKey\(\{key: JSON\.parse\(require\('fs'\)\.readFileSync\('key\.jwk', 'utf8'\)\), format: 'jwk'\}\)/);
  refused(JSON.stringify({ keys: [JSON.parse(jwk)] }), fileContext('jwks.json'), /JSON Web Key Set/, /"keys" array/);
  refused(readFileSync(new URL('id_rsa.pub', FIXTURES)), fileContext('id_rsa.pub'), /OpenSSH public key \(ssh-rsa\), not PEM/, /ssh-keygen -e -m PKCS8 -f id_rsa\.pub > public\.pem/);
  refused('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0 me@host', fileContext('id.pub'), /OpenSSH ssh-ed25519 key; PS256 needs an RSA key/, /RSA public key/);
});

test('the conversion command never pastes a path the shell would misread', () => {
  refused(publicKey.export({ type: 'spki', format: 'der' }), fileContext('my key; rm -rf x.der'), /DER/, /-in key\.der -out public\.pem/);
});

test('a path where the inline key belongs: "did you mean" the file option', () => {
  for (const [value, name, fileOption] of [['k.pem', '--public-key', '--public-key-file'], ['/etc/metering-gate/key.pem', 'METERING_GATE_PUBLIC_KEY', 'METERING_GATE_PUBLIC_KEY_FILE'], ['./keys/product', '--public-key', '--public-key-file']]) {
    refused(value, { name, shown: '(inline)', fileOption }, new RegExp(`looks like a file path, not a key: did you mean ${fileOption} ${value.replace(/[./]/g, '\\$&')}\\?$`), new RegExp(`give a path with ${fileOption}`));
  }
  refused('hello', { name: '--public-key', shown: '(inline)', fileOption: '--public-key-file' }, /expected a PEM public key/, /PEM text/);
});

test('keys PS256 cannot use', () => {
  refused(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }), fileContext('k.pem'), /the RSA key has 1024 bits; PS256 needs at least 2048/, /2048 bits or more/);
  refused(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }), fileContext('k.pem'), /the key is EC; PS256 needs an RSA key/, /RSA public key/);
  refused(createSecretKey(Buffer.alloc(32)), { name: 'publicKey', shown: '(KeyObject, secret)' }, /secret \(symmetric\) key cannot verify PS256/, /RSA public key/);
  refused('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----', fileContext('k.csr'), /PEM "CERTIFICATE REQUEST" block, not a public key/, /BEGIN PUBLIC KEY/);
  refused('-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n', fileContext('k.pem'), /incomplete/, /from its BEGIN line to its END line/);
});

test('key files: only a regular file of key size is read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'key-file-'));
  writeFileSync(join(dir, 'key.pem'), spkiPem);
  assert.equal(parsePublicKey(readKeyFile(join(dir, 'key.pem'), fileContext('key.pem')), fileContext('key.pem')).bits, 2048);
  const cases = [
    [join(dir, 'missing.pem'), /cannot read the file \(ENOENT\)/, /secret or config map/],
    [dir, /is a directory, not a key file/, /PEM file itself/],
    ['/dev/zero', /is not a regular file/, /PEM file itself/],
  ];
  writeFileSync(join(dir, 'huge.pem'), Buffer.alloc(100_000, 0x41));
  cases.push([join(dir, 'huge.pem'), /is 100000 bytes, more than any public key file/, /PEM public key file/]);
  try {
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    cases.push([join(dir, 'fifo'), /is not a regular file \(a FIFO, socket or device\)/, /PEM file itself/]);
  } catch {
    // no mkfifo here: /dev/zero covers the non-regular case
  }
  for (const [path, reason, hint] of cases) {
    assert.throws(() => readKeyFile(path, fileContext(path)), (error) => error.code === 'CONFIG_INVALID' && reason.test(error.message) && hint.test(error.hint), path);
  }
});
