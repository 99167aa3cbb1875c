/**
 * @module The order aggregate. Its status moves only along TRANSITIONS; the functions below are its
 * only writers, and each returns the order with the integration events the change causes (past-tense
 * facts, committed with it). Reactions to inventory's events are forgiving, because those events
 * come at least once and in any order: a duplicate, or news for an order that has moved on, changes
 * nothing. Pure: ids, clocks and the product projection come in as arguments.
 */
import {
  type Allocation,
  type Customer,
  DEFAULT_LOCATION_ID,
  type EventData,
  type EventType,
  type Order,
  type OrderItem,
  type OrderLine,
  type OrderStatus,
  type Shipment,
  type Shortage,
} from '@stockflow/contracts';
import type { ProductEntry } from './products.ts';

/**
 * Where each status may go. Rejected, cancelled and shipped are final; a partially shipped order
 * stays so while its other shipments wait (each one shipped is a step on its timeline).
 */
export const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending: ['confirmed', 'rejected', 'cancelled'],
  confirmed: ['partially-shipped', 'shipped', 'cancelled'],
  'partially-shipped': ['partially-shipped', 'shipped'],
  rejected: [],
  cancelled: [],
  shipped: [],
};

type Announce<T extends EventType> = T extends EventType
  ? { type: T; subject: string; data: EventData<T> }
  : never;

export type OrderEvent = Announce<
  | 'io.stockflow.order.placed'
  | 'io.stockflow.order.confirmed'
  | 'io.stockflow.order.rejected'
  | 'io.stockflow.order.cancelled'
  | 'io.stockflow.order.shipped'
  | 'io.stockflow.shipment.shipped'
>;

export interface OrderChange {
  order: Order;
  /** Empty when the order did not change. */
  events: OrderEvent[];
}

/** A command asked for a move the status machine does not allow. */
export class TransitionRefusedError extends Error {
  constructor(
    readonly from: OrderStatus,
    readonly to: OrderStatus,
  ) {
    super(`An order that is ${from} cannot become ${to}.`);
    this.name = 'TransitionRefusedError';
  }
}

export type UnorderableReason = 'unknown' | 'archived';

/** Some lines name products that cannot be ordered. */
export class UnorderableProductsError extends Error {
  constructor(readonly products: ReadonlyArray<{ productId: string; reason: UnorderableReason }>) {
    super(
      `These products cannot be ordered: ${products.map((p) => `${p.productId} (${p.reason})`).join(', ')}.`,
    );
    this.name = 'UnorderableProductsError';
  }
}

/** One order is paid in one currency. */
export class MixedCurrenciesError extends Error {
  constructor(readonly currencies: readonly string[]) {
    super(`The products of one order must share a currency; these have ${currencies.join(', ')}.`);
    this.name = 'MixedCurrenciesError';
  }
}

/** The total would not be an exact integer number of cents. */
export class TotalTooLargeError extends Error {
  constructor() {
    super('The order total is too large.');
    this.name = 'TotalTooLargeError';
  }
}

export interface PlaceOrderInput {
  id: string;
  lines: readonly OrderLine[];
  customer: Customer;
  /** The projection's entries for the ordered products (missing: unknown to orders). */
  products: ReadonlyMap<string, ProductEntry>;
  now: string;
}

/** A new, pending order priced from the product projection, and `order.placed`. */
export function placeOrder({ id, lines, customer, products, now }: PlaceOrderInput): OrderChange {
  const refused = lines.flatMap(({ productId }): Array<{ productId: string; reason: UnorderableReason }> => {
    const product = products.get(productId);
    if (!product) return [{ productId, reason: 'unknown' }];
    return product.active ? [] : [{ productId, reason: 'archived' }];
  });
  if (refused.length) throw new UnorderableProductsError(refused);
  const items: OrderItem[] = lines.map(({ productId, quantity }) => {
    const product = products.get(productId)!;
    return { productId, name: product.name, quantity, unitPriceCents: product.priceCents };
  });
  const currencies = [...new Set(lines.map(({ productId }) => products.get(productId)!.currency))];
  if (currencies.length > 1) throw new MixedCurrenciesError(currencies);
  const totalCents = items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
  if (!Number.isSafeInteger(totalCents)) throw new TotalTooLargeError();
  const currency = currencies[0]!;
  const order: Order = {
    id,
    status: 'pending',
    items,
    totalCents,
    currency,
    customer,
    timeline: [{ status: 'pending', at: now }],
    createdAt: now,
    updatedAt: now,
  };
  const placed = {
    orderId: id,
    items: items.map(({ productId, quantity, unitPriceCents, name }) => ({
      productId,
      quantity,
      unitPriceCents,
      name,
    })),
    currency,
    totalCents,
    customer: { name: customer.name, email: customer.email },
  };
  return { order, events: [{ type: 'io.stockflow.order.placed', subject: id, data: placed }] };
}

/** Moves the order to `to` (the only place a status changes), recording it on the timeline. */
function move(
  order: Order,
  to: OrderStatus,
  now: string,
  { reason, shortages }: { reason?: string; shortages?: Shortage[] } = {},
): Order {
  if (!TRANSITIONS[order.status].includes(to)) throw new TransitionRefusedError(order.status, to);
  return {
    ...order,
    status: to,
    ...(shortages ? { shortages } : {}),
    timeline: [...order.timeline, { status: to, at: now, ...(reason ? { reason } : {}) }],
    updatedAt: now,
  };
}

const unchanged = (order: Order): OrderChange => ({ order, events: [] });

export type Canceller = 'customer' | 'admin';

/** The customer's or an admin's cancel, from pending or confirmed, with their reason if they gave one. */
export function cancelOrder(
  order: Order,
  {
    by,
    reason = by === 'customer' ? 'cancelled by the customer' : 'cancelled by an admin',
  }: {
    by: Canceller;
    reason?: string;
  },
  now: string,
): OrderChange {
  const next = move(order, 'cancelled', now, { reason });
  return {
    order: next,
    events: [
      { type: 'io.stockflow.order.cancelled', subject: order.id, data: { orderId: order.id, reason } },
    ],
  };
}

/** The order has no shipment by that id. */
export class UnknownShipmentError extends Error {
  constructor(readonly shipmentId: string) {
    super(`The order has no shipment ${shipmentId}.`);
    this.name = 'UnknownShipmentError';
  }
}

/** The shipment has left already. */
export class ShipmentShippedError extends Error {
  constructor(readonly shipmentId: string) {
    super(`Shipment ${shipmentId} has been shipped already.`);
    this.name = 'ShipmentShippedError';
  }
}

/**
 * One shipment per location holding some of the order, from inventory's allocations (in their
 * order); without them (a version 1 `stock.reserved`) one shipment from the default location.
 * A shipment's id is its location's id: one per location.
 */
export function shipmentsFrom(items: readonly OrderLine[], allocations?: readonly Allocation[]): Shipment[] {
  const held = allocations ?? items.map((line) => ({ ...line, locationId: DEFAULT_LOCATION_ID }));
  const byLocation = new Map<string, OrderLine[]>();
  for (const { productId, locationId, quantity } of held) {
    const lines = byLocation.get(locationId) ?? [];
    lines.push({ productId, quantity });
    byLocation.set(locationId, lines);
  }
  return [...byLocation].map(([locationId, lines]) => ({
    id: locationId,
    locationId,
    lines,
    status: 'pending',
  }));
}

/**
 * An admin ships the whole confirmed order at once (as before shipments per location): every
 * shipment still waiting leaves; `order.shipped` tells inventory to commit all that is held.
 */
export function shipOrder(order: Order, now: string): OrderChange {
  const shipped = move(order, 'shipped', now);
  return {
    order: {
      ...shipped,
      ...(order.shipments
        ? {
            shipments: order.shipments.map((s) =>
              s.status === 'shipped' ? s : { ...s, status: 'shipped' as const, shippedAt: now },
            ),
          }
        : {}),
    },
    events: [{ type: 'io.stockflow.order.shipped', subject: order.id, data: { orderId: order.id } }],
  };
}

/**
 * An admin ships one shipment: `shipment.shipped` commits its location's stock. The order is
 * partially shipped until the last one leaves; then it is shipped and `order.shipped` follows.
 */
export function shipShipment(order: Order, shipmentId: string, now: string): OrderChange {
  const shipment = order.shipments?.find((s) => s.id === shipmentId);
  if (!shipment) throw new UnknownShipmentError(shipmentId);
  if (shipment.status === 'shipped') throw new ShipmentShippedError(shipmentId);
  const shipments = order.shipments!.map((s) =>
    s.id === shipmentId ? { ...s, status: 'shipped' as const, shippedAt: now } : s,
  );
  const done = shipments.every((s) => s.status === 'shipped');
  const next = move(order, done ? 'shipped' : 'partially-shipped', now, {
    reason: `shipment ${shipmentId} left ${shipment.locationId}`,
  });
  const events: OrderEvent[] = [
    {
      type: 'io.stockflow.shipment.shipped',
      subject: order.id,
      data: { orderId: order.id, shipmentId, locationId: shipment.locationId, items: shipment.lines },
    },
  ];
  // Naming the last shipment tells consumers this completes the shipments (notifications then
  // writes about that shipment alone, not about the whole order again).
  if (done)
    events.push({
      type: 'io.stockflow.order.shipped',
      subject: order.id,
      data: { orderId: order.id, shipmentId },
    });
  return { order: { ...next, shipments }, events };
}

/**
 * Inventory reserved the order's stock. Only a pending order becomes confirmed; for a cancelled one
 * nothing happens here: `order.cancelled` was already emitted, and inventory releases (or never
 * keeps) the stock of an order it has seen cancelled.
 */
export function confirmReservation(
  order: Order,
  now: string,
  allocations?: readonly Allocation[],
): OrderChange {
  if (order.status !== 'pending') return unchanged(order);
  const lines = order.items.map(({ productId, quantity }) => ({ productId, quantity }));
  return {
    order: { ...move(order, 'confirmed', now), shipments: shipmentsFrom(lines, allocations) },
    events: [{ type: 'io.stockflow.order.confirmed', subject: order.id, data: { orderId: order.id } }],
  };
}

/** Inventory could not reserve the order. Only a pending order becomes rejected. */
export function rejectForShortages(order: Order, shortages: Shortage[], now: string): OrderChange {
  if (order.status !== 'pending') return unchanged(order);
  return {
    order: move(order, 'rejected', now, { reason: 'not enough stock', shortages }),
    events: [
      { type: 'io.stockflow.order.rejected', subject: order.id, data: { orderId: order.id, shortages } },
    ],
  };
}
