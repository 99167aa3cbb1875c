/**
 * @module The admin overview's figures, each answered by the function that owns the data: orders
 * per hour and revenue (`GET /api/orders/stats`), the low-stock count
 * (`GET /api/inventory/stock/low/count`), events per minute by type and dead letters
 * (`GET /api/ledger/stats`). All are staff reads (viewer).
 */
import * as z from 'zod/mini';

const count = () => z.int().check(z.minimum(0));

/** `GET /api/orders/stats?hours=N`: how many hours back (1..168), 24 when absent. */
export const OrderStatsQuery = z.object({
  hours: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(168)), 24),
});

/** One hour of orders: placed, and the paid orders' totals per currency (minor units). */
export const OrderHour = z.object({
  /** The hour's start (ISO 8601, UTC, on the hour). */
  start: z.iso.datetime(),
  orders: count(),
  revenueCents: z.record(z.string(), count()),
});
export type OrderHour = z.infer<typeof OrderHour>;

/** `GET /api/orders/stats`: one entry per hour, oldest first, the current hour last. */
export const OrderStats = z.object({
  hours: z.array(OrderHour),
  /** True when the window held more orders than one answer reads: figures are a lower bound. */
  truncated: z.boolean(),
});
export type OrderStats = z.infer<typeof OrderStats>;

/** `GET /api/inventory/stock/low/count`: items at or below their low-stock threshold. */
export const LowStockCount = z.object({ count: count() });
export type LowStockCount = z.infer<typeof LowStockCount>;

/** One minute of the event log: how many events of each type the ledger recorded. */
export const EventMinute = z.object({
  /** The minute's start (ISO 8601, UTC). */
  start: z.iso.datetime(),
  byType: z.record(z.string(), count()),
});
export type EventMinute = z.infer<typeof EventMinute>;

/** `GET /api/ledger/stats`: the last hour's events per minute, and the dead letters waiting. */
export const LedgerStats = z.object({
  /** 60 entries, oldest first, the current minute last. */
  minutes: z.array(EventMinute),
  /** True when the hour held more events than one answer reads: figures are a lower bound. */
  truncated: z.boolean(),
  deadLetters: z.object({
    /** Dead letters not yet replayed or discarded. */
    count: count(),
    /** The newest of them: its event's type and when it died, or null when there are none. */
    newest: z.nullable(z.object({ id: z.string(), type: z.string(), deadAt: z.iso.datetime() })),
  }),
});
export type LedgerStats = z.infer<typeof LedgerStats>;
