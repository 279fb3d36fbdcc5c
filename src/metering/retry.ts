import { GateError } from '../errors.js';
import { backoffDelayMs, DEFAULT_BACKOFF, THROTTLING_BACKOFF, type BackoffPolicy } from './backoff.js';
import { classifyCallError } from './classify.js';

export interface RetryOptions {
  /** Absolute time (ms since epoch) after which no attempt starts and no wait continues. */
  readonly deadlineAt: number;
  readonly attemptTimeoutMs: number;
  /** Aborted on SIGTERM/SIGINT: stops a call or a wait at once. */
  readonly signal: AbortSignal;
  /** Waits after throttling and after any other transient failure; see backoff.ts for why they differ. */
  readonly backoff?: { readonly throttling: BackoffPolicy; readonly other: BackoffPolicy };
  readonly random?: () => number;
  readonly now?: () => number;
  readonly onRetry?: (retry: { attempt: number; reason: string; waitMs: number; throttled: boolean }) => void;
}

export interface RetryStats {
  attempts: number;
  lastTransientReason: string | null;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The one retry policy: transient failures are retried with backoff until the deadline,
 * anything else ends the run at once. Each attempt gets its own abort signal so a hung
 * request is really cut off, not just logged as slow.
 */
export async function withRetries<T>(call: (signal: AbortSignal) => Promise<T>, options: RetryOptions, stats: RetryStats): Promise<T> {
  const now = options.now ?? Date.now;
  const schedule = options.backoff ?? { throttling: THROTTLING_BACKOFF, other: DEFAULT_BACKOFF };
  for (;;) {
    const remaining = options.deadlineAt - now();
    if (remaining <= 0) break;
    stats.attempts += 1;
    const attemptMs = Math.min(options.attemptTimeoutMs, remaining);
    const attemptSignal = AbortSignal.any([options.signal, AbortSignal.timeout(attemptMs)]);
    try {
      return await call(attemptSignal);
    } catch (error) {
      if (options.signal.aborted) throw options.signal.reason;
      const classification = attemptSignal.aborted
        ? { kind: 'transient' as const, reason: `no answer within ${attemptMs}ms (attempt timeout)`, throttled: false }
        : classifyCallError(error);
      if (classification.kind === 'final') {
        throw new GateError(classification.code, classification.reason, { cause: error, ...(classification.hint ? { hint: classification.hint } : {}) });
      }
      stats.lastTransientReason = classification.reason;
      const left = options.deadlineAt - now();
      if (left <= 0) break;
      const policy = classification.throttled ? schedule.throttling : schedule.other;
      const waitMs = Math.min(backoffDelayMs(stats.attempts, policy, options.random), left);
      options.onRetry?.({ attempt: stats.attempts, reason: classification.reason, waitMs, throttled: classification.throttled });
      await sleep(waitMs, options.signal);
    }
  }
  throw new GateError(
    'SERVICE_UNAVAILABLE',
    `RegisterUsage did not succeed before the deadline after ${stats.attempts} attempt(s); last failure: ${stats.lastTransientReason ?? 'none (the deadline passed before the first attempt)'}`,
  );
}
