/**
 * The time source of every wait the gate makes: real in a run, fake in unit tests, so that
 * the deadline rules can be tested without sleeping.
 */
export interface Clock {
  now(): number;
  /** Calls `fire` after `ms`; the returned function cancels it. */
  setTimer(ms: number, fire: () => void): () => void;
}

/**
 * Referenced timers on purpose. AbortSignal.timeout() uses an unreferenced timer that holds
 * its signal weakly, and on Node 20 AbortSignal.any() holds its sources weakly too: V8's idle
 * garbage collection (about 8 s into a run) then collects the timeout and the abort never
 * comes. A timer in Node's timer list is a strong reference for as long as it matters.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fire) {
    // Node clamps anything above 2^31-1 ms to 1 ms: a long wait must not become an instant one.
    const timer = setTimeout(fire, Math.min(Math.max(0, ms), MAX_TIMER_MS));
    return () => clearTimeout(timer);
  },
};

/** Node's timer limit (about 24.8 days); longer waits are clamped to it rather than to 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal, clock: Clock = systemClock): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      cancel();
      reject(signal.reason);
    };
    const cancel = clock.setTimer(ms, () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
