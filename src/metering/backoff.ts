/**
 * Exponential backoff with full jitter: the wait before retry n is uniform in
 * [0, min(cap, base * 2^(n-1))]. Full jitter spreads a herd of gates that were throttled
 * together, instead of sending them back in lock-step.
 */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 10_000 };

export function backoffDelayMs(retry: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.round(random() * ceiling);
}
