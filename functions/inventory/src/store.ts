/**
 * @module Inventory's Firestore adapter (database `inventory`): `stock`, one document per product (with
 * its derived `available` and `low`, for reads and the low-stock query), and `reservations`, one per
 * order. Changes go through an InventoryUnit inside a transaction; the API's reads go straight to
 * Firestore.
 */
import type { DocumentData, DocumentSnapshot, Firestore } from '@google-cloud/firestore';
import type { Page } from '@stockflow/contracts';
import { readPage, type Work } from '@stockflow/kit';
import * as z from 'zod/mini';
import { available, type Change, isLow, type Reservation, type StockItem } from './stock.ts';

export const STOCK = 'stock';
export const RESERVATIONS = 'reservations';

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
  readonly #changedStock = new Set<string>();
  readonly #changedReservations = new Set<string>();

  private constructor(work: Work, read: ReadonlyMap<string, DocumentSnapshot>) {
    this.#work = work;
    this.#prefetched = read;
  }

  /** The documents `load` reads for these keys (before what the reservations it finds hold). */
  static refs(db: Firestore, keys: { productIds: Iterable<string>; orderIds: Iterable<string> }) {
    return [
      ...[...new Set(keys.productIds)].map((id) => db.collection(STOCK).doc(id)),
      ...[...new Set(keys.orderIds)].map((id) => db.collection(RESERVATIONS).doc(id)),
    ];
  }

  /** Reads the unit for these keys in `work`; documents in `read` (by path) are not read again. */
  static async load(
    work: Work,
    keys: { productIds: Iterable<string>; orderIds: Iterable<string> },
    read: ReadonlyMap<string, DocumentSnapshot> = new Map(),
  ): Promise<InventoryUnit> {
    const unit = new InventoryUnit(work, read);
    const orderIds = [...new Set(keys.orderIds)];
    await unit.#read([...new Set(keys.productIds)], orderIds);
    // Cancelling or shipping an order touches the products its reservation holds.
    const held = orderIds.flatMap((id) => unit.#reservations.get(id)?.items ?? []);
    await unit.#read(
      [...new Set(held.map((line) => line.productId))].filter((id) => !unit.#stock.has(id)),
      [],
    );
    return unit;
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
  }

  async #read(productIds: string[], orderIds: string[]): Promise<void> {
    const { tx, db } = this.#work;
    const refs = InventoryUnit.refs(db, { productIds, orderIds });
    const unread = refs.filter((ref) => !this.#prefetched.has(ref.path));
    const snaps = [
      ...refs.flatMap((ref) => this.#prefetched.get(ref.path) ?? []),
      ...(unread.length ? await tx.getAll(...unread) : []),
    ];
    for (const snap of snaps) {
      if (!snap.exists) continue;
      if (snap.ref.parent.id === STOCK) this.#stock.set(snap.id, fromDocument(snap.data()!));
      else this.#reservations.set(snap.id, snap.data() as Reservation);
    }
  }
}

export interface StockQuery {
  /** Only items at or below their low-stock threshold. */
  low: boolean;
  limit: number;
  cursor?: string;
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

  /** Every stock item and reservation: for audits of the stock equation (tests, benches). */
  async everything(): Promise<{ items: StockItem[]; reservations: Reservation[] }> {
    const db = await this.#db();
    const [stock, reservations] = await Promise.all([
      db.collection(STOCK).get(),
      db.collection(RESERVATIONS).get(),
    ]);
    return {
      items: stock.docs.map((doc) => fromDocument(doc.data())),
      reservations: reservations.docs.map((doc) => doc.data() as Reservation),
    };
  }
}
