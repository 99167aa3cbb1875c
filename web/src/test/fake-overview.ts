/**
 * @module The overview's stats routes behind msw handlers (docs/api.md): orders per hour and revenue,
 * the low-stock count, and the ledger's events per minute with its dead letters (counted from the
 * fake ledger's). Figures are set by the test and may change between reads. Staff only.
 */
import { HttpResponse, http } from 'msw';
import type { EventMinute, OrderHour, OrderStats } from '../lib/api.ts';
import type { FakeLedger } from './fake-ledger.ts';
import type { FakeSession } from './fake-session.ts';
import { problem } from './fake-shop.ts';

export interface FakeOverviewOptions {
  /** Orders per hour, oldest first; 24 empty hours ending now when absent. */
  hours?: OrderHour[];
  lowStock?: number;
  /** Events per minute, oldest first; 60 empty minutes ending now when absent. */
  minutes?: EventMinute[];
}

/** `count` empty buckets of `stepMs` each, the one holding now last. */
export function emptyBuckets(count: number, stepMs: number, now = Date.now()): string[] {
  const current = Math.floor(now / stepMs) * stepMs;
  return Array.from({ length: count }, (_, i) => new Date(current - (count - 1 - i) * stepMs).toISOString());
}

export function createFakeOverview(options: FakeOverviewOptions, ledger: FakeLedger, session: FakeSession) {
  const figures = {
    hours:
      options.hours ?? emptyBuckets(24, 3600_000).map((start) => ({ start, orders: 0, revenueCents: {} })),
    lowStock: options.lowStock ?? 0,
    minutes: options.minutes ?? emptyBuckets(60, 60_000).map((start) => ({ start, byType: {} })),
  };
  const reads = { orders: 0, lowStock: 0, ledger: 0 };
  const staffOnly = (answer: () => Response) => () =>
    session.allows() ? answer() : problem(401, 'Unauthorized');

  const handlers = [
    http.get(
      '*/api/orders/stats',
      staffOnly(() => {
        reads.orders += 1;
        return HttpResponse.json({ hours: figures.hours, truncated: false } satisfies OrderStats);
      }),
    ),
    http.get(
      '*/api/inventory/stock/low/count',
      staffOnly(() => {
        reads.lowStock += 1;
        return HttpResponse.json({ count: figures.lowStock });
      }),
    ),
    http.get(
      '*/api/ledger/stats',
      staffOnly(() => {
        reads.ledger += 1;
        const dead = [...ledger.deadLetters.values()]
          .filter((letter) => letter.status === 'dead')
          .sort((a, b) => b.deadAt.localeCompare(a.deadAt));
        const newest = dead[0];
        return HttpResponse.json({
          minutes: figures.minutes,
          truncated: false,
          deadLetters: {
            count: dead.length,
            newest: newest ? { id: newest.id, type: newest.event.type, deadAt: newest.deadAt } : null,
          },
        });
      }),
    ),
  ];
  return { handlers, figures, reads };
}
