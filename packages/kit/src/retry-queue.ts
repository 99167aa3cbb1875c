/**
 * @module Driving a durable work queue in process: documents that are due carry `dueAt`, and an
 * attempt claims one (a lease) before it works on it. Attempts start right after the commit that
 * made work due (`kick`), again when a failed attempt's backoff ends while the process lives
 * (`retryLater`), and on every PingSource tick (`sweep`), so the work survives restarts and scale
 * to zero; `close` stops the timers and waits for attempts in flight. What an attempt does, and how
 * it claims and records its outcome, is the queue owner's (notifications' mailer, payments' jobs).
 */

export interface RetryPolicy {
  minMs: number;
  maxMs: number;
  maxAttempts: number;
}

/** When to try again after `attempts` failed attempts: doubling from minMs, at most maxMs. */
export function nextAttemptAt(attempts: number, policy: RetryPolicy, now: number): number {
  return now + Math.min(policy.maxMs, policy.minMs * 2 ** Math.max(0, attempts - 1));
}

export interface RetryQueueOptions {
  /** One attempt at one item; resolves true when it finished the item. Never rejects. */
  attempt(id: string): Promise<boolean>;
  /** Ids of items due now, soonest first. */
  due(limit: number): Promise<string[]>;
  retry: RetryPolicy;
  /** Items one sweep takes at most. */
  batch?: number;
}

const SWEEP_BATCH = 50;

export class RetryQueue {
  readonly #options: RetryQueueOptions;
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #closed = false;

  constructor(options: RetryQueueOptions) {
    this.#options = options;
  }

  /** Attempts these items now, in the background (the request that made them due answers at once). */
  kick(ids: readonly string[]): void {
    for (const id of ids) this.#track(this.#options.attempt(id));
  }

  /** Attempts every item that is due, one by one; resolves with how many it finished. */
  async sweep(): Promise<number> {
    const ids = await this.#options.due(this.#options.batch ?? SWEEP_BATCH);
    let finished = 0;
    for (const id of ids) if (await this.#options.attempt(id)) finished++;
    return finished;
  }

  /** While this process lives, tries again when the backoff is over (the sweep would, later). */
  retryLater(id: string, attempts: number): void {
    if (this.#closed) return;
    const delay = nextAttemptAt(attempts, this.#options.retry, 0);
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.#closed) this.#track(this.#options.attempt(id));
    }, delay + 50);
    timer.unref();
    this.#timers.add(timer);
  }

  /** Stops the timers and waits for attempts in flight. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await Promise.allSettled([...this.#inFlight]);
  }

  #track(work: Promise<unknown>): void {
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work));
  }
}
