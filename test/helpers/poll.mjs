// Signal tests wait for the state they need (a request on the wire, a line in the log, a
// child started) instead of sleeping and hoping the process got there in time.

/** Resolves once `condition()` (sync or async) is truthy; rejects after `timeoutMs`. */
export async function until(condition, { timeoutMs = 30_000, intervalMs = 25, what = 'the condition' } = {}) {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > giveUpAt) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * For runGate's onSpawn: sends `signal` to the child as soon as `condition()` holds, and
 * records when (sentAt, 0 if never). Stops polling when the child exits.
 */
export function signalWhen(condition, signal, { intervalMs = 25 } = {}) {
  const sent = { at: 0 };
  const onSpawn = (child) => {
    let done = false;
    child.once('exit', () => (done = true));
    (async () => {
      while (!done) {
        if (await condition()) {
          if (!done) {
            sent.at = Date.now();
            child.kill(signal);
          }
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    })().catch(() => undefined);
  };
  return { onSpawn, sent };
}
