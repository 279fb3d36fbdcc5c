/**
 * `work`'s value, or null as soon as `signal` aborts: a stop must end a command within a
 * second whatever it is waiting on, including waits that cannot be cancelled (a DNS lookup,
 * a read in the thread pool). The work itself is left to be dropped by the process exit.
 */
export function untilStopped<T>(work: Promise<T>, signal: AbortSignal): Promise<T | null> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.resolve(null);
  }
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<null>((resolve) => {
    onAbort = () => resolve(null);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([work, stopped]).finally(() => {
    if (onAbort) signal.removeEventListener('abort', onAbort);
    work.catch(() => undefined);
  });
}
