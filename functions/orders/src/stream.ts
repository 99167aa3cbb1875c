/**
 * @module An order as Server-Sent Events: an `order` event with the whole order at once and after
 * every change, whichever instance makes it (a Firestore listener, not an in-process emitter), with
 * keep-alive comments, until the client goes away. The listener is not trusted alone: one lost
 * notification would leave a shopper watching "pending" for good (seen with the emulator: a
 * listener whose first snapshot raced the confirmation's commit stayed silent). So the order is read
 * again every `pendingRereadMs` while pending or awaiting its payment link, whose change comes within
 * seconds, and at every keep-alive while it can still change.
 */
import type { Order } from '@stockflow/contracts';
import type { Logger } from '@stockflow/kit';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { TRANSITIONS } from './order.ts';

export interface OrderStreamOptions {
  /** The order as just read: sent at once. */
  first: Order;
  /** Starts listening to the order's changes; resolves with the function that stops it. */
  watch: (onOrder: (order: Order) => void, onError: (error: Error) => void) => Promise<() => void>;
  /** Reads the order now (undefined: gone). */
  reread: () => Promise<Order | undefined>;
  keepAliveMs: number;
  /** How often a pending order is read again. */
  pendingRereadMs: number;
  log: Logger;
}

/** An order whose next step comes within seconds: its reservation, or the link to pay. */
const awaitsNews = (order: Order) =>
  order.status === 'pending' || (order.status === 'awaiting-payment' && !order.payment);

export function streamOrder(
  c: Context,
  { first, watch, reread, keepAliveMs, pendingRereadMs, log }: OrderStreamOptions,
): Response {
  return streamSSE(c, async (stream) => {
    // Each change appends to the timeline: its length orders the states and skips repeats (the
    // listener's first snapshot is the order already sent).
    let sent = 0;
    let latest = first;
    let writing = Promise.resolve();
    const send = (order: Order) => {
      if (order.timeline.length <= sent) return;
      sent = order.timeline.length;
      latest = order;
      const data = JSON.stringify(order);
      writing = writing.then(() => stream.writeSSE({ event: 'order', id: String(sent), data }));
    };
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    stream.onAbort(finish);
    send(first);
    const stop = await watch(send, (error) => {
      // The client's EventSource reconnects and gets the order again.
      log.warn('order watch failed; closing the event stream', { error });
      finish();
    });
    let reading = false;
    const check = () => {
      if (reading || TRANSITIONS[latest.status].length === 0) return;
      reading = true;
      reread()
        .then((order) => order && send(order))
        .catch((error) => log.warn('reading the order again failed', { error }))
        .finally(() => {
          reading = false;
        });
    };
    const keepAlive = setInterval(() => {
      check();
      writing = writing.then(async () => {
        await stream.write(': keep-alive\n\n');
      });
    }, keepAliveMs);
    const pendingCheck = setInterval(() => {
      if (awaitsNews(latest)) check();
    }, pendingRereadMs);
    try {
      await finished;
    } finally {
      clearInterval(keepAlive);
      clearInterval(pendingCheck);
      stop();
    }
  });
}
