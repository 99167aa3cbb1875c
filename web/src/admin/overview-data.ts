/**
 * @module The admin overview's figures as pictures and words: the stats routes' answers turned into
 * chart series (x in seconds, as uPlot wants), table rows and one-sentence summaries, and the live
 * event stream folded into the events-per-minute window. Pure, so the mapping is tested alone.
 */
import type { EventMinute, LedgerEvent, OrderStats } from '../lib/api.ts';
import { formatMoney, minorDigits } from '../lib/money.ts';
import { shortType } from './EventDetail.tsx';

/** One line or bar set of a chart: its label and a value per x. */
export interface ChartSeries {
  label: string;
  values: number[];
}

/** What a chart draws: x positions (Unix seconds) and one or more series over them. */
export interface ChartData {
  x: number[];
  series: ChartSeries[];
}

/** Event types drawn as their own line; the rest are summed as "other" (a legend stays readable). */
export const MAX_EVENT_LINES = 5;
export const OTHER_TYPES = 'other';

const seconds = (iso: string) => Date.parse(iso) / 1000;

const hourFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
/** An hour or minute's start as a person reads it ("14:00"). */
export const clock = (iso: string) => hourFormat.format(new Date(iso));

export function ordersChart(stats: OrderStats): ChartData {
  return {
    x: stats.hours.map((h) => seconds(h.start)),
    series: [{ label: 'Orders', values: stats.hours.map((h) => h.orders) }],
  };
}

/** The currencies that earned anything in the window, alphabetically. */
export function currenciesOf(stats: OrderStats): string[] {
  return [...new Set(stats.hours.flatMap((h) => Object.keys(h.revenueCents)))].sort();
}

/** Revenue per hour, one series per currency, in major units (12.5 for €12.50). */
export function revenueChart(stats: OrderStats): ChartData {
  return {
    x: stats.hours.map((h) => seconds(h.start)),
    series: currenciesOf(stats).map((currency) => ({
      label: currency,
      values: stats.hours.map((h) => (h.revenueCents[currency] ?? 0) / 10 ** minorDigits(currency)),
    })),
  };
}

/** The window's revenue per currency, in minor units. */
export function revenueTotals(stats: OrderStats): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const hour of stats.hours) {
    for (const [currency, cents] of Object.entries(hour.revenueCents)) {
      totals[currency] = (totals[currency] ?? 0) + cents;
    }
  }
  return totals;
}

export function ordersSummary(stats: OrderStats): string {
  const total = stats.hours.reduce((sum, h) => sum + h.orders, 0);
  const span = `in the last ${stats.hours.length} hours`;
  if (total === 0) return `No orders ${span}.`;
  const busiest = stats.hours.reduce((best, h) => (h.orders > best.orders ? h : best));
  return `${total} ${total === 1 ? 'order' : 'orders'} ${span}; the busiest hour began at ${clock(busiest.start)} with ${busiest.orders}.`;
}

export function revenueSummary(stats: OrderStats): string {
  const totals = Object.entries(revenueTotals(stats)).sort(([a], [b]) => a.localeCompare(b));
  const span = `in the last ${stats.hours.length} hours`;
  if (totals.length === 0) return `No paid orders ${span}.`;
  return `Paid orders ${span} came to ${totals.map(([currency, cents]) => formatMoney(cents, currency)).join(', ')}.`;
}

/** Event types by their count in the window, most first (ties alphabetically). */
function typesByCount(minutes: readonly EventMinute[]): Array<[string, number]> {
  const totals = new Map<string, number>();
  for (const minute of minutes) {
    for (const [type, count] of Object.entries(minute.byType))
      totals.set(type, (totals.get(type) ?? 0) + count);
  }
  return [...totals].sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
}

/** Events per minute: the busiest types each a line (short names), the rest summed as "other". */
export function eventsChart(minutes: readonly EventMinute[]): ChartData {
  const ranked = typesByCount(minutes);
  const drawn = ranked.slice(0, ranked.length > MAX_EVENT_LINES ? MAX_EVENT_LINES - 1 : MAX_EVENT_LINES);
  const rest = new Set(ranked.slice(drawn.length).map(([type]) => type));
  const series = drawn.map(([type]) => ({
    label: shortType(type),
    values: minutes.map((m) => m.byType[type] ?? 0),
  }));
  if (rest.size) {
    series.push({
      label: OTHER_TYPES,
      values: minutes.map((m) =>
        Object.entries(m.byType).reduce((sum, [type, n]) => sum + (rest.has(type) ? n : 0), 0),
      ),
    });
  }
  return { x: minutes.map((m) => seconds(m.start)), series };
}

export function eventsSummary(minutes: readonly EventMinute[]): string {
  const ranked = typesByCount(minutes);
  const total = ranked.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return 'No events in the last hour.';
  const last = Object.values(minutes.at(-1)?.byType ?? {}).reduce((sum, n) => sum + n, 0);
  const top = ranked
    .slice(0, 3)
    .map(([type, n]) => `${shortType(type)} ${n}`)
    .join(', ');
  return `${total} ${total === 1 ? 'event' : 'events'} in the last hour (most: ${top}); ${last} this minute.`;
}

const MINUTE_MS = 60_000;

/**
 * The window with one live event counted: in its minute when that is in the window; a later minute
 * moves the window on (empty minutes in between), keeping its length. Events older than the
 * window are dropped. A new array; the old one is left as it was.
 */
export function countLiveEvent(minutes: readonly EventMinute[], entry: LedgerEvent): EventMinute[] {
  const at = Date.parse(entry.recordedAt);
  const last = minutes.at(-1);
  if (!last || Number.isNaN(at)) return [...minutes];
  const minute = Math.floor(at / MINUTE_MS) * MINUTE_MS;
  // At most a window's length of new minutes: a later event than that starts an empty window.
  const first = Math.max(Date.parse(last.start) + MINUTE_MS, minute - (minutes.length - 1) * MINUTE_MS);
  let window = [...minutes];
  for (let next = first; next <= minute; next += MINUTE_MS) {
    window = [...window.slice(1), { start: new Date(next).toISOString(), byType: {} }];
  }
  const index = window.findIndex((m) => Date.parse(m.start) === minute);
  if (index < 0) return window;
  const target = window[index]!;
  const type = entry.event.type;
  window[index] = { ...target, byType: { ...target.byType, [type]: (target.byType[type] ?? 0) + 1 } };
  return window;
}
