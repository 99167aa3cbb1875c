/**
 * @module CloudEvents in: `POST /events` reads one event (binary or structured), dispatches it by
 * `type` (or to the catch-all `ANY_TYPE` handler) to a handler whose data is validated, and applies
 * it once. Knative's rules decide the answers: 202 with an empty body once the change is durable (or
 * it was a duplicate); 400 for an invalid event, invalid data or a type this function does not
 * consume (not retried); 5xx for transient trouble (retried). A PingSource tick sweeps the outbox,
 * then runs the function's own `PING_TYPE` handler if it has one. Before the body is read, the
 * sender's token is verified (401) and its identity checked (403): a Trigger's for any type, a
 * PingSource's for pings only. An event of one of Stockflow's types whose `source` is not its
 * producer's is refused (400) as well, the broker's policy notwithstanding (defence in depth).
 */

import type { DocumentReference, Firestore } from '@google-cloud/firestore';
import { EVENTS, isProducerSource, producerOf } from '@stockflow/contracts';
import type { CloudEvent } from 'cloudevents';
import type { Context, Hono } from 'hono';
import type * as z from 'zod/mini';
import { readCloudEvent } from './cloudevents.ts';
import type { LazyMetrics } from './lazy-metrics.ts';
import { logScope } from './log.ts';
import type { EventOutcome } from './metrics.ts';
import { badRequest, invalid, Problem } from './problem.ts';
import type { Runtime, Work } from './runtime.ts';
import type { SenderKind } from './sender.ts';
import { parseTraceparent } from './trace.ts';

/**
 * The type a Knative PingSource sends; the kit answers it by sweeping the outbox, then runs the
 * function's handler for this type, if it has one (periodic work).
 */
export const PING_TYPE = 'dev.knative.sources.ping';

/** The key of a handler for every type that has no handler of its own (never for pings). */
export const ANY_TYPE = '*';

/**
 * What a handler sees: the event and its validated data, the function's runtime (its config typed
 * as the function's own, `C`), the services the function built once per instance (`S`), and who
 * delivered the event.
 */
export interface EventContext<D, S = unknown, C = unknown> {
  event: CloudEvent<unknown>;
  data: D;
  work: Work;
  rt: Runtime<C>;
  services: S;
  /**
   * The verified subject that delivered the event (`system:serviceaccount:<ns>:<trigger>-oidc-…`);
   * undefined only with `STOCKFLOW_INSECURE_EVENTS=1`. The broker does not pass the original
   * sender on: a partner's identity reaches consumers as its `source`, which its policy binds.
   */
  sender: string | undefined;
}

export type DeliveryContext<D, S = unknown, C = unknown> = Omit<EventContext<D, S, C>, 'work'>;

/** Applied at most once: in one transaction with the dedupe record of the event's (source, id). */
export interface EventHandler<Z extends z.ZodMiniType = z.ZodMiniType, S = unknown, C = unknown> {
  once: true;
  data: Z;
  handle(ctx: EventContext<z.infer<Z>, S, C>): Promise<void>;
  /** Documents the handler reads, fetched with the dedupe record in one round trip (`work.get`). */
  reads?: (data: z.infer<Z>, db: Firestore) => readonly DocumentReference[];
}

/** Run on every delivery, in no transaction: for work that is idempotent by itself. */
export interface DeliveryHandler<Z extends z.ZodMiniType = z.ZodMiniType, S = unknown, C = unknown> {
  once: false;
  data: Z;
  /** Resolves true when it applied the event, false when that was done already (a duplicate). */
  handle(ctx: DeliveryContext<z.infer<Z>, S, C>): Promise<boolean>;
}

/**
 * A function's event handlers by CloudEvent type (or `ANY_TYPE`, `PING_TYPE`): `S` is what its
 * `services(rt)` builds, `C` its config.
 */
// biome-ignore lint/suspicious/noExplicitAny: the config a handler sees is up to it
export type EventHandlers<S = unknown, C = any> = Record<
  string,
  EventHandler<z.ZodMiniType, S, C> | DeliveryHandler<z.ZodMiniType, S, C>
>;

/**
 * Declares a handler the kit applies once: it runs in the event's transaction (`work`), which
 * commits its changes, the events it emits and the event's dedupe record together.
 */
// biome-ignore lint/suspicious/noExplicitAny: the services and config a handler sees are up to it
export function applyOnce<Z extends z.ZodMiniType, S = any, C = any>(
  data: Z,
  handle: (ctx: EventContext<z.infer<Z>, S, C>) => Promise<void>,
  options: Pick<EventHandler<Z, S, C>, 'reads'> = {},
): EventHandler<Z, S, C> {
  return { once: true, data, handle, ...options };
}

/**
 * Declares a handler the kit runs on every delivery, with no transaction and no dedupe record: the
 * handler deduplicates by itself (`rt.consumeOnce`, or a document keyed by the event's source and
 * id, created only once), or its work may repeat (periodic work on pings). It resolves true when it
 * applied the event, false for a duplicate.
 */
// biome-ignore lint/suspicious/noExplicitAny: the services and config a handler sees are up to it
export function handleEachDelivery<Z extends z.ZodMiniType, S = any, C = any>(
  data: Z,
  handle: (ctx: DeliveryContext<z.infer<Z>, S, C>) => Promise<boolean>,
): DeliveryHandler<Z, S, C> {
  return { once: false, data, handle };
}

/** The label of every type that is not one of `known`. */
export const OTHER_TYPE = 'other';

/** The types that may become metric label values: pings, Stockflow's own and those consumed. */
export function knownTypes(handlers: EventHandlers<never, never>): ReadonlySet<string> {
  const consumed = Object.keys(handlers).filter((type) => type !== ANY_TYPE);
  return new Set([PING_TYPE, ...Object.keys(EVENTS), ...consumed]);
}

/**
 * A type as a metric label value: a sender cannot blow up the series count with made-up types.
 */
export function typeLabel(known: ReadonlySet<string>, type: string): string {
  return known.has(type) ? type : OTHER_TYPE;
}

/** Who may deliver what to `/events`: a Trigger anything, a PingSource its ticks. */
const EVENT_SENDERS: readonly SenderKind[] = ['trigger', 'pingsource'];

/** Refused before dispatch, counted under its own outcome. */
class Refused extends Problem {}

export function mountEvents<S, C>(
  app: Hono,
  rt: Runtime<C>,
  services: S,
  handlers: EventHandlers<S, C>,
  metrics: LazyMetrics,
  known: ReadonlySet<string> = knownTypes(handlers as EventHandlers<never, never>),
): void {
  const consumer = { rt, services, handlers };
  app.post('/events', async (c) => {
    const started = performance.now();
    const seen = { type: c.req.header('ce-type') ?? 'unknown' };
    const count = (outcome: EventOutcome) => {
      const type = typeLabel(known, seen.type);
      metrics.record((m) => {
        m.eventsHandled.inc({ type, outcome });
        if (outcome === 'applied') m.eventDuration.observe({ type }, (performance.now() - started) / 1000);
      });
    };
    try {
      count(await receive(c, consumer, seen));
      return c.body(null, 202);
    } catch (error) {
      count(outcomeOf(error));
      throw error;
    }
  });
}

function outcomeOf(error: unknown): EventOutcome {
  if (!(error instanceof Problem) || error.status >= 500) return 'failed';
  if (error.status === 401) return 'unauthorized';
  if (error.status === 403) return 'forbidden';
  if (error instanceof Refused) return 'rejected_source';
  return 'rejected';
}

/** Reads, validates and applies one event; throws a Problem for what must not be retried. */
/** Where events are applied: the runtime, the function's services and its handlers. */
interface Consumer<S, C> {
  rt: Runtime<C>;
  services: S;
  handlers: EventHandlers<S, C>;
}

async function receive<S, C>(
  c: Context,
  consumer: Consumer<S, C>,
  seen: { type: string },
): Promise<EventOutcome> {
  const { rt } = consumer;
  // Who sent it, before anything of the body is read: nothing of a refused delivery is parsed.
  const sender = await rt.senders.check(c.req.header('authorization'), '/events', EVENT_SENDERS);
  const event = await readCloudEvent(c.req.raw.headers, await c.req.text());
  seen.type = event.type;
  if (sender?.kind === 'pingsource' && event.type !== PING_TYPE) {
    rt.senders.allow(sender, '/events', ['trigger']);
  }
  // The request's server span already continues the hop's `traceparent` header; without one, the
  // event's own distributed-tracing extension says which trace it belongs to.
  const scope = logScope.getStore();
  const fromEvent = parseTraceparent(typeof event.traceparent === 'string' ? event.traceparent : undefined);
  const parent = c.req.header('traceparent') ? scope?.trace : (fromEvent ?? scope?.trace);
  const span = rt.tracing.startSpan(`${event.type} process`, {
    parent,
    kind: 'consumer',
    attributes: {
      'messaging.system': 'knative',
      'messaging.operation.type': 'process',
      'cloudevents.event_id': event.id,
      'cloudevents.event_source': event.source,
      'cloudevents.event_type': event.type,
    },
  });
  if (scope) scope.trace = span.trace;
  try {
    const outcome = await dispatch(consumer, event, sender?.subject);
    span.setAttribute('stockflow.outcome', outcome);
    span.end();
    return outcome;
  } catch (error) {
    span.end(error);
    throw error;
  }
}

async function dispatch<S, C>(
  consumer: Consumer<S, C>,
  event: CloudEvent<unknown>,
  sender: string | undefined,
): Promise<EventOutcome> {
  const { rt, handlers } = consumer;
  let outcome: EventOutcome;
  if (event.type === PING_TYPE) {
    await rt.outbox.sweep();
    const tick = handlers[PING_TYPE];
    if (tick) await apply(consumer, tick, event, sender);
    outcome = 'swept';
  } else {
    const own = handlers[event.type];
    const handler = own ?? handlers[ANY_TYPE];
    if (!handler) throw badRequest(`${rt.name} does not consume events of type ${event.type}.`);
    // The catch-all (the ledger's log) records whatever arrived, odd sources included: it changes
    // no state of the business, and a forged source is what an audit log should show.
    if (own && producerOf(event.type) && !isProducerSource(event.type, event.source)) {
      rt.log.warn('event refused: source is not its producer', { eventId: event.id, type: event.type });
      throw new Refused(400, 'Bad Request', {
        detail: `${event.type} comes from ${producerOf(event.type)}; source ${event.source} is not its.`,
      });
    }
    outcome = (await apply(consumer, handler, event, sender)) ? 'applied' : 'duplicate';
  }
  rt.log.debug('event handled', { eventId: event.id, type: event.type, source: event.source, outcome });
  return outcome;
}

/** Validates the event's data and runs its handler; false when it was a duplicate. */
async function apply<S, C>(
  { rt, services }: Consumer<S, C>,
  handler: EventHandlers<S, C>[string],
  event: CloudEvent<unknown>,
  sender: string | undefined,
): Promise<boolean> {
  const parsed = handler.data.safeParse(event.data);
  if (!parsed.success) throw invalid(parsed.error, `data of ${event.type}`);
  const ctx = { event, data: parsed.data, rt, services, sender };
  if (!handler.once) return handler.handle(ctx);
  const { reads } = handler;
  return rt.consumeOnce(
    event,
    (work) => handler.handle({ ...ctx, work }),
    reads && ((db) => reads(parsed.data, db)),
  );
}
