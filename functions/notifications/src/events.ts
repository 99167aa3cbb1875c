/**
 * @module The order events notifications turns into messages. Each event is applied once (its
 * dedupe record by (source, id) commits with the message it stages, `Runtime.consumeOnce`), and each
 * message exists once per (order, kind[, shipment or refund]), so a redelivery, a replay or a second event of
 * the same meaning stages nothing. A message due at once is written claimed for its first attempt
 * in that transaction, and sent after the commit (mailer.ts `sendClaimed`) with no transaction of
 * its own: these handlers run outside a transaction (`handleEachDelivery`) only to start sending
 * once the message is durable. Should the process die in between, the message is due again when
 * its lease ends and the sweep (PingSource tick) sends it.
 */

import type { DocumentReference, Firestore } from '@google-cloud/firestore';
import {
  OrderCancelled,
  OrderPlaced,
  OrderRef,
  OrderShipped,
  PaymentRefunded,
  ShipmentShipped,
} from '@stockflow/contracts';
import { type EventHandlers, handleEachDelivery, PING_TYPE, type Runtime, type Work } from '@stockflow/kit';
import type { CloudEvent } from 'cloudevents';
import * as z from 'zod/mini';
import type { NotificationsConfig, NotificationsServices } from './app.ts';
import { refundPart } from './messages.ts';
import {
  type NotificationsStore,
  type Outgoing,
  projectionDocs,
  type StageRequest,
  stagingDocs,
} from './store.ts';

/** What a handler works with: the runtime and the instance's services. */
interface Delivery {
  rt: Runtime;
  services: NotificationsServices;
  event: CloudEvent<unknown>;
}

/**
 * Applies the event once with `stage`, then sends the messages it claimed, once committed. `reads`
 * names the documents `stage` reads, read with the event's dedupe record in one round trip.
 */
async function once(
  { rt, services: { store, mailer }, event }: Delivery,
  stage: (store: NotificationsStore, work: Work) => Promise<Outgoing[]>,
  reads?: (db: Firestore) => readonly DocumentReference[],
): Promise<boolean> {
  let claimed: Outgoing[] = [];
  const applied = await rt.consumeOnce(
    event,
    async (work) => {
      claimed = await stage(store, work);
    },
    reads,
  );
  if (applied) mailer.sendClaimed(claimed);
  return applied;
}

const stageOne = (delivery: Delivery, request: StageRequest) =>
  once(
    delivery,
    async (store, work) => {
      const message = await store.stageMessage(work, request);
      return message ? [message] : [];
    },
    (db) => stagingDocs(db, request),
  );

export const notificationsEvents: EventHandlers<NotificationsServices, NotificationsConfig> = {
  'io.stockflow.order.placed': handleEachDelivery(OrderPlaced, ({ data, ...delivery }) =>
    once(
      delivery,
      (store, work) =>
        store.projectOrder(work, data.orderId, {
          customer: data.customer ? { name: data.customer.name, email: data.customer.email } : null,
          items: data.items.map((line) => ({ ...line })),
          currency: data.currency,
          totalCents: data.totalCents,
        }),
      (db) => projectionDocs(db, data.orderId),
    ),
  ),
  'io.stockflow.order.confirmed': handleEachDelivery(OrderRef, ({ data, ...delivery }) =>
    stageOne(delivery, { orderId: data.orderId, kind: 'confirmed', extra: {} }),
  ),
  'io.stockflow.order.cancelled': handleEachDelivery(OrderCancelled, ({ data, ...delivery }) =>
    stageOne(delivery, {
      orderId: data.orderId,
      kind: 'cancelled',
      extra: {
        ...(data.reason ? { reason: data.reason } : {}),
        ...(data.cause ? { cause: data.cause } : {}),
      },
    }),
  ),
  // One message per refund: a return's, a cancelled order's, a late authorization's.
  'io.stockflow.payment.refunded': handleEachDelivery(PaymentRefunded, ({ data, ...delivery }) =>
    stageOne(delivery, {
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
  'io.stockflow.shipment.shipped': handleEachDelivery(ShipmentShipped, ({ data, ...delivery }) =>
    stageOne(delivery, {
      orderId: data.orderId,
      kind: 'shipped',
      part: data.shipmentId,
      extra: { shipment: { shipmentId: data.shipmentId, items: data.items.map((line) => ({ ...line })) } },
    }),
  ),
  // The whole order shipped at once: one message for it. When it names a shipment, shipping them
  // one by one completed the order, and that shipment's own message says what left: nothing more
  // to write (applied, with nothing to stage).
  'io.stockflow.order.shipped': handleEachDelivery(OrderShipped, async ({ data, ...delivery }) =>
    data.shipmentId ? true : stageOne(delivery, { orderId: data.orderId, kind: 'shipped', extra: {} }),
  ),
  // Every tick: send what is due (retries after a backoff, messages of a process that stopped).
  [PING_TYPE]: handleEachDelivery(z.unknown(), async ({ services }) => {
    await services.mailer.sweep();
    return true;
  }),
};
