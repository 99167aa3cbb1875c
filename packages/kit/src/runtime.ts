/**
 * @module The runtime a function's code sees: its config, logger, lazily loaded Firestore database,
 * and `transact`, the one way to change state: the state change, the events it causes (outbox) and,
 * for consumed events, the dedupe record all commit in one Firestore transaction.
 */
import { createHash, randomUUID } from 'node:crypto';
import type {
  DocumentReference,
  DocumentSnapshot,
  Firestore,
  Query,
  Transaction,
} from '@google-cloud/firestore';
import type { CloudEventV1 } from 'cloudevents';
import type { EventRecord } from './cloudevents.ts';
import { lazyFirestore } from './firestore.ts';
import { LazyMetrics } from './lazy-metrics.ts';
import { type Logger, logScope } from './log.ts';
import { runOptimistic } from './optimistic.ts';
import { OUTBOX_COLLECTION, Outbox, type OutboxItem, type SenderToken } from './outbox.ts';
import { REFUSE_ALL, SenderGuard } from './sender.ts';
import { formatTraceparent } from './trace.ts';
import { Tracing } from './tracing.ts';

export const INBOX_COLLECTION = '_inbox';

/**
 * How long a consumer keeps the dedupe record of an event it applied (a Firestore TTL policy on
 * `expireAt` deletes it after): a redelivery or replay later than this would be applied again, so
 * the ledger refuses to replay events older than this.
 */
export const DEDUPE_RETENTION_MS = 30 * 24 * 3600 * 1000;

export interface EmitInput {
  type: string;
  data: unknown;
  subject?: string;
  /** Extra CloudEvent extension attributes (names `^[a-z0-9]+$`). */
  extensions?: Record<string, string>;
}

export interface Work {
  tx: Transaction;
  db: Firestore;
  /**
   * Reads a document in the transaction. A document the consumed event's handler declared
   * (`applyOnce`'s `reads`) was read together with the event's dedupe record, in one round trip to
   * Firestore: it comes from that read.
   */
  get(ref: DocumentReference): Promise<DocumentSnapshot>;
  /**
   * Stages an event; it is written to the outbox when the transaction commits, and sent after.
   * May be called at any point of the transaction function (the write happens at its end).
   */
  emit(input: EmitInput): EventRecord;
  /**
   * Stages an event exactly as given, keeping its own id, source and attributes (a replay of an
   * event received earlier); sent like any emitted event. The same record may be staged again later:
   * each staging is its own outbox document.
   */
  emitRecord(record: EventRecord): void;
}

export interface TransactOptions {
  /** Optimistic concurrency instead of Firestore's locking transaction (see `runOptimistic`). */
  optimistic?: boolean;
}

export interface RuntimeOptions<C> {
  name: string;
  config: C;
  log: Logger;
  projectId: string;
  databaseId: string;
  sink?: string;
  /** The outbox's sender token for the sink (Knative's OIDC token file), if any. */
  sinkToken?: SenderToken;
  /** Who may deliver events; refuses every delivery unless given. */
  senders?: SenderGuard;
  sendTimeoutMs?: number;
  tracing?: Tracing;
  metrics?: LazyMetrics;
  outbox?: Partial<ConstructorParameters<typeof Outbox>[0]>;
}

export class Runtime<C = unknown> {
  readonly name: string;
  /** The CloudEvent `source` of everything this function emits: `/<name>`. */
  readonly source: string;
  readonly config: C;
  readonly log: Logger;
  readonly outbox: Outbox;
  readonly tracing: Tracing;
  /** Prometheus metrics: `rt.metrics.record((m) => m.deadLetters.inc(...))`. */
  readonly metrics: LazyMetrics;
  /** Verifies who delivers events (`/events`, a dead-letter sink). */
  readonly senders: SenderGuard;
  readonly #firestore: ReturnType<typeof lazyFirestore>;
  readonly #closers = new Set<() => unknown>();
  #closing = false;

  constructor(options: RuntimeOptions<C>) {
    this.name = options.name;
    this.source = `/${options.name}`;
    this.config = options.config;
    this.log = options.log;
    this.tracing = options.tracing ?? new Tracing(options.name, {});
    this.metrics = options.metrics ?? new LazyMetrics(options.name);
    this.senders = options.senders ?? new SenderGuard({ verifier: REFUSE_ALL, metrics: this.metrics });
    this.#firestore = lazyFirestore({ projectId: options.projectId, databaseId: options.databaseId });
    this.outbox = new Outbox({
      db: () => this.db(),
      sink: options.sink,
      token: options.sinkToken,
      log: options.log,
      sendTimeoutMs: options.sendTimeoutMs,
      ...options.outbox,
    });
  }

  db(): Promise<Firestore> {
    return this.#firestore.get();
  }

  /** True once something asked for the database (the client is loaded or loading). */
  get dbLoaded(): boolean {
    return this.#firestore.loaded;
  }

  /**
   * How many documents `query` matches (one aggregation), or undefined while nothing has opened the
   * database: what a scrape reads, and a scrape never opens it.
   */
  async countIfOpen(query: (db: Firestore) => Query): Promise<number | undefined> {
    if (!this.dbLoaded) return undefined;
    return (
      await query(await this.db())
        .count()
        .get()
    ).data().count;
  }

  /**
   * Counts what matches `query` at each scrape as `stockflow_unresolved_items{item}`: what waits for
   * a person (dead letters not replayed, jobs given up).
   */
  countUnresolved(item: string, query: (db: Firestore) => Query): void {
    this.metrics.countUnresolved(item, () => this.countIfOpen(query));
  }

  /**
   * Runs `fn` in a Firestore transaction (retried by the client on contention: keep it free of side
   * effects) and, after commit, hands the events it emitted to the outbox relay. `optimistic`: reads
   * take no lock and the writes commit in one batch conditioned on them (`runOptimistic`), for a
   * document several instances write at a high rate; `fn` may only read documents, not queries.
   */
  async transact<T>(fn: (work: Work) => Promise<T>, options: TransactOptions = {}): Promise<T> {
    const db = await this.db();
    let staged: OutboxItem[] = [];
    const attempt = async (tx: Transaction) => {
      staged = [];
      const value = await fn({
        tx,
        db,
        get: (ref) => tx.get(ref),
        emit: (input) => this.#stage(staged, input),
        emitRecord: (record) => {
          staged.push({ key: randomUUID(), record });
        },
      });
      const now = Date.now();
      for (const { key, record } of staged) {
        tx.create(db.collection(OUTBOX_COLLECTION).doc(key), {
          record,
          status: 'pending',
          createdAt: now,
        });
      }
      return value;
    };
    const result = options.optimistic ? await runOptimistic(db, attempt) : await db.runTransaction(attempt);
    this.outbox.dispatch(staged);
    return result;
  }

  /**
   * Applies a consumed event at most once: a dedupe record keyed by (source, id) is read first and
   * written in the same transaction as `fn`'s state change. Returns false for a duplicate. The
   * documents `alsoRead` names are read in the same round trip as the dedupe record, and `fn` gets
   * them from `work.get` without another.
   */
  async consumeOnce(
    event: ConsumedEvent,
    fn: (work: Work) => Promise<void>,
    alsoRead?: (db: Firestore) => readonly DocumentReference[],
  ) {
    // One event's group commit: its dedupe record and the documents named read in one round trip.
    const { fresh } = await this.consumeMany(
      [event],
      async (work, [isNew], read) => {
        if (!isNew) return;
        await fn(
          read.size ? { ...work, get: (doc) => Promise.resolve(read.get(doc.path) ?? work.get(doc)) } : work,
        );
      },
      alsoRead,
    );
    return fresh[0]!;
  }

  /**
   * Applies several consumed events in one transaction (group commit), each at most once: their
   * dedupe records are read together first and written with `fn`'s state change. `fresh[i]` tells
   * `fn` whether `events[i]` is new: false for one consumed before, or for a second delivery of an
   * event earlier in the same list. `alsoRead` names documents `fn` will need: they are read in the
   * same round trip as the dedupe records and handed to `fn` by path (one read fewer in a row).
   * Returns `fn`'s value and those flags.
   */
  async consumeMany<T>(
    events: ReadonlyArray<ConsumedEvent>,
    fn: (work: Work, fresh: readonly boolean[], read: ReadonlyMap<string, DocumentSnapshot>) => Promise<T>,
    alsoRead: (db: Firestore) => readonly DocumentReference[] = () => [],
    options: TransactOptions = {},
  ): Promise<{ value: T; fresh: boolean[] }> {
    return this.transact(async (work) => {
      const refs = events.map((event) => inboxRef(work, event));
      const inbox = [...new Map(refs.map((ref) => [ref.path, ref])).values()];
      const others = [...new Map(alsoRead(work.db).map((ref) => [ref.path, ref])).values()];
      const all = [...inbox, ...others];
      const snapshots = all.length ? await work.tx.getAll(...all) : [];
      const seen = new Set(
        snapshots
          .slice(0, inbox.length)
          .filter((s) => s.exists)
          .map((s) => s.ref.path),
      );
      const read = new Map(snapshots.slice(inbox.length).map((s) => [s.ref.path, s]));
      const fresh = refs.map((ref) => {
        if (seen.has(ref.path)) return false;
        seen.add(ref.path);
        return true;
      });
      const value = await fn(work, fresh, read);
      events.forEach((event, i) => {
        if (fresh[i]) markConsumed(work, refs[i]!, event);
      });
      return { value, fresh };
    }, options);
  }

  /**
   * Registers something to stop before the database client closes (a Firestore listener would
   * otherwise try to reconnect to a terminated client); it may return a promise of a read still in
   * flight, which the close waits for. Returns a function that unregisters it.
   */
  onClose(stop: () => unknown): () => void {
    if (this.#closing) {
      // Registered once the close began (a listener that finished opening meanwhile): the close no
      // longer reads the list, so it is stopped now; on the next microtask, so that the caller has
      // its returned function in hand before its stop calls it.
      Promise.resolve()
        .then(stop)
        .catch(() => undefined);
      return () => undefined;
    }
    this.#closers.add(stop);
    return () => this.#closers.delete(stop);
  }

  async close(): Promise<void> {
    this.#closing = true;
    // A closer may return what it still waits for (a read in flight): the client terminates after.
    // A streaming call the client starts once terminated fails where no caller can catch it.
    await Promise.allSettled([...this.#closers].map(async (stop) => stop()));
    this.#closers.clear();
    // A listener stopped while opening its stream may have passed its own "still active?" check:
    // it then starts its call after a zero-delay timer of the client's (a backoff). Two timer turns
    // let that call start before the client terminates; termination waits for calls in flight, and
    // a streaming call started after it rejects where no one can catch it (an unhandled rejection).
    for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setTimeout(resolve, 1));
    await this.#firestore.close();
  }

  #stage(staged: OutboxItem[], input: EmitInput): EventRecord {
    // A producer span per emitted event: its context travels in the event (`traceparent`).
    const span = this.tracing.startSpan(`${input.type} publish`, {
      parent: logScope.getStore()?.trace,
      kind: 'producer',
      attributes: {
        'messaging.system': 'knative',
        'messaging.operation.type': 'create',
        'cloudevents.event_type': input.type,
      },
    });
    span.end();
    const record: EventRecord = {
      specversion: '1.0',
      id: randomUUID(),
      source: this.source,
      type: input.type,
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data: input.data,
      ...(input.subject ? { subject: input.subject } : {}),
      traceparent: formatTraceparent(span.trace),
      ...input.extensions,
    };
    staged.push({ key: record.id, record });
    return record;
  }
}

/** What identifies a consumed event: its dedupe key is (source, id). */
export type ConsumedEvent = Pick<CloudEventV1<unknown>, 'source' | 'id' | 'type'>;

function inboxRef(work: Work, event: ConsumedEvent): DocumentReference {
  return work.db.collection(INBOX_COLLECTION).doc(dedupeKey(event.source, event.id));
}

function markConsumed(work: Work, ref: DocumentReference, event: ConsumedEvent): void {
  work.tx.create(ref, {
    source: event.source,
    id: event.id,
    type: event.type,
    at: Date.now(),
    // For a Firestore TTL policy: brokers stop redelivering long before this.
    expireAt: new Date(Date.now() + DEDUPE_RETENTION_MS),
  });
}

/** Firestore document ids cannot hold `/`: the key is a digest of source and id. */
export function dedupeKey(source: string, id: string): string {
  return createHash('sha256').update(source).update('\n').update(id).digest('hex');
}
