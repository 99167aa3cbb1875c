/**
 * @module ledger: the event log and the dead letters. A Trigger with no filter brings it every
 * event on the broker, kept for LEDGER_RETENTION_DAYS; the broker's dead-letter sink brings it every
 * event a Trigger gave up on. Admins search the log, follow it live, and replay or discard dead
 * letters; a replay goes back to the broker through the outbox with its original id, under the
 * ledger's own identity (its SinkBinding's token), marked `stockflowreplay`: the `ledger-replays`
 * policy admits exactly that. A dead letter older than the consumers' dedupe retention is not
 * replayed (409): they would no longer know it as a duplicate.
 */
import {
  BulkReplay,
  DeadLetterQuery,
  LedgerEventFilter,
  LedgerEventQuery,
  PUBLISHERS,
} from '@stockflow/contracts';
import {
  actorOf,
  type ConfigOf,
  conflict,
  DEDUPE_RETENTION_MS,
  defineFunction,
  envInt,
  knownTypes,
  notFound,
  readCloudEvent,
  readJson,
  readQuery,
  requireRole,
  toRecord,
  typeLabel,
} from '@stockflow/kit';
import type { Context } from 'hono';
import * as z from 'zod/mini';
import { ledgerEvents } from './events.ts';
import { ledgerStats } from './stats.ts';
import { LedgerStore, type TooLate, waitingDeadLetters } from './store.ts';
import { streamEvents } from './stream.ts';

const env = { LEDGER_RETENTION_DAYS: z._default(envInt({ min: 1, max: 3650 }), 30) };
export type LedgerConfig = ConfigOf<typeof env>;

/** Ledger ids (events and dead letters) are SHA-256 digests in hex. */
const LEDGER_ID = /^[0-9a-f]{64}$/;

/** What one ledger instance works with. */
export interface LedgerServices {
  store: LedgerStore;
}

export const ledger = defineFunction({
  name: 'ledger',
  env,
  services(rt): LedgerServices {
    const store = new LedgerStore(rt, { retentionDays: rt.config.LEDGER_RETENTION_DAYS });
    rt.countUnresolved('dead-letters', waitingDeadLetters);
    return { store };
  },
  events: ledgerEvents,
  routes(app, rt, { store }) {
    const viewer = requireRole('viewer');
    const manager = requireRole('manager');

    /** The `:id` of a request; ids that cannot exist are simply not found. */
    const deadLetterId = (c: Context) => {
      const id = c.req.param('id') ?? '';
      if (!LEDGER_ID.test(id)) throw notFound(`No dead letter ${id}.`);
      return id;
    };

    app.get('/events', viewer, async (c) => {
      const { since, limit, cursor, ...filter } = readQuery(c, LedgerEventQuery);
      return c.json(await store.listEvents(filter, since ? new Date(since) : undefined, { limit, cursor }));
    });

    // The browser's EventSource sends web's session cookie; web forwards a staff token in the header.
    app.get('/events/stream', viewer, async (c) => {
      const { type, subject, source } = readQuery(c, LedgerEventFilter);
      return streamEvents(c, store, { type, subject, source }, c.req.header('last-event-id'), rt.log);
    });

    // Knative's dead-letter sink: the original event (any mode) plus knativeerror* extensions. Only
    // the dispatcher sends there, under the identity of the Trigger whose delivery failed.
    app.post('/dead-letters', async (c) => {
      await rt.senders.check(c.req.header('authorization'), '/dead-letters', ['trigger']);
      const received = await readCloudEvent(c.req.raw.headers, await c.req.text());
      const kept = await store.keepDeadLetter(toRecord(received));
      if (kept) {
        const destination = destinationService(received.knativeerrordest);
        const type = typeLabel(LABELLED_TYPES, received.type);
        rt.metrics.record((m) => m.deadLetters.inc({ type, destination }));
      }
      rt.log.warn('dead letter', {
        eventId: received.id,
        type: received.type,
        source: received.source,
        destination: received.knativeerrordest,
        code: received.knativeerrorcode,
        outcome: kept ? 'kept' : 'duplicate',
      });
      return c.body(null, 202);
    });

    // The admin overview's figures: events per minute by type, and the dead letters waiting.
    app.get('/stats', viewer, async (c) => c.json(await ledgerStats(store)));

    app.get('/dead-letters', viewer, async (c) => {
      const { status, limit, cursor } = readQuery(c, DeadLetterQuery);
      return c.json(await store.listDeadLetters(status, { limit, cursor }));
    });

    app.get('/dead-letters/:id', viewer, async (c) => {
      const id = deadLetterId(c);
      const deadLetter = await store.getDeadLetter(id);
      if (!deadLetter) throw notFound(`No dead letter ${id}.`);
      return c.json(deadLetter);
    });

    app.post('/dead-letters/replay', manager, async (c) => {
      const { ids } = await readJson(c, BulkReplay);
      const { replayed, notFound, tooLate } = await store.replayDeadLetters(ids, actorOf(c));
      if (tooLate.length) throw replayTooLate(tooLate);
      return c.json({ replayed: replayed.map((d) => d.id), notFound }, 202);
    });

    app.post('/dead-letters/:id/replay', manager, async (c) => {
      const id = deadLetterId(c);
      const { replayed, tooLate } = await store.replayDeadLetters([id], actorOf(c));
      if (tooLate.length) throw replayTooLate(tooLate);
      if (!replayed[0]) throw notFound(`No dead letter ${id}.`);
      return c.json(replayed[0], 202);
    });

    app.delete('/dead-letters/:id', manager, async (c) => {
      const id = deadLetterId(c);
      if (!(await store.discardDeadLetter(id))) throw notFound(`No dead letter ${id}.`);
      // The dead letter is gone: its discarder lives on in the log.
      rt.log.info('dead letter discarded', { id, actor: actorOf(c) });
      return c.body(null, 204);
    });
  },
});

/** 409: consumers may have forgotten these events, so a replay could be applied twice. */
function replayTooLate(tooLate: readonly TooLate[]) {
  const days = DEDUPE_RETENTION_MS / (24 * 3600 * 1000);
  return conflict(
    `Not replayed: ${tooLate.length === 1 ? 'this dead letter holds an event' : 'some dead letters hold events'} ` +
      `older than the ${days} days consumers remember events they applied, so a replay could be ` +
      'applied twice. Check what the event should have done and make that change by hand, then discard it.',
    { tooLate, dedupeRetentionDays: days },
  );
}

/** The types a dead letter's metric names; any other is counted as one. */
const LABELLED_TYPES = knownTypes({});

/**
 * The Service a dead letter was going to (the first label of its host) when it is one of ours,
 * else `other`: a bounded metric label.
 */
function destinationService(destination: unknown): string {
  try {
    const service = new URL(String(destination)).hostname.split('.')[0] ?? '';
    return (PUBLISHERS as readonly string[]).includes(service) ? service : 'other';
  } catch {
    return 'unknown';
  }
}
