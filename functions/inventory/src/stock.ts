/**
 * @module Inventory's domain: a stock item per product (its levels per location in one map), a
 * reservation per order (with the locations holding it), and the transitions that are their only
 * writers. Pure (no I/O, no clock): a transition takes the state it reads and returns the state it
 * writes, the movements (the audit trail of onHand) and the events it causes, or throws a refusal.
 */
import {
  type Allocation,
  DEFAULT_LOCATION_ID,
  type EventData,
  type Location,
  type MovementActor,
  type MovementReason,
  type OrderLine,
  type Product,
  type Shortage,
  type StockLevel,
  type Transfer,
} from '@stockflow/contracts';

/** One product's levels at one location. Invariant: `0 ≤ reserved ≤ onHand`, `inTransit ≥ 0`. */
export interface LocationLevels {
  onHand: number;
  reserved: number;
  /** Dispatched towards this location by transfers and not yet received. */
  inTransit: number;
}

/**
 * The stock of one product: per location, and the totals over its locations (what the shop reads).
 * Invariant: each location's `0 ≤ reserved ≤ onHand`, so `available` is never negative anywhere.
 */
export interface StockItem {
  productId: string;
  /** Sum over the locations. */
  onHand: number;
  /** Held for orders that are placed but not yet shipped or cancelled (sum over the locations). */
  reserved: number;
  /**
   * Levels per location id, in the product's one document (so a group commit still writes one
   * document per product). Absent on stock stored before locations: all of it is in the default
   * location (`locationsOf` reads it so; the next write stores the map).
   */
  locations?: Record<string, LocationLevels>;
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
  /**
   * Where the held lines are: per product and location (a line split over locations has several).
   * Absent on reservations stored before locations: each line in the default location.
   */
  allocations?: Allocation[];
  /** The locations whose shipment has left (their allocations committed) while others still wait. */
  shippedLocations?: string[];
  /** Why it was `rejected`. */
  shortages: Shortage[];
  updatedAt: string;
}

/** A change of onHand at one location, as the transition decides it (the store adds id and time). */
export interface MovementDraft {
  productId: string;
  locationId: string;
  delta: number;
  reason: MovementReason;
  before: number;
  after: number;
  reference?: string;
  note?: string;
  actor: MovementActor;
  at: string;
}

/** How `order.placed` picks locations: by priority, or the location with most available first. */
export type AllocationStrategy = 'priority' | 'most-stock';

/** The default location, there even before any location is configured. */
export const DEFAULT_LOCATION: Location = {
  id: DEFAULT_LOCATION_ID,
  name: 'Default location',
  priority: 0,
  active: true,
};

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

/** What a transition writes: whole new states, and the movements and events committed with them. */
export interface Change {
  items: StockItem[];
  reservation?: Reservation;
  /** The onHand changes, one per (product, location) moved. */
  movements?: MovementDraft[];
  /** A transfer's new state. */
  transfer?: Transfer;
  /** The whole new list of configured locations. */
  locations?: Location[];
  events: StockEvent[];
  /** For the operator's log: events arrived in an order the saga itself never produces. */
  notice?: string;
}

/** What transitions read besides state. */
export interface TransitionContext {
  now: string;
  /** The low-stock threshold of a new stock item. */
  defaultLowStockThreshold: number;
  /** The configured locations (the default one among them); absent: the default location only. */
  locations?: readonly Location[];
  /** Absent: `priority`. */
  strategy?: AllocationStrategy;
  /** Who asked for the change (recorded on movements); absent: inventory itself. */
  actor?: MovementActor;
}

export type StockLookup = (productId: string) => StockItem | undefined;

/** An adjustment would leave less on hand than is reserved (or less than nothing). */
export class StockBelowReservedError extends Error {
  constructor(
    readonly item: StockItem,
    readonly delta: number,
    readonly locationId: string = DEFAULT_LOCATION_ID,
  ) {
    const at = levelsAt(item, locationId);
    super(
      `Adjusting ${item.productId} at ${locationId} by ${delta} would leave ${at.onHand + delta} on hand, ` +
        `below the ${at.reserved} reserved there.`,
    );
    this.name = 'StockBelowReservedError';
  }
}

/** A change names a location that is not configured. */
export class UnknownLocationError extends Error {
  constructor(readonly locationId: string) {
    super(`There is no location ${locationId}.`);
    this.name = 'UnknownLocationError';
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

const NO_LEVELS: LocationLevels = { onHand: 0, reserved: 0, inTransit: 0 };

/** An item's levels per location; stock stored before locations is all in the default location. */
export function locationsOf(item: StockItem): Record<string, LocationLevels> {
  return (
    item.locations ?? {
      [DEFAULT_LOCATION_ID]: { onHand: item.onHand, reserved: item.reserved, inTransit: 0 },
    }
  );
}

export const levelsAt = (item: StockItem | undefined, locationId: string): LocationLevels =>
  (item && locationsOf(item)[locationId]) ?? NO_LEVELS;

/** Units dispatched towards any location of the product and not yet received. */
export const inTransit = (item: StockItem): number =>
  Object.values(locationsOf(item)).reduce((sum, levels) => sum + levels.inTransit, 0);

/** The item with one location's levels replaced and its totals rolled up again. */
export function withLevels(
  item: StockItem,
  locationId: string,
  levels: LocationLevels,
  now: string,
): StockItem {
  const locations = { ...locationsOf(item), [locationId]: levels };
  let onHand = 0;
  let reserved = 0;
  for (const at of Object.values(locations)) {
    onHand += at.onHand;
    reserved += at.reserved;
  }
  return { ...item, locations, onHand, reserved, updatedAt: now };
}

/** The configured locations, the default one always among them. */
export function knownLocations(ctx: Pick<TransitionContext, 'locations'>): readonly Location[] {
  const configured = ctx.locations ?? [];
  return configured.some((location) => location.id === DEFAULT_LOCATION_ID)
    ? configured
    : [DEFAULT_LOCATION, ...configured];
}

/** The location id a change names (the default when absent); refused when it is not configured. */
export function knownLocation(ctx: Pick<TransitionContext, 'locations'>, locationId?: string): string {
  const id = locationId ?? DEFAULT_LOCATION_ID;
  if (!knownLocations(ctx).some((location) => location.id === id)) throw new UnknownLocationError(id);
  return id;
}

const systemActor: MovementActor = { system: 'inventory' };

/** Moves onHand at one location by `delta`, with the movement that records it. */
export function moveOnHand(
  item: StockItem,
  locationId: string,
  delta: number,
  record: { reason: MovementReason; reference?: string; note?: string },
  ctx: TransitionContext,
): { item: StockItem; movement: MovementDraft } {
  const levels = levelsAt(item, locationId);
  const after = levels.onHand + delta;
  return {
    item: withLevels(item, locationId, { ...levels, onHand: after }, ctx.now),
    movement: {
      productId: item.productId,
      locationId,
      delta,
      before: levels.onHand,
      after,
      ...record,
      actor: ctx.actor ?? systemActor,
      at: ctx.now,
    },
  };
}

/**
 * Splits `quantity` of a product over the active locations, in the strategy's order, taking what
 * each has available; undefined when all of them together have less.
 */
export function allocate(
  item: StockItem,
  quantity: number,
  ctx: Pick<TransitionContext, 'locations' | 'strategy'>,
): Allocation[] | undefined {
  const candidates = knownLocations(ctx)
    .filter((location) => location.active)
    .map((location) => {
      const levels = levelsAt(item, location.id);
      return { location, free: levels.onHand - levels.reserved };
    })
    .filter((candidate) => candidate.free > 0);
  const byPriority = (a: (typeof candidates)[number], b: (typeof candidates)[number]) =>
    a.location.priority - b.location.priority || (a.location.id < b.location.id ? -1 : 1);
  candidates.sort(ctx.strategy === 'most-stock' ? (a, b) => b.free - a.free || byPriority(a, b) : byPriority);
  const allocations: Allocation[] = [];
  let left = quantity;
  for (const { location, free } of candidates) {
    if (left === 0) break;
    const take = Math.min(free, left);
    allocations.push({ productId: item.productId, locationId: location.id, quantity: take });
    left -= take;
  }
  return left === 0 ? allocations : undefined;
}

/** What can be allocated of a product now: available over its active locations. */
export function allocatable(item: StockItem, ctx: Pick<TransitionContext, 'locations'>): number {
  return knownLocations(ctx)
    .filter((location) => location.active)
    .reduce((sum, location) => {
      const levels = levelsAt(item, location.id);
      return sum + levels.onHand - levels.reserved;
    }, 0);
}

/** Where a reservation's lines are held; one stored before locations holds them in the default location. */
export const allocationsOf = (reservation: Reservation): Allocation[] =>
  reservation.allocations ?? reservation.items.map((line) => ({ ...line, locationId: DEFAULT_LOCATION_ID }));

export function newStockItem(productId: string, ctx: TransitionContext): StockItem {
  return {
    productId,
    onHand: 0,
    reserved: 0,
    locations: {},
    lowStockThreshold: ctx.defaultLowStockThreshold,
    archived: false,
    productVersion: 0,
    updatedAt: ctx.now,
  };
}

/** An item's levels as the admin API shows them (contracts' StockLevel), per location too. */
export function stockLevel(
  productId: string,
  item: StockItem | undefined,
  defaultThreshold: number,
): StockLevel {
  const threshold = item?.lowStockThreshold ?? defaultThreshold;
  const onHand = item?.onHand ?? 0;
  const reserved = item?.reserved ?? 0;
  const locations = item
    ? Object.entries(locationsOf(item))
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([locationId, at]) => ({
          locationId,
          onHand: at.onHand,
          reserved: at.reserved,
          available: at.onHand - at.reserved,
          inTransit: at.inTransit,
          low: at.onHand - at.reserved <= threshold,
        }))
    : [];
  return {
    productId,
    onHand,
    reserved,
    available: onHand - reserved,
    inTransit: item ? inTransit(item) : 0,
    lowStockThreshold: threshold,
    low: onHand - reserved <= threshold,
    updatedAt: item?.updatedAt ?? null,
    locations,
  };
}

/** One line per product, quantities summed: an order may name a product twice. */
export function mergeLines(lines: readonly OrderLine[]): OrderLine[] {
  const merged = new Map<string, number>();
  for (const line of lines) merged.set(line.productId, (merged.get(line.productId) ?? 0) + line.quantity);
  return [...merged].map(([productId, quantity]) => ({ productId, quantity }));
}

/**
 * `order.placed`: reserves every line or none, each line from the active locations in the shop's
 * strategy order, split over several when one is short. A product that is unknown or archived has
 * nothing available. An order this function has already decided (or seen cancelled or shipped)
 * changes nothing.
 */
export function reserveOrderStock(
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
  const allocations: Allocation[] = [];
  const shortages: Shortage[] = [];
  for (const line of items) {
    const item = stockOf(line.productId);
    const split = item && !item.archived ? allocate(item, line.quantity, ctx) : undefined;
    if (split) allocations.push(...split);
    else {
      const free = item && !item.archived ? allocatable(item, ctx) : 0;
      shortages.push({ productId: line.productId, requested: line.quantity, available: free });
    }
  }
  if (shortages.length) {
    return {
      items: [],
      reservation: { orderId, state: 'rejected', items, shortages, updatedAt: ctx.now },
      events: [{ type: 'io.stockflow.stock.rejected', subject: orderId, data: { orderId, shortages } }],
    };
  }
  const moved = items.map((line) => {
    const before = stockOf(line.productId)!;
    let after = before;
    for (const at of allocations.filter((a) => a.productId === line.productId)) {
      const levels = levelsAt(after, at.locationId);
      after = withLevels(
        after,
        at.locationId,
        { ...levels, reserved: levels.reserved + at.quantity },
        ctx.now,
      );
    }
    return { before, after };
  });
  return {
    items: moved.map(({ after }) => after),
    reservation: {
      orderId,
      state: 'reserved',
      items,
      allocations,
      shippedLocations: [],
      shortages: [],
      updatedAt: ctx.now,
    },
    events: [
      { type: 'io.stockflow.stock.reserved', subject: orderId, data: { orderId, items, allocations } },
      ...moved.flatMap(({ before, after }) => lowStockAlert(before, after)),
    ],
  };
}

/** The allocations of a held reservation that have not shipped yet. */
const unshipped = (held: Reservation): Allocation[] =>
  allocationsOf(held).filter((a) => !(held.shippedLocations ?? []).includes(a.locationId));

/** Per product, the quantities of these allocations as order lines. */
const linesOf = (allocations: readonly Allocation[]): OrderLine[] => mergeLines(allocations);

/**
 * Applies `each` to the item of every allocation in turn (a product's several locations one after
 * the other on the same item): the new items, one per product, and the movements.
 */
function alongAllocations(
  allocations: readonly Allocation[],
  stockOf: StockLookup,
  orderId: string,
  each: (item: StockItem, at: Allocation) => { item: StockItem; movement?: MovementDraft },
): { items: StockItem[]; movements: MovementDraft[] } {
  const items = new Map<string, StockItem>();
  const movements: MovementDraft[] = [];
  for (const at of allocations) {
    const item = items.get(at.productId) ?? heldItem(stockOf, at, orderId);
    if (levelsAt(item, at.locationId).reserved < at.quantity) {
      throw new StockInvariantError(
        `order ${orderId} holds ${at.quantity} of ${at.productId} at ${at.locationId}, but only ` +
          `${levelsAt(item, at.locationId).reserved} is reserved there`,
      );
    }
    const next = each(item, at);
    items.set(at.productId, next.item);
    if (next.movement) movements.push(next.movement);
  }
  return { items: [...items.values()], movements };
}

/**
 * `order.cancelled`: gives what a held reservation still holds (its unshipped locations) back to
 * available stock. A cancel that overtook the placement leaves a tombstone, so the placement, when
 * it comes, reserves nothing.
 */
export function releaseOrderStock(
  orderId: string,
  held: Reservation | undefined,
  stockOf: StockLookup,
  ctx: TransitionContext,
): Change {
  if (!held) return { ...NOTHING, reservation: tombstone(orderId, 'cancelled', ctx) };
  if (held.state !== 'reserved') return NOTHING;
  const releasing = unshipped(held);
  const { items } = alongAllocations(releasing, stockOf, orderId, (item, at) => {
    const levels = levelsAt(item, at.locationId);
    return {
      item: withLevels(item, at.locationId, { ...levels, reserved: levels.reserved - at.quantity }, ctx.now),
    };
  });
  return {
    items,
    reservation: { ...held, state: 'released', updatedAt: ctx.now },
    events: [
      {
        type: 'io.stockflow.stock.released',
        subject: orderId,
        data: { orderId, items: linesOf(releasing) },
      },
    ],
  };
}

/** Commits allocations: the held stock leaves `onHand` as `sold` movements (available does not move). */
function commitAllocations(
  allocations: readonly Allocation[],
  stockOf: StockLookup,
  orderId: string,
  ctx: TransitionContext,
) {
  return alongAllocations(allocations, stockOf, orderId, (item, at) => {
    const { item: moved, movement } = moveOnHand(
      item,
      at.locationId,
      -at.quantity,
      { reason: 'sold', reference: orderId },
      ctx,
    );
    const levels = levelsAt(moved, at.locationId);
    return {
      item: withLevels(moved, at.locationId, { ...levels, reserved: levels.reserved - at.quantity }, ctx.now),
      movement,
    };
  });
}

/**
 * `order.shipped` (the whole order at once, as before shipments per location): every location not
 * shipped yet commits its lines. Only what is reserved for the order is committed; otherwise it is
 * recorded and ignored.
 */
export function commitShippedOrder(
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
  const committing = unshipped(held);
  const { items, movements } = commitAllocations(committing, stockOf, orderId, ctx);
  return {
    items,
    movements,
    reservation: {
      ...held,
      state: 'committed',
      shippedLocations: [...new Set(allocationsOf(held).map((a) => a.locationId))],
      updatedAt: ctx.now,
    },
    events: [
      {
        type: 'io.stockflow.stock.committed',
        subject: orderId,
        data: { orderId, items: linesOf(committing) },
      },
    ],
  };
}

/**
 * `shipment.shipped`: one location's part of an order left; its allocations are committed. The
 * reservation is `committed` once every location has shipped. A shipment already committed (or of
 * an order not reserved) changes nothing.
 */
export function shipShipment(
  shipment: { orderId: string; shipmentId: string; locationId: string },
  held: Reservation | undefined,
  stockOf: StockLookup,
  ctx: TransitionContext,
): Change {
  const { orderId, locationId, shipmentId } = shipment;
  // Committed already: the whole order's `order.shipped` overtook this shipment.
  if (held?.state === 'committed') return NOTHING;
  if (held?.state !== 'reserved') {
    return {
      ...NOTHING,
      notice: `shipment ${shipmentId} of order ${orderId} while its reservation is ${held?.state ?? 'absent'}: ignored`,
    };
  }
  const shippedLocations = held.shippedLocations ?? [];
  if (shippedLocations.includes(locationId)) return NOTHING;
  const committing = allocationsOf(held).filter((a) => a.locationId === locationId);
  if (!committing.length) {
    return { ...NOTHING, notice: `order ${orderId} holds nothing at ${locationId}: shipment ignored` };
  }
  const { items, movements } = commitAllocations(committing, stockOf, orderId, ctx);
  const nowShipped = [...shippedLocations, locationId];
  const done = allocationsOf(held).every((a) => nowShipped.includes(a.locationId));
  return {
    items,
    movements,
    reservation: {
      ...held,
      state: done ? 'committed' : 'reserved',
      shippedLocations: nowShipped,
      updatedAt: ctx.now,
    },
    events: [
      {
        type: 'io.stockflow.stock.committed',
        subject: orderId,
        data: { orderId, items: linesOf(committing), locationId, shipmentId },
      },
    ],
  };
}

export interface AdjustmentInput {
  delta: number;
  /** Free text (the movement's note, the event's reason). */
  reason: string;
  /** Absent: the default location. */
  locationId?: string;
  /** The movement's reason; `adjusted` when absent. */
  kind?: Extract<MovementReason, 'adjusted' | 'damaged' | 'returned' | 'received'>;
  reference?: string;
}

/**
 * A correction of `onHand` at one location (a count, breakage, a return). Creates the stock record
 * when the product's events have not arrived yet. Throws StockBelowReservedError rather than touch
 * reservations, UnknownLocationError for a location that is not configured.
 */
export function adjustStock(
  productId: string,
  item: StockItem | undefined,
  adjustment: AdjustmentInput,
  ctx: TransitionContext,
): Change {
  const locationId = knownLocation(ctx, adjustment.locationId);
  const before = item ?? newStockItem(productId, ctx);
  const levels = levelsAt(before, locationId);
  if (levels.onHand + adjustment.delta < levels.reserved) {
    throw new StockBelowReservedError(before, adjustment.delta, locationId);
  }
  const { item: after, movement } = moveOnHand(
    before,
    locationId,
    adjustment.delta,
    {
      reason: adjustment.kind ?? 'adjusted',
      note: adjustment.reason,
      ...(adjustment.reference ? { reference: adjustment.reference } : {}),
    },
    ctx,
  );
  return {
    items: [after],
    movements: [movement],
    events: [
      {
        type: 'io.stockflow.stock.adjusted',
        subject: productId,
        data: {
          productId,
          locationId,
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

/**
 * A cycle count: the counted quantity replaces onHand at the location, the difference recorded as
 * a `counted` movement (a count that matches is recorded too, with delta 0). Counting less than is
 * reserved there is refused like an adjustment.
 */
export function countStock(
  productId: string,
  item: StockItem | undefined,
  count: { counted: number; locationId?: string; note?: string; reference?: string },
  ctx: TransitionContext,
): Change {
  const locationId = knownLocation(ctx, count.locationId);
  const before = item ?? newStockItem(productId, ctx);
  const levels = levelsAt(before, locationId);
  const delta = count.counted - levels.onHand;
  if (count.counted < levels.reserved) throw new StockBelowReservedError(before, delta, locationId);
  const { item: after, movement } = moveOnHand(
    before,
    locationId,
    delta,
    {
      reason: 'counted',
      ...(count.note ? { note: count.note } : {}),
      ...(count.reference ? { reference: count.reference } : {}),
    },
    ctx,
  );
  const events: StockEvent[] = delta
    ? [
        {
          type: 'io.stockflow.stock.adjusted',
          subject: productId,
          data: {
            productId,
            locationId,
            delta,
            reason: `counted ${count.counted} at ${locationId}`,
            onHand: after.onHand,
            reserved: after.reserved,
            available: available(after),
          },
        },
        ...lowStockAlert(item, after),
      ]
    : [];
  return { items: [after], movements: [movement], events };
}

/**
 * `goods.received` from a warehouse or supplier: adds to `onHand` at its location (the default one
 * when the event has none, as version 1 senders do), announced as an adjustment. A location
 * inventory does not know is received into anyway (goods are there) and noted for the operator: it
 * shows in the stock per location, and allocation uses it once it is configured and active.
 */
export function receiveGoods(
  item: StockItem | undefined,
  goods: { productId: string; quantity: number; reference: string; locationId?: string },
  ctx: TransitionContext,
): Change {
  const reason = `goods received (${goods.reference})`;
  const locationId = goods.locationId ?? DEFAULT_LOCATION_ID;
  const known = knownLocations(ctx).some((location) => location.id === locationId);
  const asKnown: TransitionContext = known
    ? ctx
    : {
        ...ctx,
        locations: [...knownLocations(ctx), { id: locationId, name: locationId, priority: 0, active: false }],
      };
  const change = adjustStock(
    goods.productId,
    item,
    { delta: goods.quantity, reason, locationId, kind: 'received', reference: goods.reference },
    asKnown,
  );
  return known
    ? change
    : { ...change, notice: `goods received at ${locationId}, which is not a configured location` };
}

/** A return staff inspected (contracts' `return.inspected`): what came back, where, and its fate. */
export interface ReturnInspection {
  orderId: string;
  returnId: string;
  locationId: string;
  lines: ReadonlyArray<{ productId: string; quantity: number; outcome: 'restocked' | 'written-off' }>;
}

/**
 * `return.inspected`: the returned goods came back to `locationId`. Each line is a `returned`
 * movement (+quantity); a written-off line is then a `damaged` movement (−quantity) too, so onHand
 * nets to 0 for it while the log still shows the goods came back and were written off. Both carry
 * the reference `return:<returnId>`. A location inventory does not know takes the goods at the
 * default location (noted on the movements and for the operator). One `stock.adjusted` per product
 * whose onHand changed, so projections follow; no reservation moves.
 */
export function returnGoods(
  inspection: ReturnInspection,
  stockOf: StockLookup,
  ctx: TransitionContext,
): Change {
  const { orderId, returnId } = inspection;
  const known = knownLocations(ctx).some((location) => location.id === inspection.locationId);
  const locationId = known ? inspection.locationId : DEFAULT_LOCATION_ID;
  const reference = `return:${returnId}`;
  const elsewhere = known ? '' : ` (inspected at ${inspection.locationId}, not a configured location)`;
  const items = new Map<string, StockItem>();
  const movements: MovementDraft[] = [];
  const move = (productId: string, delta: number, reason: MovementReason, note: string) => {
    const before = items.get(productId) ?? stockOf(productId) ?? newStockItem(productId, ctx);
    const moved = moveOnHand(before, locationId, delta, { reason, reference, note: note + elsewhere }, ctx);
    items.set(productId, moved.item);
    movements.push(moved.movement);
  };
  for (const line of inspection.lines) {
    move(line.productId, line.quantity, 'returned', `returned with order ${orderId}`);
    if (line.outcome === 'written-off') {
      move(line.productId, -line.quantity, 'damaged', `written off on inspection of return ${returnId}`);
    }
  }
  const events: StockEvent[] = [];
  for (const after of items.values()) {
    const delta = after.onHand - (stockOf(after.productId)?.onHand ?? 0);
    if (!delta) continue;
    events.push({
      type: 'io.stockflow.stock.adjusted',
      subject: after.productId,
      data: {
        productId: after.productId,
        locationId,
        delta,
        reason: `returned (${reference})`,
        onHand: after.onHand,
        reserved: after.reserved,
        available: available(after),
      },
    });
  }
  return {
    items: [...items.values()],
    movements,
    events,
    ...(known
      ? {}
      : {
          notice: `return ${returnId} inspected at ${inspection.locationId}, not a configured location: taken at ${locationId}`,
        }),
  };
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
 * The stock equation over a whole inventory, per location: `0 ≤ reserved ≤ onHand` and
 * `inTransit ≥ 0` at every location, each item's totals the sums of its locations, and each
 * location's `reserved` exactly what `reserved` reservations hold there (their unshipped
 * allocations). Returns what breaks it (nothing when sound).
 */
export function auditStock(items: Iterable<StockItem>, reservations: Iterable<Reservation>): string[] {
  const held = new Map<string, number>();
  const key = (productId: string, locationId: string) => `${productId}@${locationId}`;
  for (const reservation of reservations) {
    if (reservation.state !== 'reserved') continue;
    for (const at of unshipped(reservation)) {
      held.set(
        key(at.productId, at.locationId),
        (held.get(key(at.productId, at.locationId)) ?? 0) + at.quantity,
      );
    }
  }
  const problems: string[] = [];
  for (const item of items) {
    const { productId } = item;
    let onHand = 0;
    let reserved = 0;
    for (const [locationId, at] of Object.entries(locationsOf(item))) {
      onHand += at.onHand;
      reserved += at.reserved;
      const where = key(productId, locationId);
      if (at.reserved < 0 || at.reserved > at.onHand)
        problems.push(`${where}: reserved ${at.reserved}, onHand ${at.onHand}`);
      if (at.inTransit < 0) problems.push(`${where}: inTransit ${at.inTransit}`);
      const expected = held.get(where) ?? 0;
      if (expected !== at.reserved)
        problems.push(`${where}: reserved ${at.reserved}, reservations hold ${expected}`);
      held.delete(where);
    }
    if (onHand !== item.onHand || reserved !== item.reserved) {
      problems.push(
        `${productId}: totals ${item.onHand}/${item.reserved}, locations sum to ${onHand}/${reserved}`,
      );
    }
  }
  for (const [where, quantity] of held) problems.push(`${where}: ${quantity} held, no stock there`);
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
