/**
 * @module Transactional outbox relay. Events are written as `_outbox` documents in the same
 * Firestore transaction as the state change that causes them; after commit the relay POSTs each
 * to `K_SINK`, retries failures with capped exponential backoff, and a sweep re-sends whatever is
 * still pending after a crash or restart. An event's id is fixed when it is staged, so every
 * re-send is the same event and consumers deduplicate it.
 */
import type { Firestore } from '@google-cloud/firestore';
import { type EventRecord, SinkError, sendEvent } from './cloudevents.ts';
import { GroupCommit } from './group-commit.ts';
import type { Logger } from './log.ts';

export const OUTBOX_COLLECTION = '_outbox';

export interface OutboxOptions {
  db: () => Promise<Firestore>;
  /** Where events go (`K_SINK`); without one, events wait in the outbox. */
  sink?: string;
  /**
   * The sender token, sent as `Authorization: Bearer <token>` to a sink that authenticates its
   * senders (none: no header); told when the sink answers 401, so the next attempt reads it afresh.
   */
  token?: SenderToken;
  log: Logger;
  sendTimeoutMs?: number;
  /** First retry delay; doubles per attempt up to `maxDelayMs`, with jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A sweep leaves alone pending events younger than this (another instance is likely sending them). */
  sweepGraceMs?: number;
  /** How many sends may be in flight at once. */
  concurrency?: number;
  /** How long sent marks gather before they commit (`MARK_GATHER_MS`). */
  markGatherMs?: number;
  /** Told of every delivery and failed attempt (metrics). */
  observer?: OutboxObserver;
}

/** Where the relay gets its bearer token (a `TokenFile`). */
export interface SenderToken {
  get(): Promise<string | undefined>;
  invalidate(): void;
}

export interface OutboxObserver {
  published(record: EventRecord): void;
  failed(record: EventRecord): void;
}

export interface OutboxStats {
  sent: number;
  failures: number;
  inFlight: number;
  waiting: number;
}

/** A committed event and the id of its `_outbox` document (the event's id unless staged as a raw record). */
export interface OutboxItem {
  key: string;
  record: EventRecord;
}

interface Entry extends OutboxItem {
  attempts: number;
}

interface Mark {
  key: string;
  attempts: number;
}

/**
 * How long sent marks gather before they commit. Nobody waits for a mark (the send's slot is free
 * once the sink answered), and a sweep leaves a pending event alone for `sweepGraceMs`, far longer:
 * under load one commit marks the events of many orders instead of one or two.
 */
export const MARK_GATHER_MS = 200;

export class Outbox {
  readonly #opts: Required<Omit<OutboxOptions, 'sink' | 'token' | 'observer'>> &
    Pick<OutboxOptions, 'sink' | 'token' | 'observer'>;
  /** Outbox documents this process is sending or will retry: a sweep skips them. */
  readonly #known = new Map<string, Entry>();
  readonly #queue: Entry[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #idle = new Set<() => void>();
  #inFlight = 0;
  #sent = 0;
  #failures = 0;
  #warnedNoSink = false;
  #stopped = false;
  /** Sent events' documents, marked `sent` in batches. */
  readonly #marks: GroupCommit<Mark>;

  constructor(options: OutboxOptions) {
    this.#opts = {
      sendTimeoutMs: 5_000,
      baseDelayMs: 250,
      maxDelayMs: 30_000,
      sweepGraceMs: 5_000,
      concurrency: 32,
      markGatherMs: MARK_GATHER_MS,
      ...options,
    };
    this.#marks = new GroupCommit({
      gatherMs: this.#opts.markGatherMs,
      commit: (marks) => this.#writeMarks(marks),
    });
  }

  /** Hands committed events to the relay; returns at once, sending happens in the background. */
  dispatch(items: readonly OutboxItem[]): void {
    if (this.#stopped) return;
    if (!this.#opts.sink) {
      if (items.length && !this.#warnedNoSink) {
        this.#opts.log.warn('no K_SINK: events stay in the outbox until a sink is configured');
        this.#warnedNoSink = true;
      }
      return;
    }
    for (const { key, record } of items) {
      if (this.#known.has(key)) continue;
      const entry = { key, record, attempts: 0 };
      this.#known.set(key, entry);
      this.#queue.push(entry);
    }
    this.#pump();
  }

  /** Re-sends pending events left by a crash, a restart or another instance. Returns how many. */
  async sweep(limit = 500): Promise<number> {
    if (!this.#opts.sink || this.#stopped) return 0;
    const db = await this.#opts.db();
    const snapshot = await db
      .collection(OUTBOX_COLLECTION)
      .where('status', '==', 'pending')
      .limit(limit)
      .get();
    const cutoff = Date.now() - this.#opts.sweepGraceMs;
    const found: OutboxItem[] = [];
    for (const doc of snapshot.docs) {
      const data = doc.data() as { record: EventRecord; createdAt: number; retryAt?: number };
      // Another instance that keeps retrying an event pushes its `retryAt` forward: left to it, as
      // two instances retrying the same events doubled what a slow sink was sent (seen with two
      // replicas in the chaos run). One that died leaves a `retryAt` that ages past the grace.
      const retried = data.retryAt !== undefined && data.retryAt > cutoff;
      if (data.createdAt <= cutoff && !retried && !this.#known.has(doc.id))
        found.push({ key: doc.id, record: data.record });
    }
    if (found.length) this.#opts.log.info('outbox sweep re-sends pending events', { count: found.length });
    this.dispatch(found);
    return found.length;
  }

  stats(): OutboxStats {
    return {
      sent: this.#sent,
      failures: this.#failures,
      inFlight: this.#inFlight,
      waiting: this.#known.size,
    };
  }

  /**
   * Waits until nothing is in flight (or the timeout passes), then stops retry timers: events not
   * yet sent stay pending in Firestore for the next sweep.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.#stopped = true;
    this.#queue.length = 0;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const deadline = Date.now() + timeoutMs;
    if (this.#inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.#idle.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    // The marks of sent events still to be written (a lost one only means a later re-send).
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#marks.flush(),
      new Promise((resolve) => {
        timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
      }),
    ]);
    clearTimeout(timer);
    this.#known.clear();
  }

  #pump(): void {
    while (this.#inFlight < this.#opts.concurrency && this.#queue.length) {
      const entry = this.#queue.shift()!;
      this.#inFlight++;
      void this.#send(entry).finally(() => {
        this.#inFlight--;
        if (this.#inFlight === 0) for (const resolve of this.#idle) resolve();
        if (this.#inFlight === 0) this.#idle.clear();
        this.#pump();
      });
    }
  }

  async #send(entry: Entry): Promise<void> {
    const { key, record } = entry;
    entry.attempts++;
    try {
      await sendEvent(this.#opts.sink!, record, {
        timeoutMs: this.#opts.sendTimeoutMs,
        traceparent: typeof record.traceparent === 'string' ? record.traceparent : undefined,
        token: await this.#opts.token?.get(),
      });
    } catch (error) {
      this.#failures++;
      // Knative renews the token file before expiry; a 401 may mean this process holds an old one.
      if (error instanceof SinkError && error.status === 401) this.#opts.token?.invalidate();
      this.#opts.observer?.failed(record);
      if (this.#stopped) return;
      const delay = this.#delay(entry.attempts);
      this.#opts.log.warn('outbox send failed; will retry', {
        eventId: record.id,
        type: record.type,
        attempt: entry.attempts,
        retryInMs: delay,
        error: (error as Error).message,
        status: error instanceof SinkError ? error.status : undefined,
      });
      this.#claimRetry(key, Date.now() + delay);
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        this.#queue.push(entry);
        this.#pump();
      }, delay);
      timer.unref();
      this.#timers.add(timer);
      return;
    }
    this.#sent++;
    this.#opts.observer?.published(record);
    this.#known.delete(key);
    // Marked in the background: the send's slot is free once the sink answered. Held until the mark
    // committed, 32 slots capped a relay at 32 events per (send + mark), and a busy sink put a queue
    // of seconds before every event (the chaos run: 10-17 s of queue behind 32 sends in flight).
    this.#marks.add({ key, attempts: entry.attempts }).catch((error) => {
      // The event went out; at worst a later sweep sends it again and consumers deduplicate it.
      this.#opts.log.warn('outbox could not mark an event sent', { key, error });
    });
  }

  /**
   * Records on the event's document when this process tries it next, so that other instances' sweeps
   * leave it alone while this one retries. Not waited for: a lost write only lets a sweep send it
   * once more, which consumers deduplicate. Written on failures only, never on the usual path.
   */
  #claimRetry(key: string, retryAt: number): void {
    void this.#opts
      .db()
      .then((db) => db.collection(OUTBOX_COLLECTION).doc(key).update({ retryAt }))
      .catch(() => {});
  }

  /** Marks sent events' documents `sent` in one commit (a group: see `#marks`). */
  async #writeMarks(marks: readonly Mark[]): Promise<void[]> {
    const now = Date.now();
    const db = await this.#opts.db();
    const batch = db.batch();
    // For a Firestore TTL policy on `expireAt`: sent events are kept a week for audits.
    for (const { key, attempts } of marks)
      batch.update(db.collection(OUTBOX_COLLECTION).doc(key), {
        status: 'sent',
        sentAt: now,
        attempts,
        expireAt: new Date(now + 7 * 24 * 3600 * 1000),
      });
    await batch.commit();
    return marks.map(() => undefined);
  }

  #delay(attempt: number): number {
    const exp = Math.min(this.#opts.maxDelayMs, this.#opts.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(exp / 2 + Math.random() * (exp / 2));
  }
}
