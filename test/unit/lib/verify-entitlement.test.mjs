// The library shares the CLI's key loader and duration reader, and its messages name its own
// options (issue 12, item 6): `publicKey`, `wait`, never `--public-key-file` or `--wait`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importSource } from '../../helpers/src-module.mjs';

const { verifyEntitlement } = await importSource('lib/index');
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const missing = join(mkdtempSync(join(tmpdir(), 'lib-input-')), 'entitlement.json');

async function rejection(options) {
  try {
    await verifyEntitlement({ file: missing, ...options });
  } catch (error) {
    return error;
  }
  assert.fail('expected a rejection');
}

test('a Buffer holding the PEM, or the base64 body as a string, is a key: the run goes on to look for the file', async () => {
  for (const key of [Buffer.from(publicKey.export({ type: 'spki', format: 'pem' })), publicKey.export({ type: 'spki', format: 'der' }).toString('base64')]) {
    const error = await rejection({ publicKey: key });
    assert.equal(error.code, 'RESULT_MISSING', error.message);
  }
});

test('refusals name the library option and carry the fix', async () => {
  const cases = [
    [{ publicKey: privateKey }, /^invalid publicKey \(KeyObject, private\): this is a private key, do not ship it/, /createPublicKey/],
    [{ publicKey: publicKey.export({ type: 'spki', format: 'der' }) }, /^invalid publicKey \(Buffer, 294 bytes\): this is a DER \(binary\) SPKI public key/, /openssl pkey -pubin -inform DER/],
    [{ publicKey: '/nonexistent/key.pem' }, /^invalid publicKey "\/nonexistent\/key\.pem": cannot read the file \(ENOENT\)/, /check the path/],
    [{ publicKey, wait: 30 }, null, null],
    [{ publicKey, wait: '30' }, /^invalid wait "30": a duration needs a unit/, /30s for seconds/],
    [{ publicKey, maxAge: '100d' }, /^invalid maxAge "100d": must be from 1s to 30d$/, /from 1s to 30d/],
  ];
  for (const [options, message, hint] of cases) {
    const error = await rejection(options);
    if (message === null) {
      assert.equal(error.code, 'RESULT_MISSING', 'a number is milliseconds');
      continue;
    }
    assert.equal(error.code, 'CONFIG_INVALID', error.message);
    assert.equal(error.exitCode, 2);
    assert.match(error.message, message);
    assert.doesNotMatch(error.message, /--/);
    assert.match(error.hint, hint);
  }
});
