/**
 * @module Driving a durable work queue in process: documents that are due carry `dueAt`, and an
 * attempt claims one (a lease) before it works on it, unless the commit that made it due claimed it
 * already (`inBackground` runs such an attempt). Attempts start right after the commit that
 * made work due (`kick`), again when a failed attempt's backoff ends while the process lives
 * (`retryLater`), and on every PingSource tick (`sweep`), so the work survives restarts and scale
 * to zero; `close` stops the timers and waits for attempts in flight. What an attempt does, and how
 * it claims and records its outcome, is the subclass's (notifications' mailer, payments' jobs); it
 * counts each outcome (`counted`: `stockflow_queue_attempts_total`, what alerts watch).
 */
import type { LazyMetrics } from './lazy-metrics.ts';
import type { QueueOutcome } from './metrics.ts';

export interface RetryPolicy {
  minMs: number;
  maxMs: number;
  maxAttempts: number;
}

/** When to try again after `attempts` failed attempts: doubling from minMs, at most maxMs. */
export function nextAttemptAt(attempts: number, policy: RetryPolicy, now: number): number {
  return now + Math.min(policy.maxMs, policy.minMs * 2 ** Math.max(0, attempts - 1));
}

const SWEEP_BATCH = 50;

export interface RetryQueueOptions {
  /** The queue's name in its metric (`payment-jobs`, `messages`). */
  queue: string;
  /** Where outcomes are counted. */
  metrics?: LazyMetrics;
  /** Items one sweep attempts. */
  batch?: number;
}

/**
 * A queue's owner extends this with its one attempt at one item (`attempt`, which never rejects and
 * calls `retryLater` when the item failed and is due again) and where due items are (`due`).
 */
export abstract class RetryQueue {
  readonly #retry: RetryPolicy;
  readonly #batch: number;
  readonly #queue: string;
  readonly #metrics: LazyMetrics | undefined;
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #closed = false;

  constructor(retry: RetryPolicy, { queue, metrics, batch = SWEEP_BATCH }: RetryQueueOptions) {
    this.#retry = retry;
    this.#batch = batch;
    this.#queue = queue;
    this.#metrics = metrics;
  }

  /** Counts how an attempt at an item of `kind` ended. */
  protected counted(kind: string, outcome: QueueOutcome): void {
    const queue = this.#queue;
    this.#metrics?.record((m) => m.queueAttempts.inc({ queue, kind, outcome }));
  }

  /** One attempt at one item; resolves true when it finished the item. Never rejects. */
  protected abstract attempt(id: string): Promise<boolean>;

  /** Ids of items due now, soonest first. */
  protected abstract due(limit: number): Promise<string[]>;

  /** Attempts these items now, in the background (the request that made them due answers at once). */
  kick(ids: readonly string[]): void {
    for (const id of ids) this.#track(this.attempt(id));
  }

  /**
   * Runs an attempt the subclass started itself (on an item claimed when it was made) in the
   * background; `close` waits for it like any other.
   */
  protected inBackground(attempt: Promise<unknown>): void {
    this.#track(attempt);
  }

  /** Attempts every item that is due, one by one (the PingSource tick); resolves with how many it finished. */
  async sweep(): Promise<number> {
    const ids = await this.due(this.#batch);
    let finished = 0;
    for (const id of ids) if (await this.attempt(id)) finished++;
    return finished;
  }

  /** While this process lives, tries again when the backoff is over (the sweep would, later). */
  protected retryLater(id: string, attempts: number): void {
    if (this.#closed) return;
    const delay = nextAttemptAt(attempts, this.#retry, 0);
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.#closed) this.#track(this.attempt(id));
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
