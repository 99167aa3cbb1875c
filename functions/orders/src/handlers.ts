/**
 * @module The events orders consumes, each applied once in one transaction with its dedupe record:
 * catalog's products feed the projection (newest version wins), inventory's decisions move orders
 * (news about an order that has moved on changes nothing).
 */
import { type Order, Product, StockRejected, StockReserved } from '@stockflow/contracts';
import { type EventHandlers, on, type Runtime, type Work } from '@stockflow/kit';
import { confirmReservation, type OrderChange, rejectForShortages } from './order.ts';
import { project } from './products.ts';
import { OrdersStore } from './store.ts';

/** An inventory decision about an order. */
async function applyStockDecision(
  rt: Runtime,
  work: Work,
  orderId: string,
  decide: (order: Order, at: string) => OrderChange,
): Promise<void> {
  const store = new OrdersStore(() => rt.db());
  const stored = await store.read(work, orderId);
  if (!stored) {
    // Orders commits an order before announcing it, so this event is about no order of ours.
    rt.log.warn('stock decision for an unknown order ignored', { orderId });
    return;
  }
  const change = decide(stored.order, new Date().toISOString());
  if (!change.events.length) {
    rt.log.info('stock decision changes nothing', { orderId, status: stored.order.status });
  }
  store.commit(work, stored, change);
}

/** Keeps the newest version of each product (events may come twice or out of order). */
const projectProduct = on(Product, async ({ data, work, rt }) => {
  const store = new OrdersStore(() => rt.db());
  const current = (await store.products(work, [data.id])).get(data.id);
  const next = project(current, data);
  if (next) store.saveProduct(work, next);
});

export const orderEvents: EventHandlers = {
  'io.stockflow.product.created': projectProduct,
  'io.stockflow.product.updated': projectProduct,
  'io.stockflow.product.archived': projectProduct,
  'io.stockflow.stock.reserved': on(StockReserved, ({ data, work, rt }) =>
    applyStockDecision(rt, work, data.orderId, (order, at) =>
      confirmReservation(order, at, data.allocations),
    ),
  ),
  'io.stockflow.stock.rejected': on(StockRejected, ({ data, work, rt }) =>
    applyStockDecision(rt, work, data.orderId, (order, at) => rejectForShortages(order, data.shortages, at)),
  ),
};
