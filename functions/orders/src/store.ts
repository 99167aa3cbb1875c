/**
 * @module The orders' Firestore adapter (database `orders`): `orders` (each order with its token's
 * digest, its returns inside), `returns` (a copy of every order's returns, written with the order,
 * for the list across orders), `products` (the projection of catalog's products) and
 * `idempotencyKeys`. Changes happen
 * inside a transaction (`Work`, from rt.transact or an event handler), all reads before writes;
 * listing and watching read outside one.
 */
import type { DocumentData, Firestore } from '@google-cloud/firestore';
import type { Order, OrderStatus, Page, Return, ReturnStatus } from '@stockflow/contracts';
import { readPage, type Work } from '@stockflow/kit';
import * as z from 'zod/mini';
import { type IdempotencyRecord, keyDigest, type OrderKey } from './idempotency.ts';
import type { OrderChange } from './order.ts';
import type { ProductEntry } from './products.ts';

const ORDERS = 'orders';

/** An order's document (for handlers that read it with their event's dedupe record). */
export const orderDoc = (db: Firestore, id: string) => db.collection(ORDERS).doc(id);
const PRODUCTS = 'products';
const RETURNS = 'returns';
const IDEMPOTENCY_KEYS = 'idempotencyKeys';

/** How long an Idempotency-Key is remembered (a Firestore TTL policy on `expireAt` removes it). */
const IDEMPOTENCY_KEY_DAYS = 7;

export interface StoredOrder {
  order: Order;
  /** The SHA-256 digest of the order's token (the token itself is never stored). */
  tokenHash: string;
  /** When the token stops opening the order (ISO 8601); absent on orders placed before tokens expired. */
  tokenExpiresAt?: string;
  /** Idempotency-Keys of commands on this order (return requests), by the key's digest. */
  keys?: Record<string, OrderKey>;
}

function fromDocument(data: DocumentData): StoredOrder {
  const { tokenHash, tokenExpiresAt, keys, ...order } = data as Order & {
    tokenHash: string;
    tokenExpiresAt?: string;
    keys?: Record<string, OrderKey>;
  };
  return { order, tokenHash, ...(tokenExpiresAt ? { tokenExpiresAt } : {}), ...(keys ? { keys } : {}) };
}

const toDocument = ({ order, tokenHash, tokenExpiresAt, keys }: StoredOrder) => ({
  ...order,
  tokenHash,
  ...(tokenExpiresAt ? { tokenExpiresAt } : {}),
  ...(keys ? { keys } : {}),
});

/**
 * A followed order's first snapshot did not come in time (Firestore unreachable): retry later. Its
 * `code` is gRPC's DEADLINE_EXCEEDED, which the kit answers as transient storage trouble (503).
 */
export class OrderNotReadInTime extends Error {
  readonly code = 4;

  constructor(id: string, ms: number) {
    super(`order ${id} was not read within ${ms} ms`);
    this.name = 'OrderNotReadInTime';
  }
}

/** An order being followed (OrdersStore.follow). */
export interface OrderFollow {
  opened: Promise<StoredOrder | undefined>;
  listen(onOrder: (order: Order) => void, onError: (error: Error) => void): void;
  stop(): void;
}

/** Where a listing continues: the last order's creation time and id (newest first). */
const Position = z.tuple([z.string(), z.string()]);

export interface OrderQuery {
  status?: OrderStatus;
  limit: number;
  cursor?: string;
}

export interface ReturnQuery {
  status?: ReturnStatus;
  limit: number;
  cursor?: string;
}

/** A return as the list across orders shows it: with its order's id. */
export type ListedReturn = Return & { orderId: string };

/** The `returns` copy of an order's return (its id is unique within the order only). */
const returnDocId = (orderId: string, returnId: string) => `${orderId}:${returnId}`;

export class OrdersStore {
  readonly #db: () => Promise<Firestore>;

  constructor(db: () => Promise<Firestore>) {
    this.#db = db;
  }

  async find(id: string): Promise<StoredOrder | undefined> {
    const snap = await (await this.#db()).collection(ORDERS).doc(id).get();
    return snap.exists ? fromDocument(snap.data()!) : undefined;
  }

  /** Orders newest first, a page at a time. */
  async list({ status, limit, cursor }: OrderQuery): Promise<Page<Order>> {
    const db = await this.#db();
    let query = db.collection(ORDERS).orderBy('createdAt', 'desc').orderBy('__name__', 'desc');
    if (status) query = query.where('status', '==', status);
    return readPage(query, {
      limit,
      cursor,
      position: Position,
      at: (doc) => [doc.get('createdAt') as string, doc.id],
      item: (doc) => fromDocument(doc.data()).order,
    });
  }

  /** Returns across orders, newest request first, a page at a time. */
  async listReturns({ status, limit, cursor }: ReturnQuery): Promise<Page<ListedReturn>> {
    const db = await this.#db();
    let query = db.collection(RETURNS).orderBy('requestedAt', 'desc').orderBy('__name__', 'desc');
    if (status) query = query.where('status', '==', status);
    return readPage(query, {
      limit,
      cursor,
      position: Position,
      at: (doc) => [doc.get('requestedAt') as string, doc.id],
      item: (doc) => doc.data() as ListedReturn,
    });
  }

  /**
   * The ids of orders awaiting payment whose hold ran out by `now`, oldest hold first, at most
   * `limit` (a composite index on status and holdExpiresAt serves it).
   */
  async expiredHolds(now: string, limit: number): Promise<string[]> {
    const db = await this.#db();
    const snap = await db
      .collection(ORDERS)
      .where('status', '==', 'awaiting-payment')
      .where('holdExpiresAt', '<=', now)
      .orderBy('holdExpiresAt')
      .limit(limit)
      .select()
      .get();
    return snap.docs.map((doc) => doc.id);
  }

  /**
   * Follows an order with a Firestore listener whose first snapshot is the read: a stream opens with
   * one call (the listener), not a read and then a listener. `opened` settles with that snapshot
   * (undefined: no such order), or rejects with OrderNotReadInTime when it has not come within
   * `openWithinMs` (the client retries an unreachable Firestore for ever, where a read has a
   * deadline); `listen` hands on every later change, and any that came between the first snapshot
   * and the call; `stop` ends the listener at any time (before its first snapshot, `opened` rejects).
   */
  async follow(id: string, { openWithinMs = 10_000 }: { openWithinMs?: number } = {}): Promise<OrderFollow> {
    const db = await this.#db();
    let settle!: (stored: StoredOrder | undefined) => void;
    let refuse!: (error: Error) => void;
    const opened = new Promise<StoredOrder | undefined>((resolve, reject) => {
      settle = resolve;
      refuse = reject;
    });
    let opening = true;
    let deadline: NodeJS.Timeout | undefined;
    /** Settles `opened` once, by whichever comes first; false when it was settled already. */
    const open = (outcome: () => void) => {
      if (!opening) return false;
      opening = false;
      clearTimeout(deadline);
      outcome();
      return true;
    };
    let onOrder: ((order: Order) => void) | undefined;
    let onError: ((error: Error) => void) | undefined;
    let since: Order | undefined;
    let failed: Error | undefined;
    const unsubscribe = db
      .collection(ORDERS)
      .doc(id)
      .onSnapshot(
        (snap) => {
          const stored = snap.exists ? fromDocument(snap.data()!) : undefined;
          if (open(() => settle(stored)) || !stored) return;
          if (onOrder) onOrder(stored.order);
          else since = stored.order;
        },
        (error) => {
          if (open(() => refuse(error))) return;
          if (onError) onError(error);
          else failed = error;
        },
      );
    deadline = setTimeout(() => {
      unsubscribe();
      open(() => refuse(new OrderNotReadInTime(id, openWithinMs)));
    }, openWithinMs);
    return {
      opened,
      listen(order, error) {
        onOrder = order;
        onError = error;
        if (failed) error(failed);
        else if (since) order(since);
      },
      stop() {
        unsubscribe();
        // Stopped before its first snapshot (the runtime closing): `opened` fails rather than hangs.
        open(() => refuse(new Error('the order was no longer followed before it could be read')));
      },
    };
  }

  async read(work: Work, id: string): Promise<StoredOrder | undefined> {
    const snap = await work.get(orderDoc(work.db, id));
    return snap.exists ? fromDocument(snap.data()!) : undefined;
  }

  insert(work: Work, stored: StoredOrder): void {
    work.tx.create(work.db.collection(ORDERS).doc(stored.order.id), toDocument(stored));
  }

  /**
   * Saves a change of an order read in this transaction, with the events it causes, and the copies
   * of the returns it changed; an unchanged order: nothing.
   */
  commit(work: Work, stored: StoredOrder, { order, events }: OrderChange): Order {
    if (order === stored.order) return order;
    work.tx.set(work.db.collection(ORDERS).doc(order.id), toDocument({ ...stored, order }));
    const before = new Map((stored.order.returns ?? []).map((r) => [r.id, JSON.stringify(r)]));
    for (const entry of order.returns ?? []) {
      if (before.get(entry.id) === JSON.stringify(entry)) continue;
      const copy: ListedReturn = { ...entry, orderId: order.id };
      work.tx.set(work.db.collection(RETURNS).doc(returnDocId(order.id, entry.id)), copy);
    }
    for (const event of events) work.emit(event);
    return order;
  }

  /** The projection's entries for these product ids (absent ones are unknown to orders). */
  async products(work: Work, ids: readonly string[]): Promise<Map<string, ProductEntry>> {
    const refs = ids.map((id) => work.db.collection(PRODUCTS).doc(id));
    const snaps = refs.length ? await work.tx.getAll(...refs) : [];
    return new Map(snaps.filter((s) => s.exists).map((s) => [s.id, s.data() as ProductEntry]));
  }

  /**
   * The projection as it stands, read outside any transaction. Placing an order prices from this
   * snapshot: a transaction that read the shared product documents would lock them (server
   * clients lock what they read), and every concurrent order would queue behind the others.
   */
  async currentProducts(ids: readonly string[]): Promise<Map<string, ProductEntry>> {
    const db = await this.#db();
    const refs = ids.map((id) => db.collection(PRODUCTS).doc(id));
    const snaps = refs.length ? await db.getAll(...refs) : [];
    return new Map(snaps.filter((s) => s.exists).map((s) => [s.id, s.data() as ProductEntry]));
  }

  saveProduct(work: Work, entry: ProductEntry): void {
    work.tx.set(work.db.collection(PRODUCTS).doc(entry.id), entry);
  }

  async findIdempotencyKey(key: string): Promise<IdempotencyRecord | undefined> {
    const snap = await (await this.#db()).collection(IDEMPOTENCY_KEYS).doc(keyDigest(key)).get();
    return snap.exists ? (snap.data() as IdempotencyRecord) : undefined;
  }

  /** Claims the key: the commit fails with ALREADY_EXISTS when it was claimed before. */
  claimIdempotencyKey(work: Work, key: string, record: IdempotencyRecord): void {
    work.tx.create(work.db.collection(IDEMPOTENCY_KEYS).doc(keyDigest(key)), {
      ...record,
      expireAt: new Date(Date.now() + IDEMPOTENCY_KEY_DAYS * 24 * 3600 * 1000),
    });
  }
}
