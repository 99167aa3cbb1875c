/**
 * @module The admin overview's order figures: orders placed per hour and the paid orders' revenue
 * per currency, read from the `orders` collection on request. A bounded query rather than counters
 * kept with each order change: the overview is read by a few staff every ~15 s, while counters would
 * put one more write (a hot document, ~1 write/s in Firestore) into every order transaction.
 */

import type { Firestore } from '@google-cloud/firestore';
import type { OrderHour, OrderStats, OrderStatus } from '@stockflow/contracts';

const HOUR_MS = 3600_000;
/** The most orders one answer reads; beyond it the figures are marked truncated. */
export const MAX_STATS_ORDERS = 5_000;

/** Orders whose total counts as revenue: paid (confirmed) and onward. */
const PAID: ReadonlySet<OrderStatus> = new Set(['confirmed', 'partially-shipped', 'shipped', 'delivered']);

interface OrderFigures {
  createdAt: string;
  status: OrderStatus;
  totalCents: number;
  currency: string;
}

/** `hours` empty buckets ending with the one holding `now`, oldest first. */
function emptyHours(hours: number, now: Date): OrderHour[] {
  const current = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  return Array.from({ length: hours }, (_, i) => ({
    start: new Date(current - (hours - 1 - i) * HOUR_MS).toISOString(),
    orders: 0,
    revenueCents: {},
  }));
}

/** Buckets orders by the hour they were placed; orders outside the window are ignored. */
export function bucketOrders(orders: readonly OrderFigures[], hours: number, now: Date): OrderHour[] {
  const buckets = emptyHours(hours, now);
  const first = Date.parse(buckets[0]!.start);
  for (const order of orders) {
    const bucket = buckets[Math.floor((Date.parse(order.createdAt) - first) / HOUR_MS)];
    if (!bucket) continue;
    bucket.orders += 1;
    if (PAID.has(order.status)) {
      bucket.revenueCents[order.currency] = (bucket.revenueCents[order.currency] ?? 0) + order.totalCents;
    }
  }
  return buckets;
}

/** The last `hours` hours of orders (the current hour included), read in one bounded query. */
export async function orderStats(db: Firestore, hours: number, now = new Date()): Promise<OrderStats> {
  const since = emptyHours(hours, now)[0]!.start;
  // createdAt is ISO 8601 text in UTC, so text order is time order.
  const snapshot = await db
    .collection('orders')
    .where('createdAt', '>=', since)
    .orderBy('createdAt', 'desc')
    .select('createdAt', 'status', 'totalCents', 'currency')
    .limit(MAX_STATS_ORDERS + 1)
    .get();
  const docs = snapshot.docs.slice(0, MAX_STATS_ORDERS);
  return {
    hours: bucketOrders(
      docs.map((doc) => doc.data() as OrderFigures),
      hours,
      now,
    ),
    truncated: snapshot.size > MAX_STATS_ORDERS,
  };
}
