// SIGTERM / SIGINT while the gate sleeps between retries: it must stop at once (not finish
// the wait, not send another request), still write its result, and exit 143 / 130.
// Also checks that every retry is logged exactly once, with its reason and its wait.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { baseEnv, gateArgs, runGate, startEmulator, tempDir } from '../helpers/gate.mjs';
import { assertValidResult } from './result-file.mjs';

const RETRY_MESSAGE = 'RegisterUsage failed transiently; retrying';
// Long enough that "stopped within a second" cannot be the wait simply running out.
const MIN_WAIT_MS = 1_500;

let emulator;
before(async () => {
  emulator = await startEmulator({ scenario: 'throttle' });
});
after(async () => {
  await emulator?.stop();
});

async function signalDuringWait(signal) {
  await emulator.setScenario('throttle');
  const out = tempDir();
  const retries = [];
  let sentAt = 0;
  let waitAtSignal = 0;
  const run = await runGate(gateArgs(emulator, out, ['--log-level', 'info']), {
    env: baseEnv({ AWS_REGION: 'us-east-1' }),
    outputDir: out,
    timeoutMs: 60_000,
    onSpawn: (child) => {
      let buffered = '';
      child.stderr.on('data', (chunk) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop();
        for (const line of lines) {
          let entry;
          try {
            entry = JSON.parse(line);
          } catch {
            continue;
          }
          if (entry.msg !== RETRY_MESSAGE) continue;
          retries.push(entry);
          if (sentAt === 0 && entry.waitMs >= MIN_WAIT_MS) {
            sentAt = Date.now();
            waitAtSignal = entry.waitMs;
            child.kill(signal);
          }
        }
      });
    },
  });
  return { run, out, retries, stoppedWithinMs: Date.now() - sentAt, waitAtSignal };
}

for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]]) {
  test(`${code}: ${signal} during a backoff wait stops at once, with a result file`, async () => {
    const { run, out, retries, stoppedWithinMs, waitAtSignal } = await signalDuringWait(signal);
    assert.ok(waitAtSignal >= MIN_WAIT_MS, 'the signal was sent during a long wait');
    assert.ok(stoppedWithinMs < 1_000, `stopped ${stoppedWithinMs}ms after ${signal}, during a ${waitAtSignal}ms wait`);
    const file = assertValidResult(run, out, { code, errorCode: 'TERMINATED', status: 'ERROR' });
    assert.match(file.message, new RegExp(signal));

    const requests = await emulator.requests();
    assert.equal(requests.length, file.attempts, 'no request after the signal');
    assert.equal(retries.length, file.attempts, 'each failed attempt logged exactly one retry');
    retries.forEach((entry, i) => {
      assert.equal(entry.attempt, i + 1);
      assert.equal(entry.throttled, true);
      assert.match(entry.reason, /ThrottlingException/);
      assert.ok(Number.isInteger(entry.waitMs) && entry.waitMs >= 0);
    });
  });
}

// issue 11 case 7: SIGHUP during registration is a stop like SIGTERM, with its own code (129).
test('129: SIGHUP during a backoff wait stops at once, with a result file', async () => {
  const { run, out, stoppedWithinMs } = await signalDuringWait('SIGHUP');
  assert.ok(stoppedWithinMs < 1_000, `stopped ${stoppedWithinMs} ms after SIGHUP`);
  const file = assertValidResult(run, out, { code: 129, errorCode: 'TERMINATED', status: 'ERROR' });
  assert.match(file.message, /SIGHUP/);
  assert.equal(file.stoppedBy, 'signal');
});
