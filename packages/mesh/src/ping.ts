/**
 * @module PingSources as knative/eventing's mtping adapter runs them (pkg/adapter/mtping/runner.go):
 * on each tick of the cron schedule (standard five fields, optional `timezone`, or `@every <duration>`
 * as robfig/cron reads it), one `dev.knative.sources.ping` event with the source's data goes to its
 * sink, with up to five quick retries.
 */
import { randomUUID } from 'node:crypto';
import { Cron } from 'croner';
import type { MeshEvent } from './cloudevent.ts';
import type { PingSource } from './manifests.ts';

export const PING_EVENT_TYPE = 'dev.knative.sources.ping';

/** `v1.PingSourceSource`: the event source of a PingSource. */
export function pingSourceSource(namespace: string, name: string): string {
  return `/apis/v1/namespaces/${namespace}/pingsources/${name}`;
}

/** The event one tick sends (`makeEvent` with the id and time each tick sets). */
export function pingEvent(source: PingSource, now: Date, id = randomUUID()): MeshEvent {
  const attributes: Record<string, string> = {
    ...source.extensions,
    specversion: '1.0',
    id,
    source: pingSourceSource(source.namespace, source.name),
    type: PING_EVENT_TYPE,
    time: now.toISOString(),
  };
  let data = Buffer.alloc(0);
  if (source.dataBase64) data = Buffer.from(source.dataBase64, 'base64');
  else if (source.data) data = Buffer.from(source.data, 'utf8');
  if (data.length) attributes.datacontenttype = source.contentType ?? 'application/json';
  return { attributes, data };
}

const GO_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

/** `@every 1m30s` as robfig/cron reads it (a Go duration); below one second it rounds up to one. */
export function everyMs(schedule: string): number | undefined {
  const match = /^@every\s+(\S+)$/.exec(schedule.trim());
  if (!match) return undefined;
  let total = 0;
  let rest = match[1]!;
  while (rest) {
    const part = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (!part) return undefined;
    total += Number(part[1]) * GO_UNITS[part[2]!]!;
    rest = rest.slice(part[0].length);
  }
  return total > 0 ? Math.max(1_000, Math.round(total)) : undefined;
}

export interface PingSchedule {
  /** When it fires next after `from` (for tests and the start-up log). */
  nextRun(from?: Date): Date | null;
  stop(): void;
}

/** Schedules one PingSource; `tick` sends its event. Throws on a schedule robfig/cron would refuse. */
export function schedulePing(source: PingSource, tick: () => void): PingSchedule {
  const every = everyMs(source.schedule);
  if (every !== undefined) {
    const timer = setInterval(tick, every);
    timer.unref();
    let started = Date.now();
    return {
      nextRun(from = new Date()) {
        const elapsed = (from.getTime() - started) % every;
        return new Date(from.getTime() + every - elapsed);
      },
      stop() {
        clearInterval(timer);
        started = Number.NaN;
      },
    };
  }
  // robfig/cron's standard parser: five fields or a descriptor, with an optional CRON_TZ= prefix.
  const zoned = /^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$/.exec(source.schedule.trim());
  const expression = zoned ? zoned[2]! : source.schedule.trim();
  if (!expression.startsWith('@') && expression.split(/\s+/).length !== 5) {
    throw new Error(
      `PingSource ${source.name}: schedule "${source.schedule}" is not a five-field cron expression`,
    );
  }
  const job = new Cron(expression, { timezone: zoned?.[1] ?? source.timezone, unref: true }, tick);
  return {
    nextRun: (from) => job.nextRun(from),
    stop: () => job.stop(),
  };
}
