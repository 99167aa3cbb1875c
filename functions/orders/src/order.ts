/**
 * @module The order aggregate. Its status moves only along TRANSITIONS; the functions below are its
 * only writers, and each returns the order with the integration events the change causes (past-tense
 * facts, committed with it). Reactions to inventory's and payments' events are forgiving, because
 * those events come at least once and in any order: a duplicate, or news for an order that has moved
 * on, changes nothing. Payment and return steps that keep the status are timeline entries with a
 * `reason`. Pure: ids, clocks and the product projection come in as arguments.
 */
import {
  type Allocation,
  type CancelCause,
  type Customer,
  DEFAULT_LOCATION_ID,
  type EventData,
  type EventType,
  type Order,
  type OrderItem,
  type OrderLine,
  type OrderPayment,
  type OrderStatus,
  type Return,
  type ReturnOutcome,
  type Shipment,
  type Shortage,
} from '@stockflow/contracts';
import type { ProductEntry } from './products.ts';

/**
 * Where each status may go. Rejected, cancelled and delivered are final (a delivered order's returns
 * and a cancelled order's refunds are steps on its timeline); a partially shipped order stays so
 * while its other shipments wait (each one shipped is a step on its timeline).
 */
export const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending: ['awaiting-payment', 'rejected', 'cancelled'],
  'awaiting-payment': ['confirmed', 'cancelled'],
  confirmed: ['partially-shipped', 'shipped', 'cancelled'],
  'partially-shipped': ['partially-shipped', 'shipped'],
  shipped: ['delivered'],
  delivered: [],
  rejected: [],
  cancelled: [],
};

type Announce<T extends EventType> = T extends EventType
  ? { type: T; subject: string; data: EventData<T> }
  : never;

export type OrderEvent = Announce<
  | 'io.stockflow.order.placed'
  | 'io.stockflow.order.awaiting-payment'
  | 'io.stockflow.order.confirmed'
  | 'io.stockflow.order.delivered'
  | 'io.stockflow.order.rejected'
  | 'io.stockflow.order.cancelled'
  | 'io.stockflow.order.shipped'
  | 'io.stockflow.shipment.shipped'
  | 'io.stockflow.return.requested'
  | 'io.stockflow.return.received'
  | 'io.stockflow.return.inspected'
>;

export interface OrderChange {
  /** The order itself (the same object) when nothing changed. */
  order: Order;
  /** What the change announces (a payment step may change the order and announce nothing). */
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

/**
 * The customer's or staff's cancel, from pending, awaiting-payment or confirmed, with their reason if
 * they gave one.
 */
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
  return cancel(order, by === 'customer' ? 'customer' : 'staff', reason, now);
}

/** Cancels the order for `cause`: `order.cancelled` releases its stock and refunds any payment. */
function cancel(order: Order, cause: CancelCause, reason: string, now: string, patch: Partial<Order> = {}) {
  const next = move(order, 'cancelled', now, { reason });
  return {
    order: { ...next, ...patch, cancelCause: cause },
    events: [
      {
        type: 'io.stockflow.order.cancelled' as const,
        subject: order.id,
        data: { orderId: order.id, reason, cause },
      },
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
 * Inventory reserved the order's stock: a pending order awaits payment, its stock held until
 * `holdExpiresAt` (`now` + `holdSeconds`), and `order.awaiting-payment` asks payments to open the
 * provider's payment step. For a cancelled order nothing happens here: `order.cancelled` was already
 * emitted, and inventory releases (or never keeps) the stock of an order it has seen cancelled.
 */
export function awaitPayment(
  order: Order,
  now: string,
  holdSeconds: number,
  allocations?: readonly Allocation[],
): OrderChange {
  if (order.status !== 'pending') return unchanged(order);
  const lines = order.items.map(({ productId, quantity }) => ({ productId, quantity }));
  const holdExpiresAt = new Date(Date.parse(now) + holdSeconds * 1000).toISOString();
  return {
    order: {
      ...move(order, 'awaiting-payment', now),
      shipments: shipmentsFrom(lines, allocations),
      holdExpiresAt,
    },
    events: [
      {
        type: 'io.stockflow.order.awaiting-payment',
        subject: order.id,
        data: { orderId: order.id, totalCents: order.totalCents, currency: order.currency, holdExpiresAt },
      },
    ],
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

/** A step that keeps the status (a payment or return step): a timeline entry saying what happened. */
function note(order: Order, reason: string, now: string, patch: Partial<Order> = {}): Order {
  return {
    ...order,
    ...patch,
    timeline: [...order.timeline, { status: order.status, at: now, reason }],
    updatedAt: now,
  };
}

/** An amount as people read it: `12.00 EUR`. */
const money = (cents: number, currency: string) => `${(cents / 100).toFixed(2)} ${currency}`;

export interface PaymentNews {
  paymentId: string;
  amountCents: number;
  currency: string;
}

/**
 * Payments opened the provider's payment step: the shopper pays at `checkoutUrl` until `expiresAt`.
 * Only for an order awaiting payment that has no payment yet (a later one changes nothing).
 */
export function recordPaymentRequest(
  order: Order,
  { paymentId, checkoutUrl, expiresAt }: { paymentId: string; checkoutUrl: string; expiresAt: string },
  now: string,
): OrderChange {
  if (order.status !== 'awaiting-payment' || order.payment) return unchanged(order);
  const payment: OrderPayment = { paymentId, status: 'requested', checkoutUrl, expiresAt };
  return { order: note(order, 'payment requested', now, { payment }), events: [] };
}

/**
 * The provider authorized the payment: an order awaiting payment is confirmed. For an order that
 * moved on (cancelled, its hold expired) nothing happens here: payments refunds that authorization.
 */
export function authorizePayment(order: Order, { paymentId }: PaymentNews, now: string): OrderChange {
  if (order.status !== 'awaiting-payment') return unchanged(order);
  const payment: OrderPayment = { ...order.payment, paymentId, status: 'authorized' };
  return {
    order: { ...move(order, 'confirmed', now, { reason: 'payment authorized' }), payment },
    events: [{ type: 'io.stockflow.order.confirmed', subject: order.id, data: { orderId: order.id } }],
  };
}

/** The provider declined the payment: an order awaiting payment is cancelled (cause payment-declined). */
export function declinePayment(
  order: Order,
  { paymentId, message }: { paymentId: string; message: string },
  now: string,
): OrderChange {
  if (order.status !== 'awaiting-payment') return unchanged(order);
  const payment: OrderPayment = { ...order.payment, paymentId, status: 'declined', declineMessage: message };
  return cancel(order, 'payment-declined', 'the payment was declined', now, { payment });
}

/** Whether the order's hold on its stock ran out unpaid at `now`. */
export const holdExpired = (order: Order, now: string): boolean =>
  order.status === 'awaiting-payment' &&
  order.holdExpiresAt !== undefined &&
  Date.parse(order.holdExpiresAt) <= Date.parse(now);

/** The hold ran out unpaid: the order is cancelled (cause payment-expired); otherwise nothing. */
export function expireHold(order: Order, now: string): OrderChange {
  if (!holdExpired(order, now)) return unchanged(order);
  return cancel(order, 'payment-expired', 'the payment was not made in time', now);
}

/** The authorized amount was taken (the order shipped): a timeline step. */
export function capturePayment(order: Order, { paymentId, amountCents, currency }: PaymentNews, now: string) {
  if (order.payment?.capturedCents === amountCents) return unchanged(order);
  const refunded = order.payment?.status === 'refunded' || order.payment?.status === 'partially-refunded';
  const payment: OrderPayment = {
    ...order.payment,
    paymentId,
    status: refunded ? order.payment!.status : 'captured',
    capturedCents: amountCents,
  };
  return {
    order: note(order, `payment captured: ${money(amountCents, currency)}`, now, { payment }),
    events: [],
  };
}

/**
 * Money went back to the shopper: the payment is refunded in part or whole (of what was captured,
 * else the order's total), and a return it refunds is marked refunded.
 */
export function refundPayment(
  order: Order,
  { paymentId, amountCents, currency, returnId }: PaymentNews & { returnId?: string },
  now: string,
): OrderChange {
  const refundedCents = (order.payment?.refundedCents ?? 0) + amountCents;
  const paid = order.payment?.capturedCents ?? order.totalCents;
  const payment: OrderPayment = {
    ...order.payment,
    paymentId,
    status: refundedCents >= paid ? 'refunded' : 'partially-refunded',
    refundedCents,
  };
  const returns = order.returns?.map((r) =>
    r.id === returnId ? { ...r, status: 'refunded' as const, updatedAt: now } : r,
  );
  const what = returnId ? ` (return ${returnId})` : '';
  return {
    order: note(order, `payment refunded: ${money(amountCents, currency)}${what}`, now, {
      payment,
      ...(returns ? { returns } : {}),
    }),
    events: [],
  };
}

const DAY_MS = 24 * 3600 * 1000;

/** Staff saw the shipped order reach the shopper: returns are accepted for `returnDays` days. */
export function deliverOrder(order: Order, now: string, returnDays: number): OrderChange {
  const returnUntil = new Date(Date.parse(now) + returnDays * DAY_MS).toISOString();
  return {
    order: { ...move(order, 'delivered', now), deliveredAt: now, returnUntil },
    events: [
      { type: 'io.stockflow.order.delivered', subject: order.id, data: { orderId: order.id, returnUntil } },
    ],
  };
}

/** Returns are for delivered orders, before `returnUntil`. */
export class ReturnNotAcceptedError extends Error {
  constructor(readonly why: 'not-delivered' | 'window-closed') {
    super(
      why === 'not-delivered'
        ? 'Only a delivered order can be returned.'
        : 'The time to return this order has passed.',
    );
    this.name = 'ReturnNotAcceptedError';
  }
}

/** Lines asked back that the order does not have, or more than is left to return. */
export class ReturnQuantityError extends Error {
  constructor(readonly products: ReadonlyArray<{ productId: string; returnable: number }>) {
    super(
      `More than can be returned of: ${products.map((p) => `${p.productId} (${p.returnable} left)`).join(', ')}.`,
    );
    this.name = 'ReturnQuantityError';
  }
}

/** The order has no return by that id. */
export class UnknownReturnError extends Error {
  constructor(readonly returnId: string) {
    super(`The order has no return ${returnId}.`);
    this.name = 'UnknownReturnError';
  }
}

/** A return step out of turn (receive before requested, inspect before received, twice). */
export class ReturnStepRefusedError extends Error {
  constructor(
    readonly returnId: string,
    readonly returnStatus: Return['status'],
    step: string,
  ) {
    super(`Return ${returnId} is ${returnStatus}: it cannot be ${step}.`);
    this.name = 'ReturnStepRefusedError';
  }
}

/** The inspected lines do not account for exactly the return's items. */
export class InspectionMismatchError extends Error {
  constructor(readonly returnId: string) {
    super(`The inspected lines must account for exactly the items of return ${returnId}.`);
    this.name = 'InspectionMismatchError';
  }
}

/** Quantity per product of some lines. */
function quantities(lines: ReadonlyArray<{ productId: string; quantity: number }>): Map<string, number> {
  const sums = new Map<string, number>();
  for (const { productId, quantity } of lines) sums.set(productId, (sums.get(productId) ?? 0) + quantity);
  return sums;
}

const units = (count: number) => `${count} item${count === 1 ? '' : 's'}`;

/**
 * The shopper asks to return some delivered lines before `returnUntil`: at most what was delivered
 * less what earlier returns asked back. Its id is `r-<n>` (the order's n-th return).
 */
export function requestReturn(
  order: Order,
  { items, reason }: { items: readonly OrderLine[]; reason?: string },
  now: string,
): OrderChange {
  if (order.status !== 'delivered') throw new ReturnNotAcceptedError('not-delivered');
  if (!order.returnUntil || Date.parse(now) >= Date.parse(order.returnUntil)) {
    throw new ReturnNotAcceptedError('window-closed');
  }
  const delivered = quantities(order.items);
  const asked = quantities((order.returns ?? []).flatMap((r) => r.items));
  const over = items.flatMap(({ productId, quantity }) => {
    const returnable = (delivered.get(productId) ?? 0) - (asked.get(productId) ?? 0);
    return quantity > returnable ? [{ productId, returnable }] : [];
  });
  if (over.length) throw new ReturnQuantityError(over);
  const id = `r-${(order.returns?.length ?? 0) + 1}`;
  const lines = items.map(({ productId, quantity }) => ({ productId, quantity }));
  const entry: Return = {
    id,
    status: 'requested',
    items: lines,
    ...(reason ? { reason } : {}),
    requestedAt: now,
    updatedAt: now,
  };
  const count = lines.reduce((sum, line) => sum + line.quantity, 0);
  return {
    order: note(order, `return ${id} requested: ${units(count)}`, now, {
      returns: [...(order.returns ?? []), entry],
    }),
    events: [
      {
        type: 'io.stockflow.return.requested',
        subject: order.id,
        data: { orderId: order.id, returnId: id, items: lines, ...(reason ? { reason } : {}) },
      },
    ],
  };
}

/** The return `returnId` if it is `status`; why not otherwise. */
function returnAt(order: Order, returnId: string, status: Return['status'], step: string): Return {
  const found = order.returns?.find((r) => r.id === returnId);
  if (!found) throw new UnknownReturnError(returnId);
  if (found.status !== status) throw new ReturnStepRefusedError(returnId, found.status, step);
  return found;
}

const replaceReturn = (order: Order, next: Return) =>
  order.returns!.map((r) => (r.id === next.id ? next : r));

/** The returned parcel arrived at `locationId`, to be inspected there. */
export function receiveReturn(order: Order, returnId: string, locationId: string, now: string): OrderChange {
  const found = returnAt(order, returnId, 'requested', 'received');
  const next: Return = { ...found, status: 'received', locationId, updatedAt: now };
  return {
    order: note(order, `return ${returnId} received at ${locationId}`, now, {
      returns: replaceReturn(order, next),
    }),
    events: [
      {
        type: 'io.stockflow.return.received',
        subject: order.id,
        data: { orderId: order.id, returnId, locationId },
      },
    ],
  };
}

export interface InspectedLine {
  productId: string;
  quantity: number;
  outcome: ReturnOutcome;
}

/**
 * Staff inspected every unit of a received return: each restocked or written off. The shopper gets
 * back the price of every returned unit, whatever its outcome.
 */
export function inspectReturn(
  order: Order,
  returnId: string,
  lines: readonly InspectedLine[],
  now: string,
): OrderChange {
  const found = returnAt(order, returnId, 'received', 'inspected');
  const expected = quantities(found.items);
  const inspected = quantities(lines);
  const exact =
    expected.size === inspected.size && [...expected].every(([id, count]) => inspected.get(id) === count);
  if (!exact) throw new InspectionMismatchError(returnId);
  const prices = new Map(order.items.map((item) => [item.productId, item.unitPriceCents]));
  const refundCents = lines.reduce((sum, line) => sum + line.quantity * prices.get(line.productId)!, 0);
  const kept = lines.map(({ productId, quantity, outcome }) => ({ productId, quantity, outcome }));
  const next: Return = { ...found, status: 'inspected', lines: kept, refundCents, updatedAt: now };
  return {
    order: note(order, `return ${returnId} inspected: ${money(refundCents, order.currency)} to refund`, now, {
      returns: replaceReturn(order, next),
    }),
    events: [
      {
        type: 'io.stockflow.return.inspected',
        subject: order.id,
        data: {
          orderId: order.id,
          returnId,
          locationId: found.locationId!,
          lines: kept,
          refundCents,
          currency: order.currency,
        },
      },
    ],
  };
}
