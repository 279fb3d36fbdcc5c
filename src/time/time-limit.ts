import { systemClock, type Clock } from './clock.js';

/** Why a time limit fired; kept on the limit so callers can tell their own limit from the caller's stop. */
export type LimitCause = 'parent' | 'timeout';

export interface TimeLimit {
  /** Aborts when the parent aborts (with its reason) or when the time is up (with `reason`). */
  readonly signal: AbortSignal;
  /** Which of the two fired, or null while neither has. */
  cause(): LimitCause | null;
  /** Stops the timer and unhooks from the parent; call it when the guarded work is done. */
  dispose(): void;
}

/**
 * A child of `parent` that also aborts after `ms`: what AbortSignal.any([parent,
 * AbortSignal.timeout(ms)]) means, built from strong references (a listener on the parent
 * and a referenced timer), so that neither garbage collection nor an idle event loop can lose
 * the abort on Node 20. See clock.ts.
 */
export function timeLimit(ms: number, options: { parent?: AbortSignal; reason?: () => unknown; clock?: Clock } = {}): TimeLimit {
  const controller = new AbortController();
  const { parent } = options;
  let cause: LimitCause | null = null;
  let cancelTimer: () => void = () => undefined;
  const onParent = () => {
    if (cause !== null) return;
    cause = 'parent';
    cancelTimer();
    controller.abort(parent?.reason);
  };
  const dispose = () => {
    cancelTimer();
    parent?.removeEventListener('abort', onParent);
  };
  if (parent?.aborted) {
    onParent();
  } else {
    parent?.addEventListener('abort', onParent, { once: true });
    cancelTimer = (options.clock ?? systemClock).setTimer(ms, () => {
      if (cause !== null) return;
      cause = 'timeout';
      parent?.removeEventListener('abort', onParent);
      controller.abort(options.reason ? options.reason() : new DOMException(`no answer within ${ms}ms`, 'TimeoutError'));
    });
  }
  return { signal: controller.signal, cause: () => cause, dispose };
}
