// A clock for unit tests of the deadline rules: time moves only when the test says so, and
// timers fire in order as it does, so a five-minute budget runs in milliseconds and the same
// way every time.
export class FakeClock {
  #now;
  #timers = [];
  #sequence = 0;

  constructor(start = 1_000_000) {
    this.#now = start;
  }

  now() {
    return this.#now;
  }

  setTimer(ms, fire) {
    const timer = { at: this.#now + Math.max(0, ms), fire, order: this.#sequence++ };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Pending timers, for asserting that nothing is left behind. */
  get pendingTimers() {
    return this.#timers.length;
  }

  /** Lets every promise reaction and I/O callback that is ready run. */
  static async settle() {
    for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
  }

  /** Moves time forward by `ms`, firing each timer that falls due at its own time. */
  async advance(ms) {
    const target = this.#now + ms;
    await FakeClock.settle();
    for (;;) {
      const next = this.#timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (!next) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = next.at;
      next.fire();
      await FakeClock.settle();
    }
    this.#now = target;
    await FakeClock.settle();
  }

  /** Runs time forward, timer by timer, until `promise` settles; fails if it never does within `limitMs`. */
  async runUntilSettled(promise, limitMs = 24 * 3_600_000) {
    let settled = false;
    const outcome = promise.then(
      (value) => ((settled = true), { value }),
      (error) => ((settled = true), { error }),
    );
    const giveUpAt = this.#now + limitMs;
    await FakeClock.settle();
    while (!settled) {
      const next = this.#timers.sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (!next || next.at > giveUpAt) throw new Error(`still pending at fake time +${this.#now}ms with ${this.#timers.length} timer(s)`);
      await this.advance(next.at - this.#now);
    }
    return outcome;
  }
}

/** A fake random source: the given values in turn, then the last one again. */
export function fakeRandom(...values) {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)];
}
