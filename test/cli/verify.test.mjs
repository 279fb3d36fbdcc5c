// verify: an offline re-check that trusts only what the token proves.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseEnv, gateArgs, runGate, startEmulator, tempDir } from '../helpers/gate.mjs';

let emulator;
before(async () => {
  emulator = await startEmulator();
});
after(async () => {
  await emulator?.stop();
});

async function registered(scenario = 'entitled', extraArgs = []) {
  await emulator.setScenario(scenario);
  const out = tempDir();
  const run = await runGate(gateArgs(emulator, out, extraArgs), { env: baseEnv({ AWS_REGION: 'us-east-1' }), outputDir: out });
  return { out, run };
}

function verify(args) {
  return runGate(['verify', '--public-key-file', emulator.keyPath, ...args], { env: baseEnv() });
}

test('a genuine result verifies (exit 0), also for the right --product-code', async () => {
  const { out } = await registered();
  let run = await verify(['--output-dir', out]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.result.verified, true);
  run = await verify(['--result', join(out, 'entitlement.json'), '--product-code', 'prod-test-1']);
  assert.equal(run.code, 0, run.stderr);
});

test("another product's result is refused (exit 5)", async () => {
  const { out } = await registered();
  const run = await verify(['--output-dir', out, '--product-code', 'paid-product']);
  assert.equal(run.code, 5);
  assert.match(run.result.message, /for product "prod-test-1", not "paid-product"/);
});

test('edited files are refused (exit 5)', async () => {
  const { out } = await registered();
  const genuine = JSON.parse(readFileSync(join(out, 'entitlement.json'), 'utf8'));
  const edits = {
    'product code changed': { ...genuine, productCode: 'other-product' },
    'nonce changed': { ...genuine, nonce: 'replayed' },
    'signature removed': { ...genuine, signature: null },
    'signature from a NOT_ENTITLED run replaced by a made-up one': { ...genuine, signature: 'eyJhbGciOiJub25lIn0.eyJwcm9kdWN0Q29kZSI6InByb2QtdGVzdC0xIn0.' },
  };
  for (const [name, edited] of Object.entries(edits)) {
    const dir = tempDir();
    writeFileSync(join(dir, 'entitlement.json'), JSON.stringify(edited));
    const run = await verify(['--output-dir', dir]);
    assert.equal(run.code, 5, `${name}: ${run.stderr}`);
    assert.equal(run.result.errorCode, 'TOKEN_INVALID');
  }
  const dir = tempDir();
  writeFileSync(join(dir, 'entitlement.json'), '{"schemaVersion": 1, "status": "ENTI');
  assert.equal((await verify(['--output-dir', dir])).code, 5, 'truncated JSON');
});

test('a NOT_ENTITLED result exits 3; a forged ENTITLED status on it exits 5', async () => {
  const { out } = await registered('not-entitled');
  let run = await verify(['--output-dir', out]);
  assert.equal(run.code, 3);
  assert.equal(run.result.errorCode, 'CUSTOMER_NOT_ENTITLED');
  const forged = { ...JSON.parse(readFileSync(join(out, 'entitlement.json'), 'utf8')), status: 'ENTITLED', entitled: true };
  writeFileSync(join(out, 'entitlement.json'), JSON.stringify(forged));
  run = await verify(['--output-dir', out]);
  assert.equal(run.code, 5);
  assert.equal(run.result.file, join(out, 'entitlement.json'), 'the failure line names the file');
});

test('age: without a pod or task identity a token may be 24h old; --max-age narrows that', async () => {
  const { out, run: registration } = await registered('iat-old', ['--max-token-age', '2h']);
  assert.equal(registration.code, 0, registration.stderr);
  let run = await verify(['--output-dir', out]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.result.binding, 'none');
  run = await verify(['--output-dir', out, '--max-age', '15m']);
  assert.equal(run.code, 5);
  assert.match(run.result.message, /older than the 15m allowed/);
});

test('a result that records a gate error is refused with its own code, not as NOT_ENTITLED', async () => {
  const cases = [
    // register refuses a token without iat (exit 5); verify reports that, not a subscription problem.
    { scenario: 'no-iat', code: 5, errorCode: 'TOKEN_INVALID' },
    { scenario: 'platform-not-supported', code: 4, errorCode: 'PLATFORM_NOT_SUPPORTED' },
    { scenario: 'hang', args: ['--attempt-timeout', '200ms', '--deadline', '1s', '--on-unavailable', 'allow'], code: 6, errorCode: 'SERVICE_UNAVAILABLE' },
  ];
  for (const { scenario, args = [], code, errorCode } of cases) {
    const { out, run: registration } = await registered(scenario, args);
    assert.notEqual(registration.file.status, 'ENTITLED');
    const run = await verify(['--output-dir', out]);
    assert.equal(run.code, code, `${scenario}: ${run.stderr}`);
    assert.equal(run.result.errorCode, errorCode);
    assert.match(run.result.message, /the gate did not register/);
    assert.equal(run.result.file, join(out, 'entitlement.json'), 'the failure line names the file');
  }
  // An ERROR result with an error code the gate never writes is INTERNAL (exit 1), never exit 0 or 3.
  const { out } = await registered('platform-not-supported');
  const file = join(out, 'entitlement.json');
  writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), errorCode: 'MADE_UP' }));
  const run = await verify(['--output-dir', out]);
  assert.equal(run.code, 1);
  assert.equal(run.result.errorCode, 'INTERNAL');
  await emulator.setScenario('entitled');
});

test('--public-key-version is validated and must equal the token\'s', async () => {
  const { out } = await registered();
  let run = await verify(['--output-dir', out, '--public-key-version', '7']);
  assert.equal(run.code, 5, run.stderr);
  assert.match(run.result.message, /public key version 1, not 7/);
  run = await verify(['--output-dir', out, '--public-key-version', 'abc']);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.result.message, /--public-key-version "abc"/);
  run = await verify(['--output-dir', out, '--public-key-version', '1']);
  assert.equal(run.code, 0, run.stderr);
  // The environment can only narrow it, as it names the version the key belongs to.
  run = await runGate(['verify', '--public-key-file', emulator.keyPath, '--output-dir', out], { env: baseEnv({ METERING_GATE_PUBLIC_KEY_VERSION: '2' }) });
  assert.equal(run.code, 5, run.stderr);
});

test('--wait: waits for the file to appear, or gives up with exit 11', async () => {
  const { out } = await registered();
  const later = tempDir();
  const waiting = verify(['--output-dir', later, '--wait', '5s']);
  setTimeout(() => {
    cpSync(join(out, 'entitlement.json'), join(later, '.tmp'));
    cpSync(join(later, '.tmp'), join(later, 'entitlement.json'));
  }, 600);
  const run = await waiting;
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.durationMs >= 500, `it waited (${run.durationMs}ms)`);
  const empty = tempDir();
  const gaveUp = await verify(['--output-dir', empty, '--wait', '700ms']);
  assert.equal(gaveUp.code, 11);
  assert.match(gaveUp.result.message, /after waiting 700ms/);
});

test('verify without a key is a configuration error (exit 2)', async () => {
  const run = await runGate(['verify', '--output-dir', tempDir()], { env: baseEnv() });
  assert.equal(run.code, 2);
  assert.match(run.result.message, /missing public key/);
});
