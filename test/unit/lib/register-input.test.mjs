// register() reads its options with the CLI's parsers, but its refusals name its own options
// (issue 12, item 6): `deadline`, `publicKey`, `productCode`, never `--deadline`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importSource } from '../../helpers/src-module.mjs';

const { register } = await importSource('lib/index');
const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' });

async function refusal(options) {
  const dir = mkdtempSync(join(tmpdir(), 'lib-register-input-'));
  try {
    await register({ outputDir: dir, terminationLog: join(dir, 'termination-log'), env: {}, ...options });
  } catch (error) {
    return error;
  }
  assert.fail('expected a rejection');
}

test('refusals name the library option, with the same rules as the CLI', async () => {
  const cases = [
    [{ productCode: 'p', publicKey: pem, deadline: '30' }, /^invalid deadline "30": a duration needs a unit/],
    [{ productCode: 'p', publicKey: pem, attemptTimeout: '597h' }, /^invalid attemptTimeout "597h": must be from 100ms to 1h$/],
    [{ productCode: 'p', publicKey: '/nonexistent/key.pem' }, /^invalid publicKey "\/nonexistent\/key\.pem": cannot read the file \(ENOENT\)/],
    [{ productCode: 'p', publicKey: pem, region: 'Mars-1' }, /^invalid region "Mars-1": must be an AWS region name/],
    [{ publicKey: pem }, /^missing productCode or METERING_GATE_PRODUCT_CODE/],
    [{ productCode: 'p' }, /^missing public key: give publicKey .*only skipSignatureVerification runs without one$/],
    [{ productCode: 'p', publicKey: pem, logLevel: 'loud' }, /^invalid logLevel "loud": must be one of/],
  ];
  for (const [options, message] of cases) {
    const error = await refusal(options);
    assert.equal(error.code, 'CONFIG_INVALID', error.message);
    assert.match(error.message, message);
    assert.doesNotMatch(error.message, /--/);
    assert.equal(error.result?.message, error.message, 'the result file records the same words');
    assert.ok(error.hint.length > 20);
  }
});

test('a number is milliseconds, and a value that starts with -- is just a value here', async () => {
  const error = await refusal({ productCode: 'p', publicKey: pem, deadline: 30_000, nonce: '--not-a-flag', region: 'Mars-1' });
  assert.match(error.message, /^invalid region "Mars-1"/, 'deadline and nonce passed');
});
