import { systemClock, type Clock } from './clock.js';
import { timeLimit, type TimeLimit } from './time-limit.js';

/** Why a step ended without an answer: the caller's stop, the step's own time limit (attempt timeout), or the run's deadline. */
export type StopCause = 'signal' | 'attempt-timeout' | 'deadline';

/** The abort reason of a run's deadline: told apart from the caller's stop (a TERMINATED GateError) by its type. */
export class DeadlineReached extends Error {
  readonly budgetMs: number;
  constructor(budgetMs: number) {
    super(`the deadline (${budgetMs}ms) passed`);
    this.name = 'DeadlineReached';
    this.budgetMs = budgetMs;
  }
}

export function isDeadlineReached(error: unknown): error is DeadlineReached {
  return error instanceof DeadlineReached;
}

export interface Deadline {
  /** Absolute time (ms since epoch). */
  readonly at: number;
  readonly budgetMs: number;
  /** Aborts with the caller's reason on a stop, or with DeadlineReached when the time is up. */
  readonly signal: AbortSignal;
  remainingMs(): number;
  dispose(): void;
}

/**
 * A run's whole budget as one signal, so that every wait before the first call (platform
 * metadata, credentials) is bounded by the same deadline as the calls themselves.
 */
export function startDeadline(budgetMs: number, parent: AbortSignal, options: { clock?: Clock; startedAt?: number } = {}): Deadline {
  const clock = options.clock ?? systemClock;
  const at = (options.startedAt ?? clock.now()) + budgetMs;
  const limit: TimeLimit = timeLimit(Math.max(0, at - clock.now()), { parent, clock, reason: () => new DeadlineReached(budgetMs) });
  return { at, budgetMs, signal: limit.signal, remainingMs: () => at - clock.now(), dispose: limit.dispose };
}
