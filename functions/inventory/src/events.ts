/**
 * @module The events inventory consumes, each applied as a command of the instance's one stock
 * writer (writer.ts), which deduplicates it in the transaction of its group: catalog's products,
 * orders' placements, cancels and shipments, goods received from other systems and inspected
 * returns.
 */
import {
  type Actor,
  GoodsReceived,
  OrderCancelled,
  OrderPlaced,
  OrderRef,
  Product,
  ReturnInspected,
  ShipmentShipped,
} from '@stockflow/contracts';
import { type ConsumedEvent, type EventHandlers, handleEachDelivery, withActor } from '@stockflow/kit';
import type * as z from 'zod/mini';
import type { InventoryConfig, InventoryServices } from './app.ts';
import {
  applyProduct,
  type Change,
  commitShippedOrder,
  receiveGoods,
  releaseOrderStock,
  reserveOrderStock,
  returnGoods,
  shipShipment,
} from './stock.ts';
import type { Command } from './writer.ts';

/**
 * A consumed event type applied as a writer command: the writer deduplicates it in the transaction
 * of its group, so the kit runs the handler on every delivery.
 */
function consume<S extends z.ZodMiniType>(
  data: S,
  command: (data: z.infer<S>, event: ConsumedEvent) => Omit<Command, 'event'>,
) {
  return handleEachDelivery<S, InventoryServices, InventoryConfig>(
    data,
    async ({ event, data, services }) => {
      const change = await services.writer.submit({ ...command(data, event), event });
      return change !== undefined;
    },
  );
}

/**
 * The identity of a delivery of goods: its sender's source (bound to the partner's identity by the
 * broker's `<partner>-publishes` policy) and its reference. A second event for the same goods, under
 * a new id, changes nothing.
 */
export const goodsIdentity = (event: ConsumedEvent, reference: string): ConsumedEvent => ({
  source: event.source,
  id: `${event.type}#reference=${reference}`,
  type: event.type,
});

const productCommand = (product: Product): Omit<Command, 'event'> => ({
  productIds: [product.id],
  orderIds: [],
  decide: (state, ctx) => applyProduct(state.stock(product.id), product, ctx),
});

export const inventoryEvents: EventHandlers<InventoryServices, InventoryConfig> = {
  'io.stockflow.product.created': consume(Product, productCommand),
  'io.stockflow.product.updated': consume(Product, productCommand),
  'io.stockflow.product.archived': consume(Product, productCommand),
  'io.stockflow.order.placed': consume(OrderPlaced, (order) => ({
    productIds: order.items.map((line) => line.productId),
    orderIds: [order.orderId],
    decide: (state, ctx) => reserveOrderStock(order, state.reservation(order.orderId), state.stock, ctx),
  })),
  'io.stockflow.order.cancelled': consume(OrderCancelled, ({ orderId }) => ({
    productIds: [],
    orderIds: [orderId],
    decide: (state, ctx) => releaseOrderStock(orderId, state.reservation(orderId), state.stock, ctx),
  })),
  'io.stockflow.order.shipped': consume(OrderRef, ({ orderId }) => ({
    productIds: [],
    orderIds: [orderId],
    decide: (state, ctx) => commitShippedOrder(orderId, state.reservation(orderId), state.stock, ctx),
  })),
  'io.stockflow.shipment.shipped': consume(ShipmentShipped, (shipment) => ({
    productIds: [],
    orderIds: [shipment.orderId],
    decide: (state, ctx) => shipShipment(shipment, state.reservation(shipment.orderId), state.stock, ctx),
  })),
  'io.stockflow.goods.received': consume(GoodsReceived, (goods, event) => ({
    productIds: [goods.productId],
    orderIds: [],
    sameAs: [goodsIdentity(event, goods.reference)],
    decide: (state, ctx) => receiveGoods(state.stock(goods.productId), goods, ctx),
  })),
  'io.stockflow.return.inspected': consume(ReturnInspected, (inspection) => ({
    productIds: [...new Set(inspection.lines.map((line) => line.productId))],
    orderIds: [],
    // The clerk who inspected it; an event without one is orders' own doing.
    actor: inspection.actor ?? { system: 'orders' },
    decide: (state, ctx) => {
      const change = returnGoods(inspection, state.stock, ctx);
      return inspection.actor ? recordActor(change, inspection.actor) : change;
    },
  })),
};

/** A staff change's adjustments name who made them (a stock.low alert it causes is no one's act). */
export function recordActor(change: Change, actor: Actor): Change {
  return {
    ...change,
    events: change.events.map((event) =>
      event.type === 'io.stockflow.stock.adjusted' ? withActor(event, actor) : event,
    ),
  };
}
