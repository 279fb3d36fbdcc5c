// Every documented exit code, produced by the built CLI against the emulator over real HTTP,
// and each outcome checked in the result file read back from disk, not just by the code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseEnv, gateArgs, runGate, startEmulator, tempDir, BUNDLE } from '../helpers/gate.mjs';
import { signalWhen } from '../helpers/poll.mjs';

let emulator;
before(async () => {
  emulator = await startEmulator();
});
after(async () => {
  await emulator?.stop();
});

function assertCommonFields(file, { exitCode, errorCode, status }) {
  assert.ok(file, 'entitlement.json was written');
  assert.equal(file.schemaVersion, 1);
  assert.equal(file.exitCode, exitCode);
  assert.equal(file.errorCode, errorCode);
  assert.equal(file.status, status);
  assert.equal(file.entitled, status === 'ENTITLED');
  assert.equal(typeof file.startedAt, 'string');
  assert.ok(Date.parse(file.finishedAt) >= Date.parse(file.startedAt));
  assert.match(file.gateVersion, /^\d+\.\d+\.\d+/);
  if (errorCode) assert.equal(typeof file.message, 'string');
  // Every failure names its fix (issue 11): a hint on every code, not only on the AWS answers.
  if (errorCode) assert.ok(typeof file.hint === 'string' && file.hint.length > 20, `${errorCode} has a hint: ${JSON.stringify(file.hint)}`);
  else assert.equal(file.hint, null);
}

async function registerIn(scenario, extraArgs = [], envExtra = {}) {
  await emulator.setScenario(scenario);
  const out = tempDir();
  const run = await runGate(gateArgs(emulator, out, extraArgs), { env: baseEnv({ AWS_REGION: 'us-east-1', ...envExtra }), outputDir: out });
  return { ...run, out };
}

test('0: entitled, verified, with the result file, env file and stdout line agreeing', async () => {
  const run = await registerIn('entitled', ['--nonce', 'fixed-nonce-0']);
  assert.equal(run.code, 0, run.stderr);
  assertCommonFields(run.file, { exitCode: 0, errorCode: null, status: 'ENTITLED' });
  assert.equal(run.file.productCode, 'prod-test-1');
  assert.equal(run.file.nonce, 'fixed-nonce-0');
  assert.equal(run.file.region, 'us-east-1');
  assert.equal(run.file.regionSource, 'env');
  assert.equal(run.file.credentialSource, 'env');
  assert.equal(run.file.signatureVerified, true);
  assert.equal(run.file.claims.nonce, 'fixed-nonce-0');
  assert.equal(run.file.attempts, 1);
  assert.equal(run.file.signature.split('.').length, 3);
  assert.deepEqual(run.result, run.file, 'stdout carries the same result as the file');
  assert.match(run.envFile, /^METERING_GATE_STATUS='ENTITLED'$/m);
  assert.match(run.envFile, /^METERING_GATE_ENTITLED='true'$/m);
  assert.match(run.envFile, new RegExp(`^METERING_GATE_RESULT_FILE='${join(run.out, 'entitlement.json')}'$`, 'm'));
  const requests = await emulator.requests();
  assert.equal(requests.length, 1);
  assert.equal(requests[0].body.Nonce, 'fixed-nonce-0');
  assert.equal(requests[0].region, 'us-east-1');
  assert.equal(requests[0].service, 'aws-marketplace');
});

test('2: bad configuration is refused before any request, and says why in the result', async () => {
  await emulator.setScenario('entitled');
  const out = tempDir();
  const run = await runGate(gateArgs(emulator, out, ['--public-key-version', '0']), { env: baseEnv({ AWS_REGION: 'us-east-1' }), outputDir: out });
  assert.equal(run.code, 2);
  assertCommonFields(run.file, { exitCode: 2, errorCode: 'CONFIG_INVALID', status: 'ERROR' });
  assert.match(run.file.message, /--public-key-version "0": must be an integer >= 1/);
  assert.equal((await emulator.requests()).length, 0);
});

test('2: a product code outside the trusted list is refused before any request', async () => {
  const run = await registerIn('entitled', ['--trusted-product-codes', 'paid-a,paid-b']);
  assert.equal(run.code, 2);
  assertCommonFields(run.file, { exitCode: 2, errorCode: 'PRODUCT_CODE_UNTRUSTED', status: 'ERROR' });
  assert.match(run.file.message, /"prod-test-1" .* not in the trusted list \(paid-a, paid-b\)/);
  assert.equal((await emulator.requests()).length, 0);
});

test('3: CustomerNotEntitledException is NOT_ENTITLED', async () => {
  const run = await registerIn('not-entitled');
  assert.equal(run.code, 3);
  assertCommonFields(run.file, { exitCode: 3, errorCode: 'CUSTOMER_NOT_ENTITLED', status: 'NOT_ENTITLED' });
  assert.match(run.file.message, /CustomerNotEntitledException/);
  assert.equal(run.file.signature, null);
  assert.match(run.envFile, /^METERING_GATE_ENTITLED='false'$/m);
});

test('4: PlatformNotSupportedException', async () => {
  const run = await registerIn('platform-not-supported');
  assert.equal(run.code, 4);
  assertCommonFields(run.file, { exitCode: 4, errorCode: 'PLATFORM_NOT_SUPPORTED', status: 'ERROR' });
  assert.match(run.file.hint, /emulator/);
});

test('5: a token whose signature does not verify', async () => {
  const run = await registerIn('bad-signature');
  assert.equal(run.code, 5);
  assertCommonFields(run.file, { exitCode: 5, errorCode: 'TOKEN_INVALID', status: 'ERROR' });
  assert.equal(run.file.signatureVerified, false);
  assert.equal(run.file.claims, null);
  assert.match(run.file.message, /signature does not verify/);
});

test('6: only transient failures until the deadline', async () => {
  // A budget that leaves room for a retry even when the machine is loaded: the rules give every
  // attempt at least 1 s, so a 1.5 s budget could hold only one when start-up ate half of it.
  const run = await registerIn('error-500:1000', ['--deadline', '4s', '--attempt-timeout', '1s']);
  assert.equal(run.code, 6);
  assertCommonFields(run.file, { exitCode: 6, errorCode: 'SERVICE_UNAVAILABLE', status: 'ERROR' });
  assert.ok(run.file.attempts >= 2, `retried (${run.file.attempts} attempts)`);
  // One request per attempt, no hidden SDK retries; only the last attempt may be missing from
  // the emulator's log, when the deadline cut it before the emulator (slow on a loaded
  // machine) had read its body, which happened once in a loop of the suite under load.
  const requests = (await emulator.requests()).length;
  assert.ok(requests <= run.file.attempts && requests >= run.file.attempts - 1, `${requests} requests at the service for ${run.file.attempts} attempts`);
  // Every attempt gets at least min(attempt timeout, 1 s), so the message names the service's answer, never a sliver timeout.
  assert.match(run.file.message, /^RegisterUsage did not succeed within the 4s deadline after \d+ attempts; last answer from the service: InternalServiceErrorException \(HTTP 500\)/);
  assert.equal(run.file.stoppedBy, 'deadline');
});

test('0 in GRACE: --on-unavailable allow after only transient failures', async () => {
  // GRACE needs at least one attempt, which needs at least min(attempt timeout, 1 s, half the budget) left.
  const run = await registerIn('error-500:1000', ['--deadline', '3s', '--on-unavailable', 'allow']);
  assert.equal(run.code, 0);
  assertCommonFields(run.file, { exitCode: 0, errorCode: 'SERVICE_UNAVAILABLE', status: 'GRACE' });
  assert.equal(run.file.entitled, false);
});

test('7: InvalidRegionException when the call is signed for another region than the task', async () => {
  const run = await registerIn('entitled', [], { AWS_REGION: 'eu-west-1' });
  assert.equal(run.code, 7);
  assertCommonFields(run.file, { exitCode: 7, errorCode: 'INVALID_REGION', status: 'ERROR' });
  assert.equal(run.file.region, 'eu-west-1');
  const requests = await emulator.requests();
  assert.equal(requests[0].region, 'eu-west-1');
  assert.equal(requests[0].errorType, 'InvalidRegionException');
});

test('8: AccessDeniedException gives the IAM policy to add', async () => {
  const run = await registerIn('access-denied');
  assert.equal(run.code, 8);
  assertCommonFields(run.file, { exitCode: 8, errorCode: 'ACCESS_DENIED', status: 'ERROR' });
  assert.match(run.file.hint, /aws-marketplace:RegisterUsage/);
});

test('8: no credentials at all', async () => {
  await emulator.setScenario('entitled');
  const out = tempDir();
  const env = baseEnv({ AWS_REGION: 'us-east-1' });
  delete env.AWS_ACCESS_KEY_ID;
  delete env.AWS_SECRET_ACCESS_KEY;
  delete env.AWS_SESSION_TOKEN;
  const run = await runGate(gateArgs(emulator, out), { env, outputDir: out });
  assert.equal(run.code, 8);
  assertCommonFields(run.file, { exitCode: 8, errorCode: 'CREDENTIALS_UNAVAILABLE', status: 'ERROR' });
  assert.equal((await emulator.requests()).length, 0);
});

test('9: InvalidProductCodeException, InvalidPublicKeyVersionException and DisabledApiException', async () => {
  for (const scenario of ['invalid-product-code', 'invalid-public-key-version', 'disabled-api']) {
    const run = await registerIn(scenario);
    assert.equal(run.code, 9, scenario);
    assertCommonFields(run.file, { exitCode: 9, errorCode: 'PRODUCT_REJECTED', status: 'ERROR' });
  }
});

test('10: an unwritable output directory, with the result still on stdout', async () => {
  await emulator.setScenario('entitled');
  const out = join(tempDir(), 'blocked');
  writeFileSync(out, 'a file where the directory should be');
  const run = await runGate(gateArgs(emulator, join(out, 'sub')), { env: baseEnv({ AWS_REGION: 'us-east-1' }) });
  assert.equal(run.code, 10);
  assert.equal(run.result.exitCode, 10);
  assert.equal(run.result.errorCode, 'OUTPUT_UNWRITABLE');
  assert.equal(run.result.status, 'ERROR');
  assert.equal(run.result.signatureVerified, true, 'the registration itself succeeded and is reported');
});

test('11: verify with no result file', async () => {
  const out = tempDir();
  const run = await runGate(['verify', '--output-dir', out, '--public-key-file', emulator.keyPath], { env: baseEnv() });
  assert.equal(run.code, 11);
  assert.equal(run.result.errorCode, 'RESULT_MISSING');
});

test('143: SIGTERM during a hung call ends the run within a second, with a result file', async () => {
  await emulator.setScenario('hang');
  const out = tempDir();
  let sentAt = 0;
  const run = await runGate(gateArgs(emulator, out, ['--attempt-timeout', '60s']), {
    env: baseEnv({ AWS_REGION: 'us-east-1' }),
    outputDir: out,
    onSpawn: (child) => {
      const poll = setInterval(async () => {
        const requests = await emulator.requests().catch(() => []);
        if (requests.length > 0) {
          clearInterval(poll);
          sentAt = Date.now();
          child.kill('SIGTERM');
        }
      }, 50);
      child.once('close', () => clearInterval(poll));
    },
  });
  const stoppedWithinMs = Date.now() - sentAt;
  assert.equal(run.code, 143);
  assert.ok(stoppedWithinMs < 1000, `stopped ${stoppedWithinMs}ms after SIGTERM`);
  assertCommonFields(run.file, { exitCode: 143, errorCode: 'TERMINATED', status: 'ERROR' });
  assert.match(run.file.message, /SIGTERM/);
});

test('130: SIGINT during a hung call', async () => {
  await emulator.setScenario('hang');
  const out = tempDir();
  // Sent once the call is on the wire: a signal before the gate's handlers exist would prove nothing.
  const { onSpawn } = signalWhen(async () => (await emulator.requests().catch(() => [])).length > 0, 'SIGINT');
  const run = await runGate(gateArgs(emulator, out, ['--attempt-timeout', '60s']), {
    env: baseEnv({ AWS_REGION: 'us-east-1' }),
    outputDir: out,
    onSpawn,
  });
  assert.equal(run.code, 130);
  assertCommonFields(run.file, { exitCode: 130, errorCode: 'TERMINATED', status: 'ERROR' });
});

test('a 1024-bit key is refused at start-up with exit 2', async () => {
  const dir = tempDir();
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' });
  writeFileSync(join(dir, 'small.pem'), small);
  await emulator.setScenario('entitled');
  const run = await runGate(gateArgs(emulator, dir, ['--public-key-file', join(dir, 'small.pem')]), { env: baseEnv({ AWS_REGION: 'us-east-1' }), outputDir: dir });
  assert.equal(run.code, 2);
  assert.match(run.file.message, /1024 bits; PS256 needs at least 2048/);
  assert.equal((await emulator.requests()).length, 0);
  assert.ok(BUNDLE);
});
