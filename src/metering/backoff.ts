/**
 * Exponential backoff with full jitter: the wait before retry n is uniform in
 * [0, min(cap, base * 2^(n-1))]. Full jitter spreads a herd of gates that were throttled
 * together, instead of sending them back in lock-step.
 */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly capMs: number;
}

/**
 * Two schedules of the one policy, chosen by why the attempt failed.
 *
 * Throttling means "too many callers right now": typically a whole fleet (a DaemonSet on
 * 1,000 nodes) started together. Waiting longer from the first retry on is what clears the
 * herd: with a 2 s base, 1,000 gates against a 50 requests/s limit send about 4.4 requests
 * each in simulation (3-4 measured by bench/herd.mjs), where a 500 ms base sends about 6,
 * because every early round re-sends the whole herd before the waits have spread it out.
 * The 8 s cap bounds how long a gate sleeps while capacity sits idle, which is what sets the
 * tail of a herd (about cap/2 beyond the ideal N / rate): 1.2x the ideal, against 1.5x with
 * a 20 s cap, for 0.2 more requests per gate than a 10 s cap.
 *
 * A 5xx, a reset or a timeout is usually one bad request or a short blip, not load: retry
 * it soon, and poll at most every 10 s once the outage is long.
 */
export const THROTTLING_BACKOFF: BackoffPolicy = { baseMs: 2_000, capMs: 8_000 };
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 10_000 };

export function backoffDelayMs(retry: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.round(random() * ceiling);
}
