import type { Order } from '@stockflow/contracts';
import { createLogger } from '@stockflow/kit';
import { Hono } from 'hono';
import { describe, expect, it, vi } from 'vitest';
import { streamOrder } from './stream.ts';

const T0 = '2026-01-01T00:00:00.000Z';
const pending: Order = {
  id: 'o1',
  status: 'pending',
  items: [{ productId: 'p1', name: 'P1', quantity: 1, unitPriceCents: 100 }],
  totalCents: 100,
  currency: 'EUR',
  customer: { name: 'Ada', email: 'ada@example.com' },
  timeline: [{ status: 'pending', at: T0 }],
  createdAt: T0,
  updatedAt: T0,
};
const confirmed: Order = {
  ...pending,
  status: 'confirmed',
  timeline: [...pending.timeline, { status: 'confirmed', at: T0 }],
};

/** A stream over a fake watch: the test plays the listener's snapshots. */
function serve() {
  const listener: { onOrder?: (order: Order) => void } = {};
  const stop = vi.fn();
  const app = new Hono().get('/', (c) =>
    streamOrder(c, {
      first: pending,
      watch: async (onOrder) => {
        listener.onOrder = onOrder;
        return stop;
      },
      keepAliveMs: 60_000,
      log: createLogger({ service: 'test', level: 'silent' }),
    }),
  );
  return { app, listener, stop };
}

async function read(reader: ReadableStreamDefaultReader<Uint8Array>, until: RegExp): Promise<string> {
  let text = '';
  const decoder = new TextDecoder();
  while (!until.test(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

describe('the order event stream', () => {
  it('sends the first order, then each newer state once, and stops listening when the client leaves', async () => {
    const { app, listener, stop } = serve();
    const res = await app.request('/');
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    const first = await read(reader, /\n\n/);
    expect(first).toBe(`event: order\ndata: ${JSON.stringify(pending)}\nid: 1\n\n`);
    await vi.waitFor(() => expect(listener.onOrder).toBeDefined());
    // The listener's first snapshot repeats what was sent; an older state never goes out.
    listener.onOrder!(pending);
    listener.onOrder!(confirmed);
    listener.onOrder!(pending);
    const next = await read(reader, /\n\n/);
    expect(next).toBe(`event: order\ndata: ${JSON.stringify(confirmed)}\nid: 2\n\n`);
    const shipped: Order = {
      ...confirmed,
      status: 'shipped',
      timeline: [...confirmed.timeline, { status: 'shipped', at: T0 }],
    };
    listener.onOrder!(shipped);
    expect(await read(reader, /\n\n/)).toMatch(/^event: order\ndata: .*"status":"shipped".*\nid: 3\n\n$/);
    expect(stop).not.toHaveBeenCalled();
    await reader.cancel();
    await vi.waitFor(() => expect(stop).toHaveBeenCalledOnce());
  });
});
