import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importSource } from '../../helpers/src-module.mjs';

const { backoffDelayMs, DEFAULT_BACKOFF, THROTTLING_BACKOFF } = await importSource('metering/backoff');

test('full jitter: the wait is random * min(cap, base * 2^(n-1))', () => {
  const policy = { baseMs: 500, capMs: 10_000 };
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelayMs(n, policy, () => 1)), [500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
  assert.equal(backoffDelayMs(3, policy, () => 0), 0);
  assert.equal(backoffDelayMs(3, policy, () => 0.25), 500);
  // Retry 0 (never asked for) is treated as the first, not as half a base.
  assert.equal(backoffDelayMs(0, policy, () => 1), 500);
});

test('a huge retry number stays at the cap instead of overflowing', () => {
  assert.equal(backoffDelayMs(10_000, THROTTLING_BACKOFF, () => 1), THROTTLING_BACKOFF.capMs);
  assert.equal(backoffDelayMs(10_000, DEFAULT_BACKOFF, () => 1), DEFAULT_BACKOFF.capMs);
});

test('throttling waits longer from the first retry than other transient failures', () => {
  assert.ok(backoffDelayMs(1, THROTTLING_BACKOFF, () => 1) > backoffDelayMs(1, DEFAULT_BACKOFF, () => 1));
});
