/**
 * @module What moves a payment: the order events payments consumes and the provider's webhooks. Each
 * is applied once: an event's dedupe record by (source, id) (`Runtime.consumeOnce`), a webhook's by
 * the provider's event id, each written in the transaction of the change it made. The handlers run
 * outside a transaction (`onEach`) so that, once the change is durable, the jobs it made start at
 * once; order.awaiting-payment calls the provider first (an HTTP call has no place in a transaction).
 */
import {
  OrderAwaitingPayment,
  OrderCancelled,
  OrderShipped,
  ReturnInspected,
  ShipmentShipped,
} from '@stockflow/contracts';
import { type EventHandlers, onEach, PING_TYPE, type Runtime, unavailable, type Work } from '@stockflow/kit';
import type { CloudEvent } from 'cloudevents';
import * as z from 'zod/mini';
import type { JobRunner } from './jobs.ts';
import {
  type Change,
  checkoutOpened,
  emptyPayment,
  orderCancelled,
  orderShipped,
  type PaymentRecord,
  providerEventArrived,
  returnInspected,
} from './payment.ts';
import {
  describeFailure,
  type PaymentProvider,
  type ProviderEvent,
  ProviderUnavailable,
} from './provider.ts';
import type { PaymentsStore } from './store.ts';

/** What a running payments function works with (app.ts makes them from its config). */
export interface PaymentServices {
  store: PaymentsStore;
  provider: PaymentProvider;
  jobs: JobRunner;
  /** The shop's public origin: the provider sends the shopper back to `<shopUrl>/orders/<id>`. */
  shopUrl: string;
}

/** The services of each running function (one per Runtime: tests run several in one process). */
export const services = new WeakMap<Runtime, PaymentServices>();

function servicesOf(rt: Runtime): PaymentServices {
  const found = services.get(rt);
  if (!found) throw new Error('payments: no services for this runtime');
  return found;
}

type Decide = (current: PaymentRecord | undefined) => Change | undefined;

/** Reads the order's payment, applies `decide` and writes what changed; returns the jobs it made. */
async function changePayment(store: PaymentsStore, work: Work, orderId: string, decide: Decide) {
  const change = decide(await store.read(work, orderId));
  return change ? store.write(work, change) : [];
}

/** Applies the event once with `decide`, then starts the jobs it made. */
async function once(rt: Runtime, event: CloudEvent<unknown>, orderId: string, decide: Decide) {
  const { store, jobs } = servicesOf(rt);
  let made: string[] = [];
  const applied = await rt.consumeOnce(event, async (work) => {
    made = await changePayment(store, work, orderId, decide);
  });
  if (applied) jobs.kick(made);
  return applied;
}

/** The payment as it is, or a new one (order events may come before payments heard of the order). */
const orNew = (current: PaymentRecord | undefined, orderId: string) => current ?? emptyPayment(orderId);

/**
 * Opens the provider's checkout (the same one again for a redelivery: the order id is its
 * Idempotency-Key), then announces it once. The provider down: 503, and the broker retries.
 */
async function requestPayment(
  rt: Runtime,
  event: CloudEvent<unknown>,
  data: z.infer<typeof OrderAwaitingPayment>,
) {
  const { store, provider, shopUrl } = servicesOf(rt);
  const known = await store.payment(data.orderId);
  // Announced already, or the order was cancelled before it could be paid: nothing to open.
  if (known?.announced.includes('requested') || known?.cancelled) {
    return rt.consumeOnce(event, async () => undefined);
  }
  let checkout: Awaited<ReturnType<PaymentProvider['createCheckout']>>;
  try {
    checkout = await provider.createCheckout({
      reference: data.orderId,
      amountCents: data.totalCents,
      currency: data.currency,
      returnUrl: `${shopUrl.replace(/\/+$/, '')}/orders/${encodeURIComponent(data.orderId)}`,
      expiresAt: data.holdExpiresAt,
      idempotencyKey: data.orderId,
    });
  } catch (error) {
    if (error instanceof ProviderUnavailable) {
      rt.log.warn('checkout not opened: the provider is unavailable', { orderId: data.orderId });
      throw unavailable('The payment provider is unavailable; deliver again later.', 5);
    }
    // A refusal (our request is wrong, or the key reused with another body): a 500, so the broker
    // retries, then dead-letters the event where staff see it (the ledger) and may replay it.
    rt.log.error('checkout refused by the provider', {
      orderId: data.orderId,
      error: describeFailure(error),
    });
    throw error;
  }
  return once(rt, event, data.orderId, (current) =>
    checkoutOpened(current ?? emptyPayment(data.orderId, data.totalCents, data.currency), checkout),
  );
}

/**
 * Applies a verified webhook once (by the provider's event id, in the transaction of its change):
 * 'duplicate' for one applied before. The payment is found by our reference, the order id.
 */
export async function receiveWebhook(rt: Runtime, event: ProviderEvent): Promise<'applied' | 'duplicate'> {
  const { store, provider, jobs } = servicesOf(rt);
  let made: string[] = [];
  const outcome = await rt.transact(async (work) => {
    if (await store.seenWebhook(work, provider.name, event)) return 'duplicate' as const;
    const current = await store.read(work, event.reference);
    if (current?.paymentId && current.paymentId !== event.paymentId) {
      // Another payment for the same order (not one this shop opened): recorded, changes nothing.
      rt.log.warn('webhook for another payment of the order ignored', {
        orderId: event.reference,
        type: event.type,
      });
      store.markWebhook(work, provider.name, event);
      return 'applied' as const;
    }
    made = store.write(work, providerEventArrived(orNew(current, event.reference), event));
    store.markWebhook(work, provider.name, event);
    return 'applied' as const;
  });
  jobs.kick(made);
  return outcome;
}

const capture = (rt: Runtime, event: CloudEvent<unknown>, orderId: string) =>
  once(rt, event, orderId, (current) => orderShipped(orNew(current, orderId)));

export const paymentEvents: EventHandlers = {
  'io.stockflow.order.awaiting-payment': onEach(OrderAwaitingPayment, ({ event, data, rt }) =>
    requestPayment(rt, event, data),
  ),
  'io.stockflow.order.cancelled': onEach(OrderCancelled, ({ event, data, rt }) =>
    once(rt, event, data.orderId, (current) => orderCancelled(orNew(current, data.orderId), data.cause)),
  ),
  // The first shipment takes the whole authorized amount; later ones and order.shipped find it asked.
  'io.stockflow.shipment.shipped': onEach(ShipmentShipped, ({ event, data, rt }) =>
    capture(rt, event, data.orderId),
  ),
  'io.stockflow.order.shipped': onEach(OrderShipped, ({ event, data, rt }) =>
    capture(rt, event, data.orderId),
  ),
  'io.stockflow.return.inspected': onEach(ReturnInspected, ({ event, data, rt }) =>
    once(rt, event, data.orderId, (current) =>
      current ? returnInspected(current, data.returnId, data.refundCents) : undefined,
    ),
  ),
  // Every tick: run the jobs that are due (retries after a backoff, jobs of a process that stopped).
  [PING_TYPE]: onEach(z.unknown(), async ({ rt }) => {
    await servicesOf(rt).jobs.sweep();
    return true;
  }),
};
