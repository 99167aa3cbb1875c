/**
 * @module Inventory's Firestore adapter (database `inventory`): `stock`, one document per product (its
 * levels per location in a map, with the derived `available` and `low`, for reads and the low-stock
 * query), `reservations` one per order, `transfers`, `movements` (the audit trail, written in the
 * transaction of the change) and the locations list (`settings/locations`). Changes go through an
 * InventoryUnit inside a transaction; the API's reads go straight to Firestore.
 */
import type { DocumentData, DocumentSnapshot, Firestore, Query } from '@google-cloud/firestore';
import type { Location, Movement, MovementActor, Page, Transfer } from '@stockflow/contracts';
import { readPage, type Work } from '@stockflow/kit';
import * as z from 'zod/mini';
import {
  available,
  type Change,
  isLow,
  knownLocations,
  type MovementDraft,
  type Reservation,
  type StockItem,
} from './stock.ts';

export const STOCK = 'stock';
export const RESERVATIONS = 'reservations';
export const TRANSFERS = 'transfers';
export const MOVEMENTS = 'movements';
/** `imports/{sha256}`: a CSV import applied in full. */
export const IMPORTS = 'imports';
/** `settings/locations`: `{locations: Location[]}`, absent until the first location is configured. */
export const SETTINGS = 'settings';
const LOCATIONS_DOC = 'locations';

/** The documents a group of commands reads. */
export interface UnitKeys {
  productIds: Iterable<string>;
  orderIds: Iterable<string>;
  transferIds?: Iterable<string>;
}

interface StockDocument extends StockItem {
  available: number;
  low: boolean;
}

const toDocument = (item: StockItem): StockDocument => ({
  ...item,
  available: available(item),
  low: isLow(item),
});

function fromDocument(data: DocumentData): StockItem {
  const { available: _available, low: _low, ...item } = data as StockDocument;
  return item;
}

/** Where a listing continues: the last product id. */
const Position = z.tuple([z.string()]);

/**
 * The documents a group of changes reads and writes in one transaction: loaded up front (a
 * reservation's products with it), changed in memory, written once at the end, so all reads come
 * before all writes as Firestore requires.
 */
export class InventoryUnit {
  readonly #work: Work;
  /** Documents already read in this transaction, by path. */
  readonly #prefetched: ReadonlyMap<string, DocumentSnapshot>;
  readonly #stock = new Map<string, StockItem>();
  readonly #reservations = new Map<string, Reservation>();
  readonly #transfers = new Map<string, Transfer>();
  #locations: Location[] = [];
  readonly #changedStock = new Set<string>();
  readonly #changedReservations = new Set<string>();
  readonly #changedTransfers = new Set<string>();
  #locationsChanged = false;
  readonly #movements: MovementDraft[] = [];
  /** Paths read so far (the locations list is among every key set: read once). */
  readonly #loaded = new Set<string>();

  private constructor(work: Work, read: ReadonlyMap<string, DocumentSnapshot>) {
    this.#work = work;
    this.#prefetched = read;
  }

  /**
   * The documents `load` reads for these keys (before what the reservations and transfers it finds
   * hold), the locations list always among them: one read in the same round trip, in every group.
   */
  static refs(db: Firestore, keys: UnitKeys) {
    return [
      db.collection(SETTINGS).doc(LOCATIONS_DOC),
      ...[...new Set(keys.productIds)].map((id) => db.collection(STOCK).doc(id)),
      ...[...new Set(keys.orderIds)].map((id) => db.collection(RESERVATIONS).doc(id)),
      ...[...new Set(keys.transferIds ?? [])].map((id) => db.collection(TRANSFERS).doc(id)),
    ];
  }

  /** Reads the unit for these keys in `work`; documents in `read` (by path) are not read again. */
  static async load(
    work: Work,
    keys: UnitKeys,
    read: ReadonlyMap<string, DocumentSnapshot> = new Map(),
  ): Promise<InventoryUnit> {
    const unit = new InventoryUnit(work, read);
    const orderIds = [...new Set(keys.orderIds)];
    const transferIds = [...new Set(keys.transferIds ?? [])];
    await unit.#read({ productIds: [...new Set(keys.productIds)], orderIds, transferIds });
    // Cancelling or shipping an order, or moving a transfer, touches the products they hold.
    const held = [
      ...orderIds.flatMap((id) => unit.#reservations.get(id)?.items ?? []),
      ...transferIds.flatMap((id) => unit.#transfers.get(id)?.lines ?? []),
    ];
    const more = [...new Set(held.map((line) => line.productId))].filter((id) => !unit.#stock.has(id));
    if (more.length) await unit.#read({ productIds: more, orderIds: [] });
    return unit;
  }

  transfer(id: string): Transfer | undefined {
    return this.#transfers.get(id);
  }

  /** The configured locations, the default one among them. */
  locations(): readonly Location[] {
    return knownLocations({ locations: this.#locations });
  }

  /** The stock item of a product (undefined: none yet). An arrow, to pass around as a StockLookup. */
  readonly stock = (productId: string): StockItem | undefined => this.#stock.get(productId);

  reservation(orderId: string): Reservation | undefined {
    return this.#reservations.get(orderId);
  }

  /** Takes a change's new states and stages its events (they commit with the transaction). */
  apply(change: Change): void {
    for (const item of change.items) {
      this.#stock.set(item.productId, item);
      this.#changedStock.add(item.productId);
    }
    if (change.reservation) {
      this.#reservations.set(change.reservation.orderId, change.reservation);
      this.#changedReservations.add(change.reservation.orderId);
    }
    if (change.transfer) {
      this.#transfers.set(change.transfer.id, change.transfer);
      this.#changedTransfers.add(change.transfer.id);
    }
    if (change.locations) {
      this.#locations = change.locations;
      this.#locationsChanged = true;
    }
    this.#movements.push(...(change.movements ?? []));
    for (const event of change.events) this.#work.emit(event);
  }

  /** Writes every document a change touched, once. */
  save(): void {
    const { tx, db } = this.#work;
    for (const id of this.#changedStock)
      tx.set(db.collection(STOCK).doc(id), toDocument(this.#stock.get(id)!));
    for (const id of this.#changedReservations) {
      tx.set(db.collection(RESERVATIONS).doc(id), this.#reservations.get(id)!);
    }
    for (const id of this.#changedTransfers)
      tx.set(db.collection(TRANSFERS).doc(id), this.#transfers.get(id)!);
    if (this.#locationsChanged) {
      tx.set(db.collection(SETTINGS).doc(LOCATIONS_DOC), { locations: this.#locations });
    }
    for (const movement of this.#movements) {
      const ref = db.collection(MOVEMENTS).doc();
      tx.set(ref, { id: ref.id, ...movement });
    }
  }

  async #read(keys: { productIds: string[]; orderIds: string[]; transferIds?: string[] }): Promise<void> {
    const { tx, db } = this.#work;
    const refs = InventoryUnit.refs(db, keys).filter((ref) => !this.#loaded.has(ref.path));
    for (const ref of refs) this.#loaded.add(ref.path);
    const unread = refs.filter((ref) => !this.#prefetched.has(ref.path));
    const snaps = [
      ...refs.flatMap((ref) => this.#prefetched.get(ref.path) ?? []),
      ...(unread.length ? await tx.getAll(...unread) : []),
    ];
    for (const snap of snaps) {
      if (!snap.exists) continue;
      const collection = snap.ref.parent.id;
      if (collection === STOCK) this.#stock.set(snap.id, fromDocument(snap.data()!));
      else if (collection === RESERVATIONS) this.#reservations.set(snap.id, snap.data() as Reservation);
      else if (collection === TRANSFERS) this.#transfers.set(snap.id, snap.data() as Transfer);
      else this.#locations = (snap.get('locations') as Location[] | undefined) ?? [];
    }
  }
}

export interface StockQuery {
  /** Only items at or below their low-stock threshold. */
  low: boolean;
  limit: number;
  cursor?: string;
}

export interface TransferQuery {
  state?: Transfer['state'];
  limit: number;
  cursor?: string;
}

export interface MovementFilter {
  productId?: string;
  locationId?: string;
  /** ISO time, inclusive. */
  since?: string;
  limit: number;
  cursor?: string;
}

/** Where a newest-first listing continues: the last item's time and id. */
const TimePosition = z.tuple([z.string(), z.string()]);

/** Movements matching the filter, newest first (composite indexes: see docs/inventory.md). */
function movementQuery(db: Firestore, filter: Omit<MovementFilter, 'limit' | 'cursor'>) {
  let query: Query = db.collection(MOVEMENTS);
  if (filter.productId) query = query.where('productId', '==', filter.productId);
  if (filter.locationId) query = query.where('locationId', '==', filter.locationId);
  if (filter.since) query = query.where('at', '>=', filter.since);
  return query.orderBy('at', 'desc').orderBy('__name__', 'desc');
}

/** Reads for the API and for audits, outside any transaction. */
export class InventoryStore {
  readonly #db: () => Promise<Firestore>;

  constructor(db: () => Promise<Firestore>) {
    this.#db = db;
  }

  /** The stock items of these products (absent when a product has none). */
  async items(productIds: readonly string[]): Promise<Map<string, StockItem>> {
    const found = new Map<string, StockItem>();
    if (!productIds.length) return found;
    const db = await this.#db();
    const snaps = await db.getAll(...productIds.map((id) => db.collection(STOCK).doc(id)));
    for (const snap of snaps) if (snap.exists) found.set(snap.id, fromDocument(snap.data()!));
    return found;
  }

  /** How many items are at or below their low-stock threshold: one aggregation, no documents read. */
  async countLow(): Promise<number> {
    const snapshot = await (await this.#db()).collection(STOCK).where('low', '==', true).count().get();
    return snapshot.data().count;
  }

  /** Stock items by product id, a page at a time. */
  async list({ low, limit, cursor }: StockQuery): Promise<Page<StockItem>> {
    const stock = (await this.#db()).collection(STOCK);
    const query = (low ? stock.where('low', '==', true) : stock).orderBy('__name__');
    return readPage(query, {
      limit,
      cursor,
      position: Position,
      at: (doc) => [doc.id],
      item: (doc) => fromDocument(doc.data()),
    });
  }

  /** The configured locations, the default one among them. */
  async locations(): Promise<readonly Location[]> {
    const snap = await (await this.#db()).collection(SETTINGS).doc(LOCATIONS_DOC).get();
    return knownLocations({ locations: (snap.get('locations') as Location[] | undefined) ?? [] });
  }

  async transfer(id: string): Promise<Transfer | undefined> {
    const snap = await (await this.#db()).collection(TRANSFERS).doc(id).get();
    return snap.exists ? (snap.data() as Transfer) : undefined;
  }

  /** Transfers, newest first, optionally in one state. */
  async transfers({ state, limit, cursor }: TransferQuery): Promise<Page<Transfer>> {
    const transfers = (await this.#db()).collection(TRANSFERS);
    const query = (state ? transfers.where('state', '==', state) : transfers)
      .orderBy('createdAt', 'desc')
      .orderBy('__name__', 'desc');
    return readPage(query, {
      limit,
      cursor,
      position: TimePosition,
      at: (doc) => [doc.get('createdAt') as string, doc.id],
      item: (doc) => doc.data() as Transfer,
    });
  }

  /** Movements, newest first, of a product and/or location, from `since` on. */
  async movements({ productId, locationId, since, limit, cursor }: MovementFilter): Promise<Page<Movement>> {
    return readPage(movementQuery(await this.#db(), { productId, locationId, since }), {
      limit,
      cursor,
      position: TimePosition,
      at: (doc) => [doc.get('at') as string, doc.id],
      item: (doc) => doc.data() as Movement,
    });
  }

  /** Every movement matching the filter, newest first, a page at a time (CSV export). */
  async *movementPages(filter: Omit<MovementFilter, 'limit' | 'cursor'>, pageSize = 500) {
    let cursor: string | undefined;
    do {
      const page = await this.movements({ ...filter, limit: pageSize, ...(cursor ? { cursor } : {}) });
      if (page.items.length) yield page.items;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  async importApplied(fileHash: string): Promise<boolean> {
    return (await (await this.#db()).collection(IMPORTS).doc(fileHash).get()).exists;
  }

  async markImportApplied(fileHash: string, summary: { rows: number; actor: MovementActor }): Promise<void> {
    await (await this.#db())
      .collection(IMPORTS)
      .doc(fileHash)
      .set({ ...summary, appliedAt: new Date().toISOString() });
  }

  /**
   * Every document of a collection in pages of `pageSize` by id, for exports and rebuilds that must
   * not hold a whole collection in memory.
   */
  async *scan<T>(collection: 'stock' | 'movements', pageSize = 500): AsyncGenerator<T[]> {
    const db = await this.#db();
    let after: string | undefined;
    for (;;) {
      let query = db.collection(collection).orderBy('__name__').limit(pageSize);
      if (after) query = query.startAfter(after);
      const snap = await query.get();
      if (snap.empty) return;
      yield snap.docs.map((doc) => (collection === STOCK ? fromDocument(doc.data()) : doc.data()) as T);
      after = snap.docs.at(-1)!.id;
      if (snap.size < pageSize) return;
    }
  }

  /** Every stock item, reservation, transfer and movement: for audits and rebuilds (tests, benches). */
  async everything(): Promise<{
    items: StockItem[];
    reservations: Reservation[];
    transfers: Transfer[];
    movements: Movement[];
  }> {
    const db = await this.#db();
    const [stock, reservations, transfers, movements] = await Promise.all(
      [STOCK, RESERVATIONS, TRANSFERS, MOVEMENTS].map((name) => db.collection(name).get()),
    );
    return {
      items: stock!.docs.map((doc) => fromDocument(doc.data())),
      reservations: reservations!.docs.map((doc) => doc.data() as Reservation),
      transfers: transfers!.docs.map((doc) => doc.data() as Transfer),
      movements: movements!.docs.map((doc) => doc.data() as Movement),
    };
  }
}
