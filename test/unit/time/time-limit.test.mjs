// The held time limit that replaces AbortSignal.any([parent, AbortSignal.timeout(ms)]), on a fake clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importSource } from '../../helpers/src-module.mjs';
import { FakeClock } from '../../helpers/fake-clock.mjs';

const { timeLimit } = await importSource('time/time-limit');
const { startDeadline, DeadlineReached } = await importSource('time/deadline');
const { systemClock, MAX_TIMER_MS } = await importSource('time/clock');

test('fires after its time with a TimeoutError, and says it was the timeout', async () => {
  const clock = new FakeClock();
  const limit = timeLimit(1_000, { clock });
  await clock.advance(999);
  assert.equal(limit.signal.aborted, false);
  await clock.advance(1);
  assert.equal(limit.signal.aborted, true);
  assert.equal(limit.cause(), 'timeout');
  assert.equal(limit.signal.reason.name, 'TimeoutError');
});

test('the parent\'s abort passes through at once with the parent\'s reason, and the timer is dropped', async () => {
  const clock = new FakeClock();
  const parent = new AbortController();
  const limit = timeLimit(1_000, { clock, parent: parent.signal });
  const reason = new Error('SIGTERM');
  parent.abort(reason);
  assert.equal(limit.signal.reason, reason);
  assert.equal(limit.cause(), 'parent');
  assert.equal(clock.pendingTimers, 0);
});

test('an already aborted parent aborts the limit at creation', () => {
  const parent = new AbortController();
  parent.abort('gone');
  const limit = timeLimit(1_000, { clock: new FakeClock(), parent: parent.signal });
  assert.equal(limit.signal.aborted, true);
  assert.equal(limit.cause(), 'parent');
});

test('dispose stops the timer and unhooks from the parent', async () => {
  const clock = new FakeClock();
  const parent = new AbortController();
  const limit = timeLimit(1_000, { clock, parent: parent.signal });
  limit.dispose();
  assert.equal(clock.pendingTimers, 0);
  parent.abort('late');
  await clock.advance(5_000);
  assert.equal(limit.signal.aborted, false);
});

test('a deadline aborts with DeadlineReached, counted from the run\'s start', async () => {
  const clock = new FakeClock();
  const startedAt = clock.now();
  await clock.advance(300);
  const deadline = startDeadline(1_000, new AbortController().signal, { clock, startedAt });
  assert.equal(deadline.remainingMs(), 700);
  await clock.advance(700);
  assert.ok(deadline.signal.reason instanceof DeadlineReached);
  assert.equal(deadline.signal.reason.budgetMs, 1_000);
});

test('the real clock holds a referenced timer and never turns a long wait into 1 ms', async () => {
  let fired = false;
  const cancel = systemClock.setTimer(MAX_TIMER_MS * 10, () => (fired = true));
  await new Promise((resolve) => setTimeout(resolve, 20));
  cancel();
  assert.equal(fired, false, 'a wait beyond Node\'s timer limit is clamped to the limit, not to 1 ms');
});
