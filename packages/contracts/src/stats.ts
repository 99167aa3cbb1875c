/**
 * @module The admin overview's figures (issue 16), each answered by the function that owns the
 * data: orders per hour and revenue (`GET /api/orders/stats`), the low-stock count
 * (`GET /api/inventory/stock/low/count`), events per minute by type and dead letters
 * (`GET /api/ledger/stats`). All are staff reads (viewer).
 */
import * as z from 'zod/mini';

/** `GET /api/orders/stats?hours=N`: how many hours back (1..168), 24 when absent. */
export const OrderStatsQuery = z.object({
  hours: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(168)), 24),
});

/** One hour of orders: placed, and the paid orders' totals per currency (minor units). */
export interface OrderHour {
  /** The hour's start (ISO 8601, UTC, on the hour). */
  start: string;
  orders: number;
  revenueCents: Record<string, number>;
}

/** `GET /api/orders/stats`: one entry per hour, oldest first, the current hour last. */
export interface OrderStats {
  hours: OrderHour[];
  /** True when the window held more orders than one answer reads: figures are a lower bound. */
  truncated: boolean;
}

/** `GET /api/inventory/stock/low/count`: items at or below their low-stock threshold. */
export interface LowStockCount {
  count: number;
}

/** One minute of the event log: how many events of each type the ledger recorded. */
export interface EventMinute {
  /** The minute's start (ISO 8601, UTC). */
  start: string;
  byType: Record<string, number>;
}

/** `GET /api/ledger/stats`: the last hour's events per minute, and the dead letters waiting. */
export interface LedgerStats {
  /** 60 entries, oldest first, the current minute last. */
  minutes: EventMinute[];
  /** True when the hour held more events than one answer reads: figures are a lower bound. */
  truncated: boolean;
  deadLetters: {
    /** Dead letters not yet replayed or discarded. */
    count: number;
    /** The newest of them: its event's type and when it died, or null when there are none. */
    newest: { id: string; type: string; deadAt: string } | null;
  };
}
