import { formatDuration } from '../config/duration.js';
import { GateError } from '../errors.js';
import { sleep, systemClock, type Clock } from '../time/clock.js';
import type { StopCause } from '../time/deadline.js';
import { timeLimit } from '../time/time-limit.js';
import { backoffDelayMs, DEFAULT_BACKOFF, THROTTLING_BACKOFF, type BackoffPolicy } from './backoff.js';
import { classifyCallError, type Classification } from './classify.js';

export type { StopCause };

export interface RetryOptions {
  /** Absolute time (ms since epoch) after which no attempt starts and no wait continues. */
  readonly deadlineAt: number;
  /** The whole budget the deadline was set from, for the floor and the messages; by default the time left at the start. */
  readonly budgetMs?: number;
  readonly attemptTimeoutMs: number;
  /** Aborted on SIGTERM/SIGINT: stops a call or a wait at once. */
  readonly signal: AbortSignal;
  /** What is called, for the messages (default RegisterUsage). */
  readonly operation?: string;
  /** How a failure is judged (default: RegisterUsage's table, classify.ts). */
  readonly classify?: (error: unknown) => Classification;
  /** Waits after throttling and after any other transient failure; see backoff.ts for why they differ. */
  readonly backoff?: { readonly throttling: BackoffPolicy; readonly other: BackoffPolicy };
  readonly random?: () => number;
  readonly clock?: Clock;
  readonly onRetry?: (retry: { attempt: number; reason: string; waitMs: number; throttled: boolean }) => void;
}

export interface RetryStats {
  attempts: number;
  /** The last transient failure, whatever it was. */
  lastTransientReason: string | null;
  /** The last answer the service itself gave (it had an HTTP status): what the final message names, rather than a timeout. */
  lastServiceAnswer?: string | null;
  /** Why the attempts ended without an answer; null while they have not. */
  stoppedBy?: StopCause | null;
}

export function newRetryStats(): RetryStats {
  return { attempts: 0, lastTransientReason: null, lastServiceAnswer: null, stoppedBy: null };
}

/** An attempt that gets less than this is a sliver: it would time out, and its timeout would hide the service's real answer. */
export const ATTEMPT_FLOOR_MS = 1_000;

/**
 * The least time an attempt may start with: min(attempt timeout, 1 s), and never more than
 * half the whole budget, so that a deadline shorter than 2 s (a test's, or an impatient
 * seller's) still gets its attempts instead of none.
 */
export function minimumAttemptMs(attemptTimeoutMs: number, budgetMs: number): number {
  return Math.max(1, Math.min(attemptTimeoutMs, ATTEMPT_FLOOR_MS, Math.floor(budgetMs / 2)));
}

function httpStatusOf(error: unknown): number | undefined {
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * The one retry policy: transient failures are retried with backoff until the deadline,
 * anything else ends the run at once. Each attempt gets its own time limit so a hung
 * request is really cut off, not just logged as slow.
 *
 * Deadline rules: an attempt starts only with at least minimumAttemptMs() left; when the
 * backoff would leave less, the wait is shortened so that one last attempt still gets it
 * (and that attempt is the last, even if it fails at once), and when even no wait would,
 * the run stops there. So no attempt is a sliver, and the
 * final message names the service's last real answer, not a timeout of a few milliseconds.
 */
export async function withRetries<T>(call: (signal: AbortSignal) => Promise<T>, options: RetryOptions, stats: RetryStats): Promise<T> {
  const clock = options.clock ?? systemClock;
  const classify = options.classify ?? classifyCallError;
  const operation = options.operation ?? 'RegisterUsage';
  const schedule = options.backoff ?? { throttling: THROTTLING_BACKOFF, other: DEFAULT_BACKOFF };
  const budgetMs = options.budgetMs ?? Math.max(0, options.deadlineAt - clock.now());
  const floorMs = minimumAttemptMs(options.attemptTimeoutMs, budgetMs);
  let lastFailure: string | null = null;
  // Set once a wait had to be shortened: the attempt after it is the last, however fast it fails.
  let lastAttempt = false;
  stats.stoppedBy = 'deadline';

  for (;;) {
    if (options.signal.aborted) {
      stats.stoppedBy = 'signal';
      throw options.signal.reason;
    }
    const remaining = options.deadlineAt - clock.now();
    if (remaining < floorMs) break;
    stats.attempts += 1;
    const attemptMs = Math.min(options.attemptTimeoutMs, remaining);
    const limit = timeLimit(attemptMs, { parent: options.signal, clock });
    let classification: Classification;
    try {
      const answer = await call(limit.signal);
      stats.stoppedBy = null;
      return answer;
    } catch (error) {
      if (options.signal.aborted) {
        stats.stoppedBy = 'signal';
        throw options.signal.reason;
      }
      if (limit.cause() === 'timeout') {
        const byDeadline = attemptMs < options.attemptTimeoutMs;
        stats.stoppedBy = byDeadline ? 'deadline' : 'attempt-timeout';
        classification = {
          kind: 'transient',
          reason: byDeadline ? `no answer in the ${formatDuration(attemptMs)} left before the deadline` : `no answer within ${formatDuration(attemptMs)} (attempt timeout)`,
          throttled: false,
        };
      } else {
        classification = classify(error);
        if (classification.kind === 'final') {
          stats.stoppedBy = null;
          throw new GateError(classification.code, classification.detail ?? classification.reason, { cause: error, ...(classification.hint ? { hint: classification.hint } : {}) });
        }
        stats.stoppedBy = 'deadline';
        if (httpStatusOf(error) !== undefined) stats.lastServiceAnswer = classification.reason;
      }
    } finally {
      limit.dispose();
    }
    stats.lastTransientReason = classification.reason;
    lastFailure = classification.reason;

    const left = options.deadlineAt - clock.now();
    if (lastAttempt || left < floorMs) break;
    const policy = classification.throttled ? schedule.throttling : schedule.other;
    let waitMs = backoffDelayMs(stats.attempts, policy, options.random);
    if (left - waitMs < floorMs) {
      waitMs = left - floorMs;
      lastAttempt = true;
    }
    options.onRetry?.({ attempt: stats.attempts, reason: classification.reason, waitMs, throttled: classification.throttled });
    try {
      await sleep(waitMs, options.signal, clock);
    } catch (error) {
      stats.stoppedBy = 'signal';
      throw error;
    }
  }
  throw new GateError('SERVICE_UNAVAILABLE', deadlineMessage(operation, budgetMs, floorMs, stats, lastFailure));
}

/** The budget, the number of attempts and the service's last answer: what an operator needs to tell an outage from a network problem. */
function deadlineMessage(operation: string, budgetMs: number, floorMs: number, stats: RetryStats, lastFailure: string | null): string {
  const budget = `the ${formatDuration(budgetMs)} deadline`;
  if (stats.attempts === 0) return `${operation} was not called: ${budget} left less than the ${formatDuration(floorMs)} an attempt needs`;
  const head = `${operation} did not succeed within ${budget} after ${stats.attempts} attempt${stats.attempts === 1 ? '' : 's'}`;
  const answer = stats.lastServiceAnswer ?? null;
  if (answer === null) return `${head}; no answer from the service; last failure: ${lastFailure ?? 'none'}`;
  if (lastFailure === null || lastFailure === answer) return `${head}; last answer from the service: ${answer}`;
  return `${head}; last answer from the service: ${answer}; last attempt: ${lastFailure}`;
}
