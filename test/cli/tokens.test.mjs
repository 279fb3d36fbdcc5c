// The token rules: what verifies and what must be refused, each produced by the emulator
// as a real RegisterUsage answer and judged by the built CLI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { baseEnv, gateArgs, runGate, startEmulator, tempDir } from '../helpers/gate.mjs';

let emulator;
before(async () => {
  emulator = await startEmulator();
});
after(async () => {
  await emulator?.stop();
});

async function registerIn(scenario, extraArgs = []) {
  await emulator.setScenario(scenario);
  const out = tempDir();
  return runGate(gateArgs(emulator, out, extraArgs), { env: baseEnv({ AWS_REGION: 'us-east-1' }), outputDir: out });
}

for (const [scenario, claimName] of [
  ['entitled', 'productCode'],
  ['claims-pascal', 'ProductCode'],
  ['version-string', 'productCode'],
]) {
  test(`accepted: ${scenario}`, async () => {
    const run = await registerIn(scenario);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.file.status, 'ENTITLED');
    assert.equal(run.file.signatureVerified, true);
    assert.equal(run.file.claims[claimName], 'prod-test-1');
  });
}

const REFUSED = {
  'alg-none': /algorithm "none" is not allowed/,
  hs256: /algorithm "HS256" is not allowed/,
  rs256: /algorithm "RS256" is not allowed/,
  crit: /critical/,
  'bad-signature': /signature does not verify/,
  'wrong-key': /signature does not verify/,
  'wrong-nonce': /nonce claim .* is not the nonce that was sent/,
  'wrong-product-code': /product code claim "prod-test-1-other" is not "prod-test-1"/,
  'wrong-version': /public key version claim 2 is not 1/,
  'iat-old': /old, older than the 15m allowed/,
  'iat-future': /in the future, more than the 2m clock skew/,
  'malformed-body': /could not be read/,
};

for (const [scenario, reason] of Object.entries(REFUSED)) {
  test(`refused with exit 5: ${scenario}`, async () => {
    const run = await registerIn(scenario);
    assert.equal(run.code, 5, run.stderr);
    assert.equal(run.file.errorCode, 'TOKEN_INVALID');
    assert.equal(run.file.entitled, false);
    assert.equal(run.file.claims, null);
    assert.match(run.file.message, reason);
  });
}

test('iat limits follow --max-token-age and --clock-skew', async () => {
  let run = await registerIn('iat-old', ['--max-token-age', '2h']);
  assert.equal(run.code, 0, run.stderr);
  run = await registerIn('iat-future', ['--clock-skew', '15m']);
  assert.equal(run.code, 0, run.stderr);
});

test('a token without iat is refused at registration (exit 5), as verify would refuse its result', async () => {
  const run = await registerIn('no-iat');
  assert.equal(run.code, 5, run.stderr);
  assert.equal(run.file.errorCode, 'TOKEN_INVALID');
  assert.match(run.file.message, /no iat claim/);
});

test('PublicKeyRotationTimestamp is warned about and recorded', async () => {
  const run = await registerIn('key-rotation');
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.file.publicKeyRotationTimestamp, /^\d{4}-\d\d-\d\dT/);
  assert.ok(Date.parse(run.file.publicKeyRotationTimestamp) < Date.now());
  assert.ok(run.file.warnings.some((warning) => /has expired/.test(warning)));
  assert.match(run.stderr, /"level":40.*has expired/);
});

test('--skip-signature-verification: claims still checked, and the skip is recorded', async () => {
  const env = baseEnv({ AWS_REGION: 'us-east-1' });
  await emulator.setScenario('wrong-key');
  let out = tempDir();
  let run = await runGate(['--product-code', 'prod-test-1', '--skip-signature-verification', '--endpoint-url', emulator.url, '--output-dir', out], { env, outputDir: out });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.file.signatureVerified, false);
  assert.ok(run.file.warnings.some((warning) => /signature verification is off/.test(warning)));
  await emulator.setScenario('wrong-nonce');
  out = tempDir();
  run = await runGate(['--product-code', 'prod-test-1', '--skip-signature-verification', '--endpoint-url', emulator.url, '--output-dir', out], { env, outputDir: out });
  assert.equal(run.code, 5);
});
