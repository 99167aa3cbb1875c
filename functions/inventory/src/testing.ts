/**
 * @module Test helpers for inventory: the function on a database of its own (real emulator), the
 * CloudEvents it consumes, and what it stored and emitted, with the stock equation audited.
 */
import {
  type Actor,
  type CancelCause,
  EVENTS,
  type EventType,
  type OrderLine,
  type Product,
  type ReturnOutcome,
  type StockLevel,
} from '@stockflow/contracts';
import { type EventRecord, OUTBOX_COLLECTION } from '@stockflow/kit';
import { asStaff, type CloudEventInit, cloudEventRequest, testEnv } from '@stockflow/kit/testing';
import { inventory } from './app.ts';
import { compareRebuild, rebuildLevels } from './rebuild.ts';
import { auditStock } from './stock.ts';
import { InventoryStore } from './store.ts';

/** A break-glass admin token for benchmarks that configure one. */
export const ADMIN_TOKEN = 'test-admin-token-0123456789';
/** A clerk's staff token: reads levels, adjusts stock. */
export const ADMIN = await asStaff('inventory', 'clerk');
/** A manager: sets up locations (and may do all a clerk does). */
export const MANAGER = await asStaff('inventory', 'manager');

export type TestInventory = Awaited<ReturnType<typeof openInventory>>;

/** An inventory function on a fresh database; `close()` it after the test. */
export async function openInventory(env: Record<string, string> = {}) {
  const fn = inventory.create({ env: testEnv('inventory', env) });
  const store = new InventoryStore(() => fn.rt.db());
  return {
    fn,
    store,
    /** Delivers one CloudEvent to `POST /events`, as a Trigger does. */
    deliver: (event: CloudEventInit) => fn.app.request('/events', cloudEventRequest(event)),
    /** The admin's view of one product's stock. */
    async level(productId: string): Promise<StockLevel> {
      const res = await fn.app.request(`/stock/${productId}`, { headers: ADMIN });
      return (await res.json()) as StockLevel;
    },
    /**
     * Every event committed to the outbox (checked against its contract), in commit order; the
     * events of one commit come in no particular order.
     */
    async emitted(type?: EventType): Promise<EventRecord[]> {
      const db = await fn.rt.db();
      const snap = await db.collection(OUTBOX_COLLECTION).orderBy('createdAt').get();
      const records = snap.docs.map((doc) => doc.get('record') as EventRecord);
      for (const record of records) {
        const schema = EVENTS[record.type as EventType]?.data;
        if (!schema?.safeParse(record.data).success) throw new Error(`emitted an invalid ${record.type}`);
      }
      return type ? records.filter((record) => record.type === type) : records;
    },
    /**
     * What breaks the stock equation across every item and reservation, per location, and where
     * the levels differ from those rebuilt from the movements and transfers (nothing when sound).
     */
    async audit(): Promise<string[]> {
      const { items, reservations, movements, transfers } = await store.everything();
      return [
        ...auditStock(items, reservations),
        ...compareRebuild(items, rebuildLevels(movements, transfers)),
      ];
    },
    async close() {
      await fn.rt.outbox.drain(1_000);
      await fn.rt.close();
    },
  };
}

const product = (id: string, version: number, status: Product['status']): Product => ({
  id,
  sku: `SKU-${id}`,
  name: `Product ${id}`,
  priceCents: 500,
  currency: 'EUR',
  status,
  version,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
});

/** The CloudEvents inventory consumes; `id` fixes the event id (to send duplicates). */
export const events = {
  productCreated: (productId: string, id?: string): CloudEventInit => ({
    id,
    source: '/catalog',
    type: 'io.stockflow.product.created',
    subject: productId,
    data: product(productId, 1, 'active'),
  }),
  productArchived: (productId: string, version = 2, id?: string): CloudEventInit => ({
    id,
    source: '/catalog',
    type: 'io.stockflow.product.archived',
    subject: productId,
    data: product(productId, version, 'archived'),
  }),
  placed: (orderId: string, lines: OrderLine[], id?: string): CloudEventInit => ({
    id,
    source: '/orders',
    type: 'io.stockflow.order.placed',
    subject: orderId,
    data: {
      orderId,
      items: lines.map((line) => ({ ...line, unitPriceCents: 500 })),
      currency: 'EUR',
      totalCents: lines.reduce((sum, line) => sum + 500 * line.quantity, 0),
    },
  }),
  cancelled: (orderId: string, id?: string, cause?: CancelCause): CloudEventInit => ({
    id,
    source: '/orders',
    type: 'io.stockflow.order.cancelled',
    subject: orderId,
    data: { orderId, reason: 'changed my mind', ...(cause ? { cause } : {}) },
  }),
  /** Staff inspected return `returnId` of `orderId` at `locationId` (as `actor`, when given). */
  returnInspected: (
    orderId: string,
    returnId: string,
    locationId: string,
    lines: Array<{ productId: string; quantity: number; outcome: ReturnOutcome }>,
    options: { id?: string; actor?: Actor } = {},
  ): CloudEventInit => ({
    id: options.id,
    source: '/orders',
    type: 'io.stockflow.return.inspected',
    subject: orderId,
    data: {
      orderId,
      returnId,
      locationId,
      lines,
      refundCents: lines.reduce((sum, line) => sum + 500 * line.quantity, 0),
      currency: 'EUR',
      ...(options.actor ? { actor: options.actor } : {}),
    },
  }),
  shipped: (orderId: string, id?: string): CloudEventInit => ({
    id,
    source: '/orders',
    type: 'io.stockflow.order.shipped',
    subject: orderId,
    data: { orderId },
  }),
  goodsReceived: (
    productId: string,
    quantity: number,
    reference: string,
    id?: string,
    locationId?: string,
  ): CloudEventInit => ({
    id,
    source: '/partners/warehouse',
    type: 'io.stockflow.goods.received',
    subject: productId,
    data: { productId, quantity, reference, ...(locationId ? { locationId } : {}) },
  }),
  shipmentShipped: (
    orderId: string,
    locationId: string,
    items: OrderLine[],
    id?: string,
  ): CloudEventInit => ({
    id,
    source: '/orders',
    type: 'io.stockflow.shipment.shipped',
    subject: orderId,
    data: { orderId, shipmentId: locationId, locationId, items },
  }),
};

/** A clerk's JSON request. */
export const adminJson = (method: string, body?: unknown): RequestInit => ({
  method,
  headers: { ...ADMIN, 'content-type': 'application/json' },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

/** A manager's JSON request (locations are a manager's). */
export const managerJson = (method: string, body?: unknown): RequestInit => ({
  method,
  headers: { ...MANAGER, 'content-type': 'application/json' },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

/** An admin's adjustment request. */
export const adjustment = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { ...ADMIN, 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
