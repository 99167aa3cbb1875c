/**
 * @module What moves a payment: the order events payments consumes and the provider's webhooks. Each
 * is applied once: an event's dedupe record by (source, id) (`Runtime.consumeOnce`), a webhook's by
 * the provider's event id, each written in the transaction of the change it made. The handlers run
 * outside a transaction (`handleEachDelivery`) so that, once the change is durable, the jobs it made start at
 * once; order.awaiting-payment calls the provider first (an HTTP call has no place in a transaction).
 */
import {
  OrderAwaitingPayment,
  OrderCancelled,
  OrderShipped,
  ReturnInspected,
  ShipmentShipped,
} from '@stockflow/contracts';
import {
  type EventHandlers,
  handleEachDelivery,
  PING_TYPE,
  type Runtime,
  unavailable,
  type Work,
} from '@stockflow/kit';
import type { CloudEvent } from 'cloudevents';
import * as z from 'zod/mini';
import type { PaymentsConfig, PaymentsServices } from './app.ts';
import {
  type Change,
  checkoutOpened,
  emptyPayment,
  orderCancelled,
  orderShipped,
  type PaymentRecord,
  providerEventArrived,
  reconcileTiming,
  returnInspected,
} from './payment.ts';
import {
  describeFailure,
  type PaymentProvider,
  type ProviderEvent,
  ProviderUnavailable,
} from './provider.ts';
import { type PaymentsStore, paymentDoc } from './store.ts';

/** What a handler works with: the runtime, the instance's services and the event. */
interface Delivery {
  rt: Runtime;
  services: PaymentsServices;
  event: CloudEvent<unknown>;
}

type Decide = (current: PaymentRecord | undefined) => Change | undefined;

/** Reads the order's payment, applies `decide` and writes what changed; returns the jobs it made. */
async function changePayment(store: PaymentsStore, work: Work, orderId: string, decide: Decide) {
  const change = decide(await store.read(work, orderId));
  return change ? store.write(work, change) : [];
}

/** Applies the event once with `decide`, then starts the jobs it made. */
async function once({ rt, services: { store, jobs }, event }: Delivery, orderId: string, decide: Decide) {
  let made: string[] = [];
  // The payment is read with the event's dedupe record: one round trip to Firestore, not two.
  const applied = await rt.consumeOnce(
    event,
    async (work) => {
      made = await changePayment(store, work, orderId, decide);
    },
    (db) => [paymentDoc(db, orderId)],
  );
  if (applied) jobs.kick(made);
  return applied;
}

/** The payment as it is, or a new one (order events may come before payments heard of the order). */
const orNew = (current: PaymentRecord | undefined, orderId: string) => current ?? emptyPayment(orderId);

/**
 * Opens the provider's checkout (the same one again for a redelivery: the order id is its
 * Idempotency-Key), then announces it once. The provider down: 503, and the broker retries.
 */
async function requestPayment(delivery: Delivery, data: z.infer<typeof OrderAwaitingPayment>) {
  const { rt, services, event } = delivery;
  const { store, provider, shopUrl } = services;
  const known = await store.payment(data.orderId);
  // Announced already, or the order was cancelled before it could be paid: nothing to open.
  if (known?.announced.includes('requested') || known?.cancelled) {
    return rt.consumeOnce(event, async () => undefined);
  }
  // The hold ran out before the event got here (a slow broker): the shopper can no longer pay, and
  // orders cancels the order (payments hears order.cancelled). A provider refuses a checkout that
  // expires in the past, which retried the delivery until the cancellation came.
  if (Date.parse(data.holdExpiresAt) <= Date.now()) {
    rt.log.info('checkout not opened: the stock hold has run out', { orderId: data.orderId });
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
  return once(delivery, data.orderId, (current) =>
    checkoutOpened(
      current ?? emptyPayment(data.orderId, data.totalCents, data.currency),
      checkout,
      reconcileTiming(services.reconcileDelayMs),
    ),
  );
}

/**
 * Applies a verified webhook once (by the provider's event id, in the transaction of its change):
 * 'duplicate' for one applied before. The payment is found by our reference, the order id.
 */
export async function receiveWebhook(
  rt: Runtime,
  { store, provider, jobs }: PaymentsServices,
  event: ProviderEvent,
): Promise<'applied' | 'duplicate'> {
  let made: string[] = [];
  const outcome = await rt.transact(async (work) => {
    const { seen, current } = await store.webhookAndPayment(work, provider.name, event);
    if (seen) return 'duplicate' as const;
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

const capture = (delivery: Delivery, orderId: string) =>
  once(delivery, orderId, (current) => orderShipped(orNew(current, orderId)));

export const paymentsEvents: EventHandlers<PaymentsServices, PaymentsConfig> = {
  'io.stockflow.order.awaiting-payment': handleEachDelivery(OrderAwaitingPayment, ({ data, ...delivery }) =>
    requestPayment(delivery, data),
  ),
  'io.stockflow.order.cancelled': handleEachDelivery(OrderCancelled, ({ data, ...delivery }) =>
    once(delivery, data.orderId, (current) =>
      orderCancelled(
        orNew(current, data.orderId),
        data.cause,
        reconcileTiming(delivery.services.reconcileDelayMs),
      ),
    ),
  ),
  // The first shipment takes the whole authorized amount; later ones and order.shipped find it asked.
  'io.stockflow.shipment.shipped': handleEachDelivery(ShipmentShipped, ({ data, ...delivery }) =>
    capture(delivery, data.orderId),
  ),
  'io.stockflow.order.shipped': handleEachDelivery(OrderShipped, ({ data, ...delivery }) =>
    capture(delivery, data.orderId),
  ),
  'io.stockflow.return.inspected': handleEachDelivery(ReturnInspected, ({ data, ...delivery }) =>
    once(delivery, data.orderId, (current) =>
      current ? returnInspected(current, data.returnId, data.refundCents) : undefined,
    ),
  ),
  // Every tick: run the jobs that are due (retries after a backoff, jobs of a process that stopped).
  [PING_TYPE]: handleEachDelivery(z.unknown(), async ({ services }) => {
    await services.jobs.sweep();
    return true;
  }),
};
