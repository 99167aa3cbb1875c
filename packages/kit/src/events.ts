/**
 * @module CloudEvents in: `POST /events` reads one event (binary or structured), dispatches it by
 * `type` to a handler whose data is validated, and applies it once. Knative's rules decide the
 * answers: 202 with an empty body once the change is durable (or it was a duplicate); 400 for an
 * invalid event, invalid data or a type this function does not consume (not retried); 5xx for
 * transient trouble (retried).
 */
import type { CloudEvent } from 'cloudevents';
import type { Context, Hono } from 'hono';
import type * as z from 'zod/mini';
import { readCloudEvent } from './cloudevents.ts';
import { logScope } from './log.ts';
import type { EventOutcome } from './metrics.ts';
import { badRequest, invalid, Problem } from './problem.ts';
import type { Runtime, Work } from './runtime.ts';
import type { LazyMetrics } from './telemetry.ts';
import { childSpan, parseTraceparent } from './trace.ts';

/** The type a Knative PingSource sends; the kit answers it by sweeping the outbox. */
export const PING_TYPE = 'dev.knative.sources.ping';

export interface EventContext<D, C> {
  event: CloudEvent<unknown>;
  data: D;
  work: Work;
  rt: Runtime<C>;
}

export interface EventHandler<S extends z.ZodMiniType = z.ZodMiniType, C = unknown> {
  data: S;
  handle(ctx: EventContext<z.infer<S>, C>): Promise<void>;
}

export type EventHandlers<C = unknown> = Record<string, EventHandler<z.ZodMiniType, C>>;

/** Declares a handler with its data schema, typing `data` from it. */
// biome-ignore lint/suspicious/noExplicitAny: the config a handler sees is up to it
export function on<S extends z.ZodMiniType, C = any>(
  data: S,
  handle: (ctx: EventContext<z.infer<S>, C>) => Promise<void>,
): EventHandler<S, C> {
  return { data, handle };
}

export function mountEvents<C>(
  app: Hono,
  rt: Runtime<C>,
  handlers: EventHandlers<C>,
  metrics: LazyMetrics,
): void {
  app.post('/events', async (c) => {
    const started = performance.now();
    const seen = { type: c.req.header('ce-type') ?? 'unknown' };
    const count = (outcome: EventOutcome) => {
      // Only consumed types become label values: a sender cannot blow up the series count.
      const type = seen.type === PING_TYPE || handlers[seen.type] ? seen.type : 'other';
      metrics.record((m) => {
        m.eventsHandled.inc({ type, outcome });
        if (outcome === 'applied') m.eventDuration.observe({ type }, (performance.now() - started) / 1000);
      });
    };
    try {
      count(await receive(c, rt, handlers, seen));
      return c.body(null, 202);
    } catch (error) {
      count(error instanceof Problem && error.status < 500 ? 'rejected' : 'failed');
      throw error;
    }
  });
}

/** Reads, validates and applies one event; throws a Problem for what must not be retried. */
async function receive<C>(
  c: Context,
  rt: Runtime<C>,
  handlers: EventHandlers<C>,
  seen: { type: string },
): Promise<EventOutcome> {
  const event = await readCloudEvent(c.req.raw.headers, await c.req.text());
  seen.type = event.type;
  // This hop continues the sender's trace (HTTP header), else the trace the event started.
  const parent =
    parseTraceparent(c.req.header('traceparent')) ??
    parseTraceparent(typeof event.traceparent === 'string' ? event.traceparent : undefined);
  const scope = logScope.getStore();
  if (scope) scope.trace = childSpan(parent ?? scope.trace);

  let outcome: EventOutcome;
  if (event.type === PING_TYPE) {
    await rt.outbox.sweep();
    outcome = 'swept';
  } else {
    const handler = handlers[event.type];
    if (!handler) throw badRequest(`${rt.name} does not consume events of type ${event.type}.`);
    const parsed = handler.data.safeParse(event.data);
    if (!parsed.success) throw invalid(parsed.error, `data of ${event.type}`);
    const applied = await rt.consumeOnce(event, (work) =>
      handler.handle({ event, data: parsed.data, work, rt }),
    );
    outcome = applied ? 'applied' : 'duplicate';
  }
  rt.log.debug('event handled', { eventId: event.id, type: event.type, source: event.source, outcome });
  return outcome;
}
