import { describe, expect, it } from 'vitest';
import type { EventMinute } from '../lib/api.ts';
import { ledgerEvent } from '../test/fake-ledger.ts';
import { countLiveEvent, eventsChart, MAX_EVENT_LINES, OTHER_TYPES, revenueChart } from './overview-data.ts';

const window3: EventMinute[] = [
  { start: '2026-03-01T10:00:00.000Z', byType: {} },
  { start: '2026-03-01T10:01:00.000Z', byType: { a: 1 } },
  { start: '2026-03-01T10:02:00.000Z', byType: {} },
];
const live = (recordedAt: string, type = 'a') => ledgerEvent('l', { type }, recordedAt);

describe('countLiveEvent', () => {
  it('counts an event in its minute, leaving the old window as it was', () => {
    const next = countLiveEvent(window3, live('2026-03-01T10:01:30.000Z'));
    expect(next[1]!.byType).toEqual({ a: 2 });
    expect(window3[1]!.byType).toEqual({ a: 1 });
  });

  it('moves the window on for a later minute, keeping its length', () => {
    const next = countLiveEvent(window3, live('2026-03-01T10:04:10.000Z', 'b'));
    expect(next.map((m) => [m.start.slice(11, 16), m.byType])).toEqual([
      ['10:02', {}],
      ['10:03', {}],
      ['10:04', { b: 1 }],
    ]);
    const far = countLiveEvent(window3, live('2027-01-01T00:00:00.000Z'));
    expect(far.map((m) => m.start)).toEqual([
      '2026-12-31T23:58:00.000Z',
      '2026-12-31T23:59:00.000Z',
      '2027-01-01T00:00:00.000Z',
    ]);
  });

  it('drops an event older than the window', () => {
    expect(countLiveEvent(window3, live('2026-03-01T09:59:59.000Z'))).toEqual(window3);
  });
});

describe('eventsChart', () => {
  it('draws the busiest types and sums the rest as other', () => {
    const byType = Object.fromEntries(
      Array.from({ length: MAX_EVENT_LINES + 2 }, (_, i) => [`io.stockflow.t${i}.x`, 10 - i]),
    );
    const chart = eventsChart([{ start: '2026-03-01T10:00:00.000Z', byType }]);
    expect(chart.series.map((s) => s.label)).toEqual(['t0.x', 't1.x', 't2.x', 't3.x', OTHER_TYPES]);
    expect(chart.series.at(-1)!.values).toEqual([6 + 5 + 4]);
    expect(chart.x).toEqual([Date.parse('2026-03-01T10:00:00.000Z') / 1000]);
  });
});

describe('revenueChart', () => {
  it("gives each currency a series in its major unit, JPY's having none", () => {
    const chart = revenueChart({
      hours: [{ start: '2026-03-01T10:00:00.000Z', orders: 2, revenueCents: { EUR: 1250, JPY: 900 } }],
      truncated: false,
    });
    expect(chart.series).toEqual([
      { label: 'EUR', values: [12.5] },
      { label: 'JPY', values: [900] },
    ]);
  });
});
