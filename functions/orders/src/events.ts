/**
 * @module The events orders consumes, each applied once in one transaction with its dedupe record:
 * catalog's products feed the projection (newest version wins), inventory's and payments' news move
 * orders (news about an order that has moved on changes nothing). Every PingSource tick cancels the
 * orders whose payment hold ran out (the hold sweep).
 */
import type { Firestore } from '@google-cloud/firestore';
import {
  type Order,
  PaymentAmount,
  PaymentDeclined,
  PaymentRefunded,
  PaymentRequested,
  Product,
  StockRejected,
  StockReserved,
} from '@stockflow/contracts';
import {
  applyOnce,
  type EventHandlers,
  handleEachDelivery,
  PING_TYPE,
  type Runtime,
  type Work,
} from '@stockflow/kit';
import * as z from 'zod/mini';
import type { OrdersConfig, OrdersServices } from './app.ts';
import {
  authorizePayment,
  awaitPayment,
  capturePayment,
  declinePayment,
  expireHold,
  type OrderChange,
  recordPaymentRequest,
  refundPayment,
  rejectForShortages,
} from './order.ts';
import { project } from './products.ts';
import { type OrdersStore, orderDoc } from './store.ts';

/**
 * Expired holds one tick cancels at most, one transaction each: a tick stays well within the
 * PingSource's delivery timeout, and the rest wait a minute for the next.
 */
const HOLD_SWEEP_BATCH = 100;

/** Another function's news about an order. */
async function applyNews(
  { rt, services: { store } }: { rt: Runtime; services: OrdersServices },
  work: Work,
  orderId: string,
  decide: (order: Order, at: string) => OrderChange,
): Promise<void> {
  const stored = await store.read(work, orderId);
  if (!stored) {
    // Orders commits an order before announcing it, so this event is about no order of ours.
    rt.log.warn('news for an unknown order ignored', { orderId });
    return;
  }
  const change = decide(stored.order, new Date().toISOString());
  if (change.order === stored.order) {
    rt.log.info('news changes nothing', { orderId, status: stored.order.status });
  }
  store.commit(work, stored, change);
}

/** News about an order reads the order with the event's dedupe record: one round trip, not two. */
const newsOf = { reads: (data: { orderId: string }, db: Firestore) => [orderDoc(db, data.orderId)] };

/** Keeps the newest version of each product (events may come twice or out of order). */
const projectProduct = applyOnce(Product, async ({ data, work, services: { store } }) => {
  const current = (await store.products(work, [data.id])).get(data.id);
  const next = project(current, data);
  if (next) store.saveProduct(work, next);
});

/**
 * Cancels every order awaiting payment whose hold has run out, a bounded batch per tick, each in
 * its own transaction that reads the order again: two instances sweeping at once cancel each order
 * once (the second finds it cancelled and changes nothing). Answers how many it cancelled.
 */
export async function sweepExpiredHolds(rt: Runtime, store: OrdersStore, now = new Date()): Promise<number> {
  const at = now.toISOString();
  const due = await store.expiredHolds(at, HOLD_SWEEP_BATCH);
  let cancelled = 0;
  for (const orderId of due) {
    const expired = await rt.transact(async (work) => {
      const stored = await store.read(work, orderId);
      if (!stored) return false;
      const change = expireHold(stored.order, at);
      store.commit(work, stored, change);
      return change.order !== stored.order;
    });
    if (expired) cancelled++;
  }
  if (cancelled) rt.log.info('payment holds expired', { cancelled });
  return cancelled;
}

export const ordersEvents: EventHandlers<OrdersServices, OrdersConfig> = {
  'io.stockflow.product.created': projectProduct,
  'io.stockflow.product.updated': projectProduct,
  'io.stockflow.product.archived': projectProduct,
  'io.stockflow.stock.reserved': applyOnce(
    StockReserved,
    ({ data, work, rt, services }) =>
      applyNews({ rt, services }, work, data.orderId, (order, at) =>
        awaitPayment(order, at, rt.config.PAYMENT_HOLD_SECONDS, data.allocations),
      ),
    newsOf,
  ),
  'io.stockflow.stock.rejected': applyOnce(
    StockRejected,
    ({ data, work, rt, services }) =>
      applyNews({ rt, services }, work, data.orderId, (order, at) =>
        rejectForShortages(order, data.shortages, at),
      ),
    newsOf,
  ),
  'io.stockflow.payment.requested': applyOnce(
    PaymentRequested,
    ({ data, work, rt, services }) =>
      applyNews({ rt, services }, work, data.orderId, (order, at) => recordPaymentRequest(order, data, at)),
    newsOf,
  ),
  'io.stockflow.payment.authorized': applyOnce(
    PaymentAmount,
    ({ data, work, rt, services }) =>
      applyNews({ rt, services }, work, data.orderId, (order, at) => authorizePayment(order, data, at)),
    newsOf,
  ),
  'io.stockflow.payment.declined': applyOnce(
    PaymentDeclined,
    ({ data, work, rt, services }) =>
      applyNews({ rt, services }, work, data.orderId, (order, at) => declinePayment(order, data, at)),
    newsOf,
  ),
  'io.stockflow.payment.captured': applyOnce(
    PaymentAmount,
    ({ data, work, rt, services }) =>
      applyNews({ rt, services }, work, data.orderId, (order, at) => capturePayment(order, data, at)),
    newsOf,
  ),
  'io.stockflow.payment.refunded': applyOnce(
    PaymentRefunded,
    ({ data, work, rt, services }) =>
      applyNews({ rt, services }, work, data.orderId, (order, at) => refundPayment(order, data, at)),
    newsOf,
  ),
  [PING_TYPE]: handleEachDelivery(z.unknown(), async ({ rt, services }) => {
    await sweepExpiredHolds(rt, services.store);
    return true;
  }),
};
