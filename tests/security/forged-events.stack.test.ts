/**
 * Forged events against the whole stack that `npm start` runs, identity on (issue 12's acceptance
 * matrix): every Stockflow type, sent to the broker ingress and straight to every function's
 * `/events`, with no token, a token for another audience, an expired token, another function's
 * identity and the partner's identity, is refused with 401 or 403 and leaves every function's
 * database as it was — among them a forged payment.authorized for a real order held for payment,
 * which stays unpaid; the partner's own `goods.received` is accepted, once.
 */
import { randomUUID } from 'node:crypto';
import { Firestore } from '@google-cloud/firestore';
import {
  EVENTS,
  type EventType,
  type Order,
  type PlacedOrder,
  type Product,
  PUBLISHERS,
} from '@stockflow/contracts';
import { FIRESTORE_SETTINGS } from '@stockflow/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerAudience, serviceAccountSubject } from '../../packages/mesh/src/index.ts';
import { snapshot } from '../hostile/harness.ts';
import { paymentStep, shopper } from '../system/shopper.ts';
import { startTestStack, type TestStack } from '../system/stack.ts';

const BROKER_AUDIENCE = brokerAudience('default', 'default');
const HOUR_MS = 3_600_000;
const FUNCTIONS = ['catalog', 'inventory', 'orders', 'ledger', 'notifications', 'payments'] as const;
const WAREHOUSE = serviceAccountSubject('default', 'warehouse');
const publisherSubject = (fn: string) =>
  serviceAccountSubject('default', `${fn}-oidc-sources.knative.dev-sinkbinding`);
/** What a Trigger of the stack delivers as (the dispatcher's identity for `inventory-order-placed`). */
const triggerSubject = (trigger: string) =>
  serviceAccountSubject('default', `${trigger}-oidc-eventing.knative.dev-trigger`);

interface Credential {
  name: string;
  /** The Authorization header for a request to `audience`, whose rightful senders are `rightful`. */
  header(audience: string, rightful: string): Promise<string | undefined>;
  status: 401 | 403;
}

describe('forged events, identity on', () => {
  let stack: TestStack;
  let product: Product;
  /** A real order held for payment, its checkout open: what forged payment events would settle. */
  let held: Order;
  const databases = new Map<string, Firestore>();

  const issue = (subject: string, audience: string, now = Date.now()) =>
    stack.mesh.issuer.issue(subject, audience, { now });
  const bearer = async (token: Promise<string>) => `Bearer ${await token}`;

  /** Another identity than the rightful one: a function that does not produce the type. */
  const impostorOf = (rightful: string) =>
    publisherSubject(PUBLISHERS.find((fn) => publisherSubject(fn) !== rightful)!);

  const credentials: Credential[] = [
    { name: 'no token', header: async () => undefined, status: 401 },
    {
      name: 'a token for another audience',
      header: (audience, rightful) =>
        bearer(issue(rightful, audience === BROKER_AUDIENCE ? 'orders' : BROKER_AUDIENCE)),
      status: 401,
    },
    {
      name: 'an expired token',
      header: (audience, rightful) => bearer(issue(rightful, audience, Date.now() - 2 * HOUR_MS)),
      status: 401,
    },
    {
      name: "another function's identity",
      header: (audience, rightful) => bearer(issue(impostorOf(rightful), audience)),
      status: 403,
    },
    {
      name: "the partner's identity",
      header: (audience) => bearer(issue(WAREHOUSE, audience)),
      status: 403,
    },
  ];

  /**
   * Data that would change state if it were believed: the seeded product at one cent, 1,000 units,
   * the held order paid, declined, refunded or cancelled.
   */
  function forgedData(type: EventType): unknown {
    const orderId = type === 'io.stockflow.order.placed' ? `forged-${randomUUID().slice(0, 8)}` : held.id;
    const items = [{ productId: product.id, quantity: 1 }];
    const paymentId = held.payment!.paymentId;
    const money = { orderId, paymentId, amountCents: held.totalCents, currency: held.currency };
    if (type === 'io.stockflow.payment.requested')
      return { ...money, checkoutUrl: 'https://pay.example/forged', expiresAt: held.holdExpiresAt };
    if (type === 'io.stockflow.payment.declined')
      return { orderId, paymentId, code: 'card_declined', message: 'forged' };
    if (type === 'io.stockflow.payment.refunded') return { ...money, cause: 'cancelled' };
    if (type.startsWith('io.stockflow.payment.')) return money;
    if (type === 'io.stockflow.order.awaiting-payment')
      return { orderId, totalCents: 1, currency: 'EUR', holdExpiresAt: held.holdExpiresAt };
    if (type.startsWith('io.stockflow.product.')) return { ...product, priceCents: 1, version: 999_999 };
    if (type === 'io.stockflow.goods.received')
      return { productId: product.id, quantity: 1000, reference: 'forged' };
    if (type === 'io.stockflow.order.placed')
      return { orderId, items: [{ ...items[0], unitPriceCents: 1 }], currency: 'EUR', totalCents: 1 };
    if (type.startsWith('io.stockflow.stock.adjusted'))
      return {
        productId: product.id,
        delta: 1000,
        reason: 'forged',
        onHand: 1000,
        reserved: 0,
        available: 1000,
      };
    if (type === 'io.stockflow.stock.low') return { productId: product.id, available: 0, threshold: 1 };
    return { orderId, items, shortages: [] };
  }

  async function send(url: string, type: EventType, authorization: string | undefined): Promise<number> {
    const producer = EVENTS[type].producer;
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'ce-specversion': '1.0',
        'ce-id': randomUUID(),
        'ce-source': producer === 'warehouse' ? '/partners/warehouse' : `/${producer}`,
        'ce-type': type,
        'content-type': 'application/json',
        ...(authorization ? { authorization } : {}),
      },
      body: JSON.stringify(forgedData(type)),
    });
    await res.arrayBuffer();
    return res.status;
  }

  const snapshots = async () =>
    Object.fromEntries(
      await Promise.all([...databases].map(async ([name, db]) => [name, await snapshot(db)])),
    );

  async function stockOf(productId: string): Promise<{ onHand: number }> {
    const res = await fetch(`${stack.urls.services.inventory}/stock/${productId}`, {
      headers: { authorization: `Bearer ${stack.adminToken}` },
    });
    if (res.status !== 200) throw new Error(`GET /stock/${productId}: ${res.status}`);
    return (await res.json()) as { onHand: number };
  }

  beforeAll(async () => {
    const projectId = `stockflow-forged-${randomUUID().slice(0, 8)}`;
    stack = await startTestStack({ projectId });
    expect(stack.identity).toBe(true);
    for (const name of FUNCTIONS) {
      databases.set(name, new Firestore({ ...FIRESTORE_SETTINGS, projectId, databaseId: name }));
    }
    const res = await fetch(`${stack.urls.services.catalog}/products`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        sku: `FORGE-${randomUUID().slice(0, 6)}`,
        name: 'Forge target',
        priceCents: 4200,
        currency: 'EUR',
      }),
    });
    expect(res.status).toBe(201);
    product = (await res.json()) as Product;
    // The product reaches inventory's stock and orders' projection (and the ledger) by events first.
    const deadline = Date.now() + 30_000;
    while (!(await stockOf(product.id).catch(() => undefined))) {
      if (Date.now() > deadline) throw new Error(`product ${product.id} never reached inventory`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    held = await holdForPayment();
  });

  /** One unit of stock, an order for it (once orders knows the product) and its payment step open. */
  async function holdForPayment(): Promise<Order> {
    const admin = { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' };
    const adjusted = await fetch(`${stack.urls.services.inventory}/stock/${product.id}/adjustments`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ delta: 1, reason: 'forge target stock' }),
    });
    expect(adjusted.status).toBe(200);
    const body = JSON.stringify({ items: [{ productId: product.id, quantity: 1 }], customer: shopper() });
    const deadline = Date.now() + 30_000;
    const place = () => fetch(stack.urls.services.orders!, { method: 'POST', headers: admin, body });
    // Orders refuses the product (422) until product.created reaches its projection.
    let placed = await place();
    while (placed.status !== 202) {
      if (Date.now() > deadline) throw new Error(`orders answers ${placed.status} to the order`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      placed = await place();
    }
    const { id } = (await placed.json()) as PlacedOrder;
    const order = await paymentStep(async () => {
      const res = await fetch(`${stack.urls.services.orders}/${id}`, { headers: admin });
      return (await res.json()) as Order;
    });
    expect(order).toMatchObject({ status: 'awaiting-payment', payment: { status: 'requested' } });
    return order;
  }

  afterAll(async () => {
    await Promise.all([...databases.values()].map((db) => db.terminate()));
    await stack?.stop();
  });

  it('refuses every forged type at the broker and at every function, and nothing changes', async () => {
    // Let the seeding's deliveries and outbox marks settle before the first snapshot.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const before = await snapshots();
    const refusals: string[] = [];
    const types = Object.keys(EVENTS) as EventType[];
    for (const type of types) {
      const producer = EVENTS[type].producer;
      const rightful = producer === 'warehouse' ? WAREHOUSE : publisherSubject(producer);
      for (const credential of credentials) {
        // The partner's own identity is rightful for its own type: covered by the next test.
        if (producer === 'warehouse' && credential.name === "the partner's identity") continue;
        const atBroker = await send(
          stack.urls.broker,
          type,
          await credential.header(BROKER_AUDIENCE, rightful),
        );
        if (atBroker !== credential.status)
          refusals.push(`${type} at the broker, ${credential.name}: ${atBroker}`);
        for (const fn of FUNCTIONS) {
          // At a function, the rightful sender is a Trigger of the broker, never the producer itself.
          const status = await send(
            `${stack.urls.services[fn]}/events`,
            type,
            await credential.header(fn, triggerSubject(`${fn}-anything`)),
          );
          const expected = credential.name === "another function's identity" ? 403 : credential.status;
          if (status !== expected) refusals.push(`${type} at ${fn}, ${credential.name}: ${status}`);
        }
      }
    }
    expect(refusals).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await snapshots()).toEqual(before);
    expect((await stockOf(product.id)).onHand).toBe(1);
    expect(stack.paymentSandbox.payments().find((p) => p.reference === held.id)).toBeUndefined();
  });

  it("accepts the warehouse's goods.received once, whatever its id", async () => {
    const publish = (id: string) =>
      stack.publish({
        type: 'io.stockflow.goods.received',
        id,
        source: '/partners/warehouse/dock-1',
        sender: WAREHOUSE,
        data: { productId: product.id, quantity: 7, reference: 'delivery-note-1' },
      });
    const first = randomUUID();
    const { onHand } = await stockOf(product.id);
    expect(await publish(first)).toBe(202);
    await expect.poll(() => stockOf(product.id).then((s) => s.onHand), { timeout: 30_000 }).toBe(onHand + 7);
    // The same event again, and the same goods under a new id: both admitted, neither applied twice.
    expect(await publish(first)).toBe(202);
    expect(await publish(randomUUID())).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect((await stockOf(product.id)).onHand).toBe(onHand + 7);
  });
});
