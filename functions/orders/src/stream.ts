/**
 * @module An order as Server-Sent Events: an `order` event with the whole order at once and after
 * every change, whichever instance makes it (a Firestore listener, not an in-process emitter), with
 * keep-alive comments, until the client goes away.
 */
import type { Order } from '@stockflow/contracts';
import type { Logger } from '@stockflow/kit';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';

export interface OrderStreamOptions {
  /** The order as just read: sent at once. */
  first: Order;
  /** Starts listening to the order's changes; resolves with the function that stops it. */
  watch: (onOrder: (order: Order) => void, onError: (error: Error) => void) => Promise<() => void>;
  keepAliveMs: number;
  log: Logger;
}

export function streamOrder(c: Context, { first, watch, keepAliveMs, log }: OrderStreamOptions): Response {
  return streamSSE(c, async (stream) => {
    // Each change appends to the timeline: its length orders the states and skips repeats (the
    // listener's first snapshot is the order already sent).
    let sent = 0;
    let writing = Promise.resolve();
    const send = (order: Order) => {
      if (order.timeline.length <= sent) return;
      sent = order.timeline.length;
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
    const keepAlive = setInterval(() => {
      writing = writing.then(async () => {
        await stream.write(': keep-alive\n\n');
      });
    }, keepAliveMs);
    try {
      await finished;
    } finally {
      clearInterval(keepAlive);
      stop();
    }
  });
}
