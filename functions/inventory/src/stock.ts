/**
 * @module Inventory's domain: a stock item per product, a reservation per order, and the transitions
 * that are their only writers. Pure (no I/O, no clock): a transition takes the state it reads and
 * returns the state it writes and the events it causes, or throws a typed refusal.
 */
import type { EventData, OrderLine, Product, Shortage } from '@stockflow/contracts';

/** The stock of one product. Invariant: `0 ≤ reserved ≤ onHand`, so `available` is never negative. */
export interface StockItem {
  productId: string;
  onHand: number;
  /** Held for orders that are placed but not yet shipped or cancelled. */
  reserved: number;
  /** `available` at or below this is low stock. */
  lowStockThreshold: number;
  /** Catalog archived the product: no new reservations (those held still release or ship). */
  archived: boolean;
  /** The newest catalog version applied; 0 while stock exists ahead of the product's events. */
  productVersion: number;
  updatedAt: string;
}

/**
 * Where an order's reservation stands. Only `reserved` holds stock.
 * - `rejected`: a line lacked stock when the order was placed, so nothing was reserved.
 * - `released`: cancelled after it was reserved; the stock is available again.
 * - `committed`: shipped; the stock left `onHand`.
 * - `cancelled`: the cancel arrived before the placement (a tombstone): the late placement reserves
 *   nothing, since the order never comes back.
 * - `shipped`: the shipment arrived with nothing reserved (events out of any order the saga makes):
 *   recorded, nothing moved.
 */
export type ReservationState = 'reserved' | 'rejected' | 'released' | 'committed' | 'cancelled' | 'shipped';

export interface Reservation {
  orderId: string;
  state: ReservationState;
  /** What the order asked for, one line per product (held while `reserved`). */
  items: OrderLine[];
  /** Why it was `rejected`. */
  shortages: Shortage[];
  updatedAt: string;
}

/** An item's levels as the admin API shows them. */
export interface StockLevel {
  productId: string;
  onHand: number;
  reserved: number;
  available: number;
  lowStockThreshold: number;
  low: boolean;
  /** Null for a product with no stock record yet. */
  updatedAt: string | null;
}

type StockEventType =
  | 'io.stockflow.stock.reserved'
  | 'io.stockflow.stock.rejected'
  | 'io.stockflow.stock.released'
  | 'io.stockflow.stock.committed'
  | 'io.stockflow.stock.adjusted'
  | 'io.stockflow.stock.low';

/** An event a transition causes; `subject` is the order id (saga events) or the product id. */
export type StockEvent = {
  [T in StockEventType]: { type: T; subject: string; data: EventData<T> };
}[StockEventType];

/** What a transition writes: whole new states, and the events committed with them. */
export interface Change {
  items: StockItem[];
  reservation?: Reservation;
  events: StockEvent[];
  /** For the operator's log: events arrived in an order the saga itself never produces. */
  notice?: string;
}

/** What transitions read besides state. */
export interface TransitionContext {
  now: string;
  /** The low-stock threshold of a new stock item. */
  defaultLowStockThreshold: number;
}

export type StockLookup = (productId: string) => StockItem | undefined;

/** An adjustment would leave less on hand than is reserved (or less than nothing). */
export class StockBelowReservedError extends Error {
  constructor(
    readonly item: StockItem,
    readonly delta: number,
  ) {
    super(
      `Adjusting ${item.productId} by ${delta} would leave ${item.onHand + delta} on hand, ` +
        `below the ${item.reserved} reserved.`,
    );
    this.name = 'StockBelowReservedError';
  }
}

/** The stored state breaks the stock equation: a bug or a hand edit, never a business outcome. */
export class StockInvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StockInvariantError';
  }
}

const NOTHING: Change = { items: [], events: [] };

export const available = (item: StockItem): number => item.onHand - item.reserved;
export const isLow = (item: StockItem): boolean => available(item) <= item.lowStockThreshold;

export function newStockItem(productId: string, ctx: TransitionContext): StockItem {
  return {
    productId,
    onHand: 0,
    reserved: 0,
    lowStockThreshold: ctx.defaultLowStockThreshold,
    archived: false,
    productVersion: 0,
    updatedAt: ctx.now,
  };
}

/** An item's levels; a product with no stock record has zeros and the default threshold. */
export function stockLevel(
  productId: string,
  item: StockItem | undefined,
  defaultThreshold: number,
): StockLevel {
  const levels = item ?? { productId, onHand: 0, reserved: 0, lowStockThreshold: defaultThreshold };
  return {
    productId,
    onHand: levels.onHand,
    reserved: levels.reserved,
    available: levels.onHand - levels.reserved,
    lowStockThreshold: levels.lowStockThreshold,
    low: levels.onHand - levels.reserved <= levels.lowStockThreshold,
    updatedAt: item?.updatedAt ?? null,
  };
}

/** One line per product, quantities summed: an order may name a product twice. */
export function mergeLines(lines: readonly OrderLine[]): OrderLine[] {
  const merged = new Map<string, number>();
  for (const line of lines) merged.set(line.productId, (merged.get(line.productId) ?? 0) + line.quantity);
  return [...merged].map(([productId, quantity]) => ({ productId, quantity }));
}

/**
 * `order.placed`: reserves every line or none. A product that is unknown or archived has nothing
 * available. An order this function has already decided (or seen cancelled or shipped) changes nothing.
 */
export function placeOrder(
  order: { orderId: string; items: readonly OrderLine[] },
  held: Reservation | undefined,
  stockOf: StockLookup,
  ctx: TransitionContext,
): Change {
  const { orderId } = order;
  if (held) {
    if (held.state === 'cancelled') return NOTHING;
    return { ...NOTHING, notice: `order ${orderId} placed again; its reservation stays ${held.state}` };
  }
  const items = mergeLines(order.items);
  const shortages = items.flatMap((line): Shortage[] => {
    const item = stockOf(line.productId);
    const free = item && !item.archived ? available(item) : 0;
    return free >= line.quantity
      ? []
      : [{ productId: line.productId, requested: line.quantity, available: free }];
  });
  if (shortages.length) {
    return {
      items: [],
      reservation: { orderId, state: 'rejected', items, shortages, updatedAt: ctx.now },
      events: [{ type: 'io.stockflow.stock.rejected', subject: orderId, data: { orderId, shortages } }],
    };
  }
  const moved = items.map((line) => {
    const before = stockOf(line.productId)!;
    return { before, after: { ...before, reserved: before.reserved + line.quantity, updatedAt: ctx.now } };
  });
  return {
    items: moved.map(({ after }) => after),
    reservation: { orderId, state: 'reserved', items, shortages: [], updatedAt: ctx.now },
    events: [
      { type: 'io.stockflow.stock.reserved', subject: orderId, data: { orderId, items } },
      ...moved.flatMap(({ before, after }) => lowStockAlert(before, after)),
    ],
  };
}

/**
 * `order.cancelled`: gives a held reservation back to available stock. A cancel that overtook the
 * placement leaves a tombstone, so the placement, when it comes, reserves nothing.
 */
export function cancelOrder(
  orderId: string,
  held: Reservation | undefined,
  stockOf: StockLookup,
  ctx: TransitionContext,
): Change {
  if (!held) return { ...NOTHING, reservation: tombstone(orderId, 'cancelled', ctx) };
  if (held.state !== 'reserved') return NOTHING;
  return {
    items: held.items.map((line) => {
      const item = heldItem(stockOf, line, orderId);
      return { ...item, reserved: item.reserved - line.quantity, updatedAt: ctx.now };
    }),
    reservation: { ...held, state: 'released', updatedAt: ctx.now },
    events: [{ type: 'io.stockflow.stock.released', subject: orderId, data: { orderId, items: held.items } }],
  };
}

/**
 * `order.shipped`: the held stock leaves `onHand` (reserved and onHand drop together, available does
 * not move). Only what is reserved for the order is committed; otherwise it is recorded and ignored.
 */
export function shipOrder(
  orderId: string,
  held: Reservation | undefined,
  stockOf: StockLookup,
  ctx: TransitionContext,
): Change {
  if (!held) {
    return {
      ...NOTHING,
      reservation: tombstone(orderId, 'shipped', ctx),
      notice: `order ${orderId} shipped with nothing reserved: no stock was moved`,
    };
  }
  if (held.state !== 'reserved') {
    if (held.state === 'committed' || held.state === 'shipped') return NOTHING;
    return { ...NOTHING, notice: `order ${orderId} shipped while its reservation is ${held.state}: ignored` };
  }
  return {
    items: held.items.map((line) => {
      const item = heldItem(stockOf, line, orderId);
      return {
        ...item,
        onHand: item.onHand - line.quantity,
        reserved: item.reserved - line.quantity,
        updatedAt: ctx.now,
      };
    }),
    reservation: { ...held, state: 'committed', updatedAt: ctx.now },
    events: [
      { type: 'io.stockflow.stock.committed', subject: orderId, data: { orderId, items: held.items } },
    ],
  };
}

/**
 * An admin's correction of `onHand` (a count, breakage, a return). Creates the stock record when the
 * product's events have not arrived yet. Throws StockBelowReservedError rather than touch reservations.
 */
export function adjustStock(
  productId: string,
  item: StockItem | undefined,
  adjustment: { delta: number; reason: string },
  ctx: TransitionContext,
): Change {
  const before = item ?? newStockItem(productId, ctx);
  const onHand = before.onHand + adjustment.delta;
  if (onHand < before.reserved) throw new StockBelowReservedError(before, adjustment.delta);
  const after = { ...before, onHand, updatedAt: ctx.now };
  return {
    items: [after],
    events: [
      {
        type: 'io.stockflow.stock.adjusted',
        subject: productId,
        data: {
          productId,
          delta: adjustment.delta,
          reason: adjustment.reason,
          onHand: after.onHand,
          reserved: after.reserved,
          available: available(after),
        },
      },
      ...lowStockAlert(item, after),
    ],
  };
}

/** `goods.received` from a warehouse or supplier: adds to `onHand`, announced as an adjustment. */
export function receiveGoods(
  item: StockItem | undefined,
  goods: { productId: string; quantity: number; reference: string },
  ctx: TransitionContext,
): Change {
  const reason = `goods received (${goods.reference})`;
  return adjustStock(goods.productId, item, { delta: goods.quantity, reason }, ctx);
}

/** An admin sets the threshold; raising it above what is available is low stock now. */
export function setLowStockThreshold(
  productId: string,
  item: StockItem | undefined,
  lowStockThreshold: number,
  ctx: TransitionContext,
): Change {
  const before = item ?? newStockItem(productId, ctx);
  const after = { ...before, lowStockThreshold, updatedAt: ctx.now };
  return { items: [after], events: lowStockAlert(item, after) };
}

/**
 * `product.created|updated|archived`: keeps the stock record in step with the catalog, newest version
 * first (an older version arriving late changes nothing). Creating leaves stock already counted.
 */
export function applyProduct(item: StockItem | undefined, product: Product, ctx: TransitionContext): Change {
  if (item && product.version <= item.productVersion) return NOTHING;
  const before = item ?? newStockItem(product.id, ctx);
  return {
    items: [
      {
        ...before,
        archived: product.status === 'archived',
        productVersion: product.version,
        updatedAt: ctx.now,
      },
    ],
    events: [],
  };
}

/**
 * The stock equation over a whole inventory: each item's `reserved` is the sum of the lines held by
 * `reserved` reservations, and `0 ≤ reserved ≤ onHand`. Returns what breaks it (nothing when sound).
 */
export function auditStock(items: Iterable<StockItem>, reservations: Iterable<Reservation>): string[] {
  const held = new Map<string, number>();
  for (const reservation of reservations) {
    if (reservation.state !== 'reserved') continue;
    for (const line of reservation.items) {
      held.set(line.productId, (held.get(line.productId) ?? 0) + line.quantity);
    }
  }
  const problems: string[] = [];
  for (const item of items) {
    const { productId, onHand, reserved } = item;
    if (reserved < 0 || reserved > onHand)
      problems.push(`${productId}: reserved ${reserved}, onHand ${onHand}`);
    const expected = held.get(productId) ?? 0;
    if (expected !== reserved)
      problems.push(`${productId}: reserved ${reserved}, reservations hold ${expected}`);
    held.delete(productId);
  }
  for (const [productId, quantity] of held) problems.push(`${productId}: ${quantity} held, no stock record`);
  return problems;
}

/** `stock.low` when a change takes an existing, active item from above its threshold to at or below. */
function lowStockAlert(before: StockItem | undefined, after: StockItem): StockEvent[] {
  if (!before || isLow(before) || !isLow(after) || after.archived) return [];
  const { productId } = after;
  return [
    {
      type: 'io.stockflow.stock.low',
      subject: productId,
      data: { productId, available: available(after), threshold: after.lowStockThreshold },
    },
  ];
}

function tombstone(orderId: string, state: 'cancelled' | 'shipped', ctx: TransitionContext): Reservation {
  return { orderId, state, items: [], shortages: [], updatedAt: ctx.now };
}

/** The item a reservation line holds stock in; it must hold at least the line's quantity. */
function heldItem(stockOf: StockLookup, line: OrderLine, orderId: string): StockItem {
  const item = stockOf(line.productId);
  if (!item || item.reserved < line.quantity) {
    throw new StockInvariantError(
      `order ${orderId} holds ${line.quantity} of ${line.productId}, but only ${item?.reserved ?? 0} is reserved`,
    );
  }
  return item;
}
