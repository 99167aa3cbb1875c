/**
 * @module The ledger's Firestore adapter: the event log (`events`, one document per source and id)
 * and the dead letters (`deadLetters`, one per event and destination); queries newest first with
 * cursors, a live watch of new events, replays through the outbox, and retention.
 */
import type {
  DocumentData,
  DocumentReference,
  DocumentSnapshot,
  Firestore,
  Query,
  QueryDocumentSnapshot,
  Timestamp,
} from '@google-cloud/firestore';
import type { Actor } from '@stockflow/contracts';
import {
  DEDUPE_RETENTION_MS,
  dedupeKey,
  type EventRecord,
  encodeCursor,
  GroupCommit,
  type Runtime,
  readCursorQuery,
  startAfterCursor,
} from '@stockflow/kit';
import * as z from 'zod/mini';
import {
  type DeadLetter,
  type DeadLetterState,
  type DeadLetterStatus,
  deadLetterKey,
  type LedgerEvent,
  readFailure,
  recordFailure,
  recordReplay,
  replayDeadline,
} from './records.ts';

export const EVENTS = 'events';
export const DEAD_LETTERS = 'deadLetters';

/** The dead letters that wait to be replayed. */
export const waitingDeadLetters = (db: Firestore) =>
  db.collection(DEAD_LETTERS).where('status', '==', 'dead');

/** gRPC status codes the Firestore client reports for a create that finds a document, a missing one. */
const ALREADY_EXISTS = 6;
const NOT_FOUND = 5;

export interface EventFilter {
  type?: string;
  subject?: string;
  source?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  limit: number;
  cursor?: string;
}

/** A listener on new events; stop() ends it. */
export interface EventWatch {
  /** Stops listening and polling; resolves once a poll in flight is done. */
  stop(): Promise<void>;
}

/** A page cursor: the time (ms) and document id of the page's last item. */
const Position = z.tuple([z.int(), z.string().check(z.regex(/^[0-9a-f]{64}$/))]);

/**
 * How many events a watch takes in beyond its first snapshot before it starts again from its newest
 * (bounds its memory to the overlap's events and this many).
 */
const WATCH_WINDOW = 500;
/** How far back a restarted watch looks for events committed late with an earlier time. */
const WATCH_OVERLAP_MS = 10_000;
/**
 * How often a watch also queries what its listener should have reported: a listener can stay silent
 * after a first snapshot that raced a commit (seen on the emulator), and the stream must not.
 */
const WATCH_POLL_MS = 5_000;

/** A dead letter that can no longer be replayed, and since when. */
export interface TooLate {
  id: string;
  deadline: string;
}

export class LedgerStore {
  readonly #rt: Runtime;
  readonly #retentionMs: number;
  readonly #watchWindow: number;
  readonly #watchPollMs: number;
  /**
   * Event records, created in batches: the records of deliveries that arrive while one batch
   * commits go in the next, one commit for many (the ledger records every event of the system).
   */
  readonly #records = new GroupCommit<EventRecord, boolean>({ commit: (events) => this.#create(events) });

  constructor(rt: Runtime, options: { retentionDays: number; watchWindow?: number; watchPollMs?: number }) {
    this.#rt = rt;
    this.#retentionMs = options.retentionDays * 24 * 3600 * 1000;
    this.#watchWindow = options.watchWindow ?? WATCH_WINDOW;
    this.#watchPollMs = options.watchPollMs ?? WATCH_POLL_MS;
  }

  /** Keeps one received event; false when it was already kept (same source and id). */
  async recordEvent(event: EventRecord): Promise<boolean> {
    try {
      return await this.#records.add(event);
    } catch (error) {
      // Created by another delivery of it between the batch's read and its commit: the group was
      // split down to this event alone, whose create fails so.
      if ((error as { code?: unknown }).code === ALREADY_EXISTS) return false;
      throw error;
    }
  }

  /**
   * Creates the records of a batch of events: true for each one kept now, false for one kept before
   * (same source and id). The usual batch holds only new events and costs one commit. Under the
   * broker's retries, redeliveries are common: a batch one of them fails is not split (each split a
   * commit more) but read once, and its new events created in a second commit.
   */
  async #create(events: readonly EventRecord[]): Promise<boolean[]> {
    const db = await this.#rt.db();
    const refs = events.map((event) => db.collection(EVENTS).doc(dedupeKey(event.source, event.id)));
    // The same event twice in one batch: the first is kept, the second is a redelivery of it.
    const first = new Map<string, number>();
    refs.forEach((ref, i) => {
      if (!first.has(ref.path)) first.set(ref.path, i);
    });
    let fresh = [...first.values()];
    const commit = (indices: readonly number[]) =>
      this.#commitRecords(
        db,
        indices.map((i) => [refs[i]!, events[i]!] as const),
      );
    try {
      await commit(fresh);
    } catch (error) {
      if ((error as { code?: unknown }).code !== ALREADY_EXISTS) throw error;
      const kept = new Set(
        (await db.getAll(...fresh.map((i) => refs[i]!))).filter((s) => s.exists).map((s) => s.ref.path),
      );
      fresh = fresh.filter((i) => !kept.has(refs[i]!.path));
      // A race with another delivery of one of them fails this commit too: the group splits then.
      if (fresh.length) await commit(fresh);
    }
    const created = new Set(fresh);
    return events.map((_, i) => created.has(i));
  }

  async #commitRecords(db: Firestore, records: ReadonlyArray<readonly [DocumentReference, EventRecord]>) {
    const now = new Date();
    const batch = db.batch();
    for (const [ref, event] of records)
      batch.create(ref, {
        eventId: event.id,
        source: event.source,
        type: event.type,
        subject: event.subject,
        recordedAt: now,
        // A Firestore TTL policy on `expireAt` deletes it in production; pruneExpired() locally.
        expireAt: new Date(now.getTime() + this.#retentionMs),
        // As JSON text: any valid event data is kept as it came (Firestore refuses nested arrays).
        event: JSON.stringify(event),
      });
    await batch.commit();
  }

  /** Recorded events matching `filter` (and recorded at or after `since`), newest first. */
  async listEvents(
    filter: EventFilter,
    since: Date | undefined,
    page: PageRequest,
  ): Promise<Page<LedgerEvent>> {
    let query = this.#filtered(await this.#rt.db(), filter);
    if (since) query = query.where('recordedAt', '>=', since);
    return this.#page(query, 'recordedAt', page, toLedgerEvent);
  }

  /**
   * Calls `onEvent` for each event matching `filter` recorded from `from` on, in the order they are
   * recorded, until stopped. A Firestore listener: it sees what every ledger instance records.
   */
  async watchEvents(
    filter: EventFilter,
    from: Date,
    onEvent: (event: LedgerEvent) => void,
    onError: (error: Error) => void,
  ): Promise<EventWatch> {
    const db = await this.#rt.db();
    const sent = new Map<string, number>();
    let unsubscribe: (() => void) | undefined;
    let stopped = false;
    /** Where the listener starts. */
    let since = from.getTime();
    /** The newest time handed over. */
    let latest = since;
    const query = (start = since) =>
      this.#filtered(db, filter).where('recordedAt', '>=', new Date(start)).orderBy('recordedAt', 'asc');
    /** Hands over the events not sent yet; how many there were. */
    const deliver = (docs: readonly QueryDocumentSnapshot[]) => {
      let fresh = 0;
      for (const doc of docs) {
        if (sent.has(doc.id)) continue;
        const event = toLedgerEvent(doc);
        const at = Date.parse(event.recordedAt);
        sent.set(doc.id, at);
        latest = Math.max(latest, at);
        fresh++;
        onEvent(event);
      }
      return fresh;
    };
    /** Starts a listener again from the newest event, a little before it, forgetting what lies behind. */
    const restart = () => {
      unsubscribe?.();
      since = latest - WATCH_OVERLAP_MS;
      for (const [id, at] of sent) if (at < since) sent.delete(id);
      listen();
    };
    const listen = () => {
      // What this listener's first snapshot held: after a restart, the overlap's events. The window
      // counts the events beyond them: counted from zero, a restart whose overlap already held more
      // than the window restarted again at once, and again (10 s of a busy shop's events is more
      // than 500), and the stream stopped moving.
      let held: number | undefined;
      unsubscribe = query().onSnapshot(
        (snapshot) => {
          if (stopped) return;
          held ??= snapshot.size;
          const added = snapshot.docChanges().filter((change) => change.type === 'added');
          deliver(added.map((change) => change.doc));
          if (snapshot.size > held + this.#watchWindow) restart();
        },
        (error) => {
          if (!stopped) onError(error);
        },
      );
    };
    listen();
    /**
     * What came since the overlap before the newest event handed over (not all since the listener
     * began, which grows to the window), a window at a time (one window was not enough: a listener
     * that fell silent after a restart left the poll re-reading the events it had, never the ones
     * after). What it finds that the listener did not report means the listener is not working: it
     * is replaced.
     */
    const pollOnce = async () => {
      const start = Math.max(since, latest - WATCH_OVERLAP_MS);
      let missed = 0;
      let after: QueryDocumentSnapshot | undefined;
      for (;;) {
        const page = await (after ? query(start).startAfter(after) : query(start))
          .limit(this.#watchWindow)
          .get();
        if (stopped) return;
        missed += deliver(page.docs);
        if (page.size < this.#watchWindow) break;
        after = page.docs.at(-1);
      }
      if (missed) restart();
    };
    let polling: Promise<void> | undefined;
    const poll = setInterval(() => {
      if (stopped || polling) return;
      polling = pollOnce()
        .catch(() => {
          // The listener reports a database that went away; a failed poll just waits for the next.
        })
        .finally(() => {
          polling = undefined;
        });
    }, this.#watchPollMs);
    poll.unref();
    const stop = async () => {
      stopped = true;
      clearInterval(poll);
      unsubscribe?.();
      forget();
      await polling;
    };
    const forget = this.#rt.onClose(stop);
    return { stop };
  }

  /** When the event `id` (a ledger id) was recorded, or undefined when it is not (or no longer) kept. */
  async recordedAt(id: string): Promise<Date | undefined> {
    const db = await this.#rt.db();
    const snapshot = await db.collection(EVENTS).doc(id).get();
    return snapshot.exists ? (snapshot.get('recordedAt') as Timestamp).toDate() : undefined;
  }

  /**
   * Keeps a dead letter (the original event plus Knative's error extensions). Returns false when it
   * was already kept: a redelivery, or a failure older than the one shown.
   */
  async keepDeadLetter(received: EventRecord): Promise<boolean> {
    const failure = readFailure(received);
    const key = deadLetterKey(failure.event.source, failure.event.id, failure.destination);
    return this.#rt.transact(async ({ tx, db }) => {
      const ref = db.collection(DEAD_LETTERS).doc(key);
      const snapshot = await tx.get(ref);
      const next = recordFailure(
        snapshot.exists ? fromDeadLetterDoc(snapshot) : undefined,
        failure,
        new Date(),
      );
      if (next === 'duplicate') return false;
      tx.set(ref, this.#toDeadLetterDoc(next));
      return true;
    });
  }

  async listDeadLetters(status: DeadLetterStatus | undefined, page: PageRequest): Promise<Page<DeadLetter>> {
    const db = await this.#rt.db();
    let query: Query = db.collection(DEAD_LETTERS);
    if (status) query = query.where('status', '==', status);
    return this.#page(query, 'deadAt', page, toDeadLetter);
  }

  /** The type and time of each event recorded at or after `since`, newest first, at most `max`. */
  async recentTypes(since: Date, max: number): Promise<Array<{ type: string; recordedAt: Date }>> {
    const snapshot = await (await this.#rt.db())
      .collection(EVENTS)
      .where('recordedAt', '>=', since)
      .orderBy('recordedAt', 'desc')
      .select('type', 'recordedAt')
      .limit(max)
      .get();
    return snapshot.docs.map((doc) => ({
      type: doc.get('type') as string,
      recordedAt: (doc.get('recordedAt') as Timestamp).toDate(),
    }));
  }

  /** How many dead letters wait (not replayed), counted by an aggregation, and the newest of them. */
  async waitingDeadLetters(): Promise<{ count: number; newest: DeadLetter | undefined }> {
    const waiting = waitingDeadLetters(await this.#rt.db());
    const [counted, newest] = await Promise.all([
      waiting.count().get(),
      waiting.orderBy('deadAt', 'desc').limit(1).get(),
    ]);
    const first = newest.docs[0];
    return { count: counted.data().count, newest: first ? toDeadLetter(first) : undefined };
  }

  async getDeadLetter(id: string): Promise<DeadLetter | undefined> {
    const db = await this.#rt.db();
    const snapshot = await db.collection(DEAD_LETTERS).doc(id).get();
    return snapshot.exists ? toDeadLetter(snapshot) : undefined;
  }

  /**
   * Re-sends dead letters to the broker: each original event, with the replay marker, is staged in
   * the outbox in the same transaction that marks the dead letter replayed. When one of them is past
   * its replay deadline (older than the consumers' dedupe retention), none is replayed: `tooLate`
   * names those.
   */
  async replayDeadLetters(
    ids: readonly string[],
    by: Actor,
  ): Promise<{ replayed: DeadLetter[]; notFound: string[]; tooLate: TooLate[] }> {
    const unique = [...new Set(ids)];
    return this.#rt.transact(async ({ tx, db, emitRecord }) => {
      const refs = unique.map((id) => db.collection(DEAD_LETTERS).doc(id));
      const snapshots = refs.length ? await tx.getAll(...refs) : [];
      const replayed: DeadLetter[] = [];
      const notFound = snapshots.filter((snapshot) => !snapshot.exists).map((snapshot) => snapshot.id);
      const found = snapshots.filter((snapshot) => snapshot.exists);
      const now = new Date();
      const tooLate = found.flatMap((snapshot) => {
        const deadline = replayDeadline(fromDeadLetterDoc(snapshot), DEDUPE_RETENTION_MS);
        return deadline <= now ? [{ id: snapshot.id, deadline: deadline.toISOString() }] : [];
      });
      if (tooLate.length) return { replayed, notFound, tooLate };
      for (const snapshot of found) {
        const { state, event } = recordReplay(fromDeadLetterDoc(snapshot), now, by);
        emitRecord(event);
        tx.set(snapshot.ref, this.#toDeadLetterDoc(state));
        replayed.push(showDeadLetter(snapshot.id, state));
      }
      return { replayed, notFound, tooLate };
    });
  }

  /** Discards a dead letter; false when there is none with this id. */
  async discardDeadLetter(id: string): Promise<boolean> {
    const db = await this.#rt.db();
    try {
      await db.collection(DEAD_LETTERS).doc(id).delete({ exists: true });
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code === NOT_FOUND) return false;
      throw error;
    }
  }

  /**
   * Deletes what is past its `expireAt` (events past retention, replayed dead letters), at most
   * `limit` documents per collection. In production a TTL policy does this; this keeps local
   * databases (the emulator has no TTL) bounded and catches up when the policy lags.
   */
  async pruneExpired(limit = 500): Promise<number> {
    const db = await this.#rt.db();
    const now = new Date();
    let deleted = 0;
    for (const collection of [EVENTS, DEAD_LETTERS]) {
      const expired = await db.collection(collection).where('expireAt', '<=', now).limit(limit).get();
      if (expired.empty) continue;
      const batch = db.batch();
      for (const doc of expired.docs) batch.delete(doc.ref);
      await batch.commit();
      deleted += expired.size;
    }
    return deleted;
  }

  #filtered(db: Firestore, filter: EventFilter): Query {
    let query: Query = db.collection(EVENTS);
    for (const field of ['type', 'subject', 'source'] as const) {
      const value = filter[field];
      if (value !== undefined) query = query.where(field, '==', value);
    }
    return query;
  }

  /** One page of `query`, newest first by `timeField` then by document id; cursors hold both. */
  async #page<T>(
    query: Query,
    timeField: string,
    { limit, cursor }: PageRequest,
    toItem: (doc: QueryDocumentSnapshot) => T,
  ): Promise<Page<T>> {
    const { FieldPath } = await import('@google-cloud/firestore');
    let ordered = query.orderBy(timeField, 'desc').orderBy(FieldPath.documentId(), 'desc');
    if (cursor) ordered = startAfterCursor(ordered, cursor, Position, ([at, id]) => [new Date(at), id]);
    const snapshot = await readCursorQuery(ordered.limit(limit + 1), cursor);
    const docs = snapshot.docs.slice(0, limit);
    const last = docs.at(-1);
    return {
      items: docs.map((doc) => toItem(doc)),
      nextCursor:
        snapshot.size > limit && last
          ? encodeCursor([(last.get(timeField) as Timestamp).toMillis(), last.id])
          : null,
    };
  }

  #toDeadLetterDoc(state: DeadLetterState): DocumentData {
    return {
      ...state,
      // Indexed copies of the event's attributes, for finding a dead letter by what it carried.
      eventId: state.event.id,
      source: state.event.source,
      type: state.event.type,
      subject: state.event.subject ?? null,
      event: JSON.stringify(state.event),
      // Dead letters stay until handled; replayed ones are kept as long as events, then expire.
      expireAt: state.replayedAt ? new Date(state.replayedAt.getTime() + this.#retentionMs) : null,
    };
  }
}

function toLedgerEvent(doc: DocumentSnapshot): LedgerEvent {
  return {
    id: doc.id,
    recordedAt: (doc.get('recordedAt') as Timestamp).toDate().toISOString(),
    event: JSON.parse(doc.get('event') as string) as EventRecord,
  };
}

function fromDeadLetterDoc(doc: DocumentSnapshot): DeadLetterState {
  const data = doc.data()!;
  const date = (value: unknown) => (value ? (value as Timestamp).toDate() : null);
  return {
    status: data.status,
    destination: data.destination ?? null,
    errorCode: data.errorCode ?? null,
    errorData: data.errorData ?? null,
    failures: data.failures,
    firstDeadAt: date(data.firstDeadAt)!,
    deadAt: date(data.deadAt)!,
    replays: data.replays,
    replayedAt: date(data.replayedAt),
    replayedBy: data.replayedBy ?? null,
    lastReplay: data.lastReplay ?? '',
    failedReplay: data.failedReplay ?? '',
    event: JSON.parse(data.event as string) as EventRecord,
  };
}

function toDeadLetter(doc: DocumentSnapshot): DeadLetter {
  return showDeadLetter(doc.id, fromDeadLetterDoc(doc));
}

function showDeadLetter(id: string, state: DeadLetterState): DeadLetter {
  const { lastReplay: _lastReplay, failedReplay: _failedReplay, ...shown } = state;
  return {
    ...shown,
    id,
    firstDeadAt: state.firstDeadAt.toISOString(),
    deadAt: state.deadAt.toISOString(),
    replayedAt: state.replayedAt?.toISOString() ?? null,
  };
}
