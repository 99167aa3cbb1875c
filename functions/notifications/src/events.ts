/**
 * @module The order events notifications turns into messages. Each event is applied once (its
 * dedupe record by (source, id) commits with the message it stages, `Runtime.consumeOnce`), and each
 * message exists once per (order, kind[, shipment or refund]), so a redelivery, a replay or a second event of
 * the same meaning stages nothing. Sending comes after the commit (mailer.ts): these handlers run
 * outside a transaction (`onEach`) only to start it once the message is durable.
 */
import {
  OrderCancelled,
  OrderPlaced,
  OrderRef,
  OrderShipped,
  PaymentRefunded,
  ShipmentShipped,
} from '@stockflow/contracts';
import { type EventHandlers, onEach, PING_TYPE, type Runtime, type Work } from '@stockflow/kit';
import type { CloudEvent } from 'cloudevents';
import * as z from 'zod/mini';
import type { Mailer } from './mailer.ts';
import { refundPart } from './messages.ts';
import { NotificationsStore, type StageRequest } from './store.ts';

/** The mailer of a running function (app.ts creates it with the function's config). */
export const mailers = new WeakMap<Runtime, Mailer>();

function mailerOf(rt: Runtime): Mailer {
  const mailer = mailers.get(rt);
  if (!mailer) throw new Error('notifications: no mailer for this runtime');
  return mailer;
}

/** Applies the event once with `stage`, then starts sending what it made due. */
async function once(
  rt: Runtime,
  event: CloudEvent<unknown>,
  stage: (store: NotificationsStore, work: Work) => Promise<string[]>,
): Promise<boolean> {
  const store = new NotificationsStore(() => rt.db());
  let due: string[] = [];
  const applied = await rt.consumeOnce(event, async (work) => {
    due = await stage(store, work);
  });
  if (applied) mailerOf(rt).kick(due);
  return applied;
}

const stageOne = (rt: Runtime, event: CloudEvent<unknown>, request: StageRequest) =>
  once(rt, event, async (store, work) => {
    const id = await store.stageMessage(work, request);
    return id ? [id] : [];
  });

export const notificationEvents: EventHandlers = {
  'io.stockflow.order.placed': onEach(OrderPlaced, ({ event, data, rt }) =>
    once(rt, event, (store, work) =>
      store.projectOrder(work, data.orderId, {
        customer: data.customer ? { name: data.customer.name, email: data.customer.email } : null,
        items: data.items.map((line) => ({ ...line })),
        currency: data.currency,
        totalCents: data.totalCents,
      }),
    ),
  ),
  'io.stockflow.order.confirmed': onEach(OrderRef, ({ event, data, rt }) =>
    stageOne(rt, event, { orderId: data.orderId, kind: 'confirmed', extra: {} }),
  ),
  'io.stockflow.order.cancelled': onEach(OrderCancelled, ({ event, data, rt }) =>
    stageOne(rt, event, {
      orderId: data.orderId,
      kind: 'cancelled',
      extra: {
        ...(data.reason ? { reason: data.reason } : {}),
        ...(data.cause ? { cause: data.cause } : {}),
      },
    }),
  ),
  // One message per refund: a return's, a cancelled order's, a late authorization's.
  'io.stockflow.payment.refunded': onEach(PaymentRefunded, ({ event, data, rt }) =>
    stageOne(rt, event, {
      orderId: data.orderId,
      kind: 'refunded',
      part: refundPart(data),
      extra: {
        refund: {
          amountCents: data.amountCents,
          currency: data.currency,
          cause: data.cause,
          ...(data.returnId ? { returnId: data.returnId } : {}),
        },
      },
    }),
  ),
  // One message per shipment: what left, from where the order was split over locations.
  'io.stockflow.shipment.shipped': onEach(ShipmentShipped, ({ event, data, rt }) =>
    stageOne(rt, event, {
      orderId: data.orderId,
      kind: 'shipped',
      part: data.shipmentId,
      extra: { shipment: { shipmentId: data.shipmentId, items: data.items.map((line) => ({ ...line })) } },
    }),
  ),
  // The whole order shipped at once: one message for it. When it names a shipment, shipping them
  // one by one completed the order, and that shipment's own message says what left: nothing more
  // to write (applied, with nothing to stage).
  'io.stockflow.order.shipped': onEach(OrderShipped, async ({ event, data, rt }) =>
    data.shipmentId ? true : stageOne(rt, event, { orderId: data.orderId, kind: 'shipped', extra: {} }),
  ),
  // Every tick: send what is due (retries after a backoff, messages of a process that stopped).
  [PING_TYPE]: onEach(z.unknown(), async ({ rt }) => {
    await mailerOf(rt).sweep();
    return true;
  }),
};
