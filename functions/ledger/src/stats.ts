/**
 * @module The admin overview's ledger figures: the last hour's events per minute by type, read from
 * the event log in one bounded query, and the dead letters waiting (a count aggregation and the
 * newest one).
 */
import type { EventMinute, LedgerStats } from '@stockflow/contracts';
import type { LedgerStore } from './store.ts';

const MINUTE_MS = 60_000;
/** The window: one hour of minutes, the current one last. */
export const STATS_MINUTES = 60;
/** The most events one answer reads; beyond it the figures are marked truncated. */
export const MAX_STATS_EVENTS = 10_000;

/** Counts events by the minute they were recorded and by type; events outside the hour are ignored. */
export function bucketEvents(
  events: ReadonlyArray<{ type: string; recordedAt: Date }>,
  now: Date,
): EventMinute[] {
  const current = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS;
  const first = current - (STATS_MINUTES - 1) * MINUTE_MS;
  const minutes: EventMinute[] = Array.from({ length: STATS_MINUTES }, (_, i) => ({
    start: new Date(first + i * MINUTE_MS).toISOString(),
    byType: {},
  }));
  for (const { type, recordedAt } of events) {
    const minute = minutes[Math.floor((recordedAt.getTime() - first) / MINUTE_MS)];
    if (minute) minute.byType[type] = (minute.byType[type] ?? 0) + 1;
  }
  return minutes;
}

export async function ledgerStats(store: LedgerStore, now = new Date()): Promise<LedgerStats> {
  const since = new Date(Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS - (STATS_MINUTES - 1) * MINUTE_MS);
  const [events, waiting] = await Promise.all([
    store.recentTypes(since, MAX_STATS_EVENTS + 1),
    store.waitingDeadLetters(),
  ]);
  const newest = waiting.newest;
  return {
    minutes: bucketEvents(events.slice(0, MAX_STATS_EVENTS), now),
    truncated: events.length > MAX_STATS_EVENTS,
    deadLetters: {
      count: waiting.count,
      newest: newest ? { id: newest.id, type: newest.event.type, deadAt: newest.deadAt } : null,
    },
  };
}
