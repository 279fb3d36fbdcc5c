// The retry loop's deadline rules on a fake clock and a fake random source: no real waits,
// the same schedule every run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importSource } from '../../helpers/src-module.mjs';
import { FakeClock, fakeRandom } from '../../helpers/fake-clock.mjs';

const { withRetries, newRetryStats, minimumAttemptMs } = await importSource('metering/retry');

/** As the SDK throws a modelled 500: a name, a status and a message from the wire. */
function serviceError(name = 'InternalServiceErrorException', status = 500, message = 'try again') {
  return Object.assign(new Error(message), { name, $fault: 'server', $metadata: { httpStatusCode: status } });
}

/**
 * A fake service: each attempt plays the next step of the script (the last one repeats) after
 * `latencyMs` of fake time, and is recorded with its start time and when it was aborted.
 */
function fakeService(clock, steps, latencyMs = 50) {
  const attempts = [];
  const call = (signal) => {
    const step = steps[Math.min(attempts.length, steps.length - 1)];
    const attempt = { startedAt: clock.now(), abortedAt: null };
    attempts.push(attempt);
    signal.addEventListener('abort', () => (attempt.abortedAt = clock.now()), { once: true });
    if (step === 'hang') return new Promise((_, reject) => signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })), { once: true }));
    return new Promise((resolve, reject) => clock.setTimer(latencyMs, () => (step === 'ok' ? resolve('token') : reject(step))));
  };
  return { call, attempts };
}

function run(clock, service, options) {
  const stats = newRetryStats();
  const signal = options.signal ?? new AbortController().signal;
  const promise = withRetries(service.call, { clock, signal, random: fakeRandom(1), ...options, deadlineAt: clock.now() + options.budgetMs }, stats);
  return { stats, outcome: clock.runUntilSettled(promise) };
}

test('minimumAttemptMs: min(attempt timeout, 1 s), at most half a short budget', () => {
  assert.equal(minimumAttemptMs(10_000, 300_000), 1_000);
  assert.equal(minimumAttemptMs(500, 300_000), 500);
  assert.equal(minimumAttemptMs(10_000, 1_500), 750);
  assert.equal(minimumAttemptMs(10_000, 1), 1);
});

test('only 500s until the deadline: every attempt gets its floor, and the message names the budget, the attempts and the last answer', async () => {
  const clock = new FakeClock();
  const service = fakeService(clock, [serviceError()]);
  const start = clock.now();
  const { stats, outcome } = run(clock, service, { budgetMs: 1_500, attemptTimeoutMs: 500 });
  const { error } = await outcome;
  assert.equal(error?.code, 'SERVICE_UNAVAILABLE');
  // Full jitter at its top (random 1), 50 ms answers: a wait of 500 ms, then 1 s shortened to 400 ms so that the third attempt still gets its 500 ms.
  assert.deepEqual(service.attempts.map((a) => a.startedAt - start), [0, 550, 1_000]);
  assert.equal(stats.attempts, 3);
  assert.equal(stats.stoppedBy, 'deadline');
  assert.equal(error.message, 'RegisterUsage did not succeed within the 1s500ms deadline after 3 attempts; last answer from the service: InternalServiceErrorException (HTTP 500): try again');
  assert.equal(clock.pendingTimers, 0, 'no timer left behind');
});

test('no sliver: with the default floor no attempt starts with less than 1 s left, whatever the jitter', async () => {
  for (const r of [0, 0.13, 0.5, 0.77, 0.999]) {
    const clock = new FakeClock();
    const service = fakeService(clock, [serviceError('ThrottlingException', 400, 'Rate exceeded')]);
    const deadlineAt = clock.now() + 60_000;
    const { outcome } = run(clock, service, { budgetMs: 60_000, attemptTimeoutMs: 10_000, random: fakeRandom(r) });
    const { error } = await outcome;
    assert.equal(error.code, 'SERVICE_UNAVAILABLE');
    for (const attempt of service.attempts) assert.ok(deadlineAt - attempt.startedAt >= 1_000, `random ${r}: an attempt started with ${deadlineAt - attempt.startedAt} ms left`);
    assert.match(error.message, /last answer from the service: ThrottlingException \(HTTP 400\): Rate exceeded$/);
  }
});

test('the last wait is shortened so that one more attempt fits, and that attempt is the last', async () => {
  const clock = new FakeClock();
  const service = fakeService(clock, [serviceError()]);
  const start = clock.now();
  // Throttling-sized waits (random 1): 2 s, 4 s, 8 s ... against a 10 s budget and a 1 s floor.
  const { outcome } = run(clock, service, { budgetMs: 10_000, attemptTimeoutMs: 10_000, backoff: { throttling: { baseMs: 2_000, capMs: 8_000 }, other: { baseMs: 2_000, capMs: 8_000 } } });
  await outcome;
  // Answers take 50 ms; waits of 2 s and 4 s, then 8 s would leave nothing: it is cut to 2.85 s, so that the last attempt starts with 1 s left.
  assert.deepEqual(service.attempts.map((a) => a.startedAt - start), [0, 2_050, 6_100, 9_000]);
});

test('an attempt that times out is reported as such, after the service\'s last real answer', async () => {
  const clock = new FakeClock();
  const service = fakeService(clock, [serviceError(), 'hang']);
  const { stats, outcome } = run(clock, service, { budgetMs: 20_500, attemptTimeoutMs: 10_000, random: fakeRandom(0) });
  const { error } = await outcome;
  assert.equal(stats.stoppedBy, 'attempt-timeout');
  assert.deepEqual(service.attempts.map((a) => a.abortedAt === null ? null : a.abortedAt - a.startedAt), [null, 10_000, 10_000]);
  assert.match(error.message, /after 3 attempts; last answer from the service: InternalServiceErrorException \(HTTP 500\): try again; last attempt: no answer within 10s \(attempt timeout\)$/);
});

test('an attempt cut short by the deadline is the deadline\'s doing', async () => {
  const clock = new FakeClock();
  const service = fakeService(clock, ['hang']);
  const { stats, outcome } = run(clock, service, { budgetMs: 15_000, attemptTimeoutMs: 10_000, random: fakeRandom(0) });
  const { error } = await outcome;
  assert.equal(stats.stoppedBy, 'deadline');
  assert.deepEqual(service.attempts.map((a) => a.abortedAt - a.startedAt), [10_000, 5_000]);
  assert.match(error.message, /within the 15s deadline after 2 attempts; no answer from the service; last failure: no answer in the 5s left before the deadline$/);
});

test('the caller\'s stop ends a wait at once with the caller\'s reason', async () => {
  const clock = new FakeClock();
  const service = fakeService(clock, [serviceError()]);
  const controller = new AbortController();
  const reason = new Error('stopped by SIGTERM');
  const { stats, outcome } = run(clock, service, { budgetMs: 300_000, attemptTimeoutMs: 10_000, signal: controller.signal });
  clock.setTimer(200, () => controller.abort(reason));
  const { error } = await outcome;
  assert.equal(error, reason);
  assert.equal(stats.stoppedBy, 'signal');
  assert.equal(service.attempts.length, 1, 'no attempt after the stop');
  assert.equal(clock.pendingTimers, 0);
});

test('a final answer ends the run at once with its own code', async () => {
  const clock = new FakeClock();
  const service = fakeService(clock, [serviceError('CustomerNotEntitledException', 400, 'no subscription')]);
  const { stats, outcome } = run(clock, service, { budgetMs: 300_000, attemptTimeoutMs: 10_000 });
  const { error } = await outcome;
  assert.equal(error.code, 'CUSTOMER_NOT_ENTITLED');
  assert.equal(stats.attempts, 1);
  assert.equal(stats.stoppedBy, null);
});

test('a budget that is already spent calls nothing, and says so', async () => {
  const clock = new FakeClock();
  const service = fakeService(clock, ['ok']);
  const stats = newRetryStats();
  const { error } = await clock.runUntilSettled(withRetries(service.call, { clock, signal: new AbortController().signal, budgetMs: 1_000, deadlineAt: clock.now() + 300, attemptTimeoutMs: 10_000 }, stats));
  assert.equal(service.attempts.length, 0);
  assert.equal(stats.attempts, 0);
  assert.equal(error.message, 'RegisterUsage was not called: the 1s deadline left less than the 500ms an attempt needs');
});

test('success after transient failures returns the answer and clears the stop cause', async () => {
  const clock = new FakeClock();
  const service = fakeService(clock, [serviceError(), serviceError('ThrottlingException', 400), 'ok']);
  const { stats, outcome } = run(clock, service, { budgetMs: 300_000, attemptTimeoutMs: 10_000 });
  assert.deepEqual(await outcome, { value: 'token' });
  assert.equal(stats.attempts, 3);
  assert.equal(stats.stoppedBy, null);
});

test('a second caller (another operation, its own classifier) gets the same rules and its own name in the message', async () => {
  const clock = new FakeClock();
  const service = fakeService(clock, [new Error('IDPCommunicationError')]);
  const { outcome } = run(clock, service, {
    budgetMs: 5_000,
    attemptTimeoutMs: 1_000,
    operation: 'AssumeRoleWithWebIdentity',
    classify: (error) => ({ kind: 'transient', reason: error.message, throttled: false }),
  });
  const { error } = await outcome;
  assert.match(error.message, /^AssumeRoleWithWebIdentity did not succeed within the 5s deadline after \d+ attempts; no answer from the service; last failure: IDPCommunicationError$/);
});
