/**
 * @module Time as the mesh sees it, injectable: the real clock in use, a manual one in tests, so that
 * retry backoff is checked against Knative's formula without sleeping.
 */

export interface Clock {
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason when aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', abort);
        resolve();
      }, ms);
      const abort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', abort, { once: true });
    });
  },
};

/**
 * A clock that only moves when told: every sleep is recorded and ends when time reaches it. With
 * `auto`, each sleep moves time forward by its own length at once (a retry sequence runs instantly,
 * while `now()` still shows when each attempt would have happened).
 */
export class ManualClock implements Clock {
  #now: number;
  readonly #auto: boolean;
  readonly #sleepers = new Set<{ until: number; wake: () => void }>();
  /** Every wait asked for, in order (ms). */
  readonly sleeps: number[] = [];
  readonly #waiters = new Set<() => void>();

  constructor({ start = Date.parse('2026-01-01T00:00:00Z'), auto = false } = {}) {
    this.#now = start;
    this.#auto = auto;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    for (const wake of this.#waiters) wake();
    if (this.#auto) {
      this.#now += ms;
      return new Promise((resolve) => setImmediate(resolve));
    }
    return new Promise((resolve, reject) => {
      const sleeper = { until: this.#now + ms, wake: resolve };
      this.#sleepers.add(sleeper);
      signal?.addEventListener(
        'abort',
        () => {
          this.#sleepers.delete(sleeper);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  /** Moves time forward, waking every sleep that ends by then. */
  advance(ms: number): void {
    this.#now += ms;
    for (const sleeper of [...this.#sleepers]) {
      if (sleeper.until <= this.#now) {
        this.#sleepers.delete(sleeper);
        sleeper.wake();
      }
    }
  }

  /** Resolves once `count` sleeps have been asked for (in all). */
  async waitForSleeps(count: number, timeoutMs = 5_000): Promise<number[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.sleeps.length < count) {
      if (Date.now() > deadline)
        throw new Error(`only ${this.sleeps.length} of ${count} sleeps were asked for`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, 50);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.#waiters.add(done);
      });
    }
    this.#waiters.clear();
    return this.sleeps.slice(0, count);
  }
}
