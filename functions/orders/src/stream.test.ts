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
  customer: {
    name: 'Ada',
    email: 'ada@example.com',
    address: { line1: '1 Row', city: 'London', postalCode: 'SW1A 1AA', country: 'GB' },
  },
  timeline: [{ status: 'pending', at: T0 }],
  createdAt: T0,
  updatedAt: T0,
};
const confirmed: Order = {
  ...pending,
  status: 'confirmed',
  timeline: [...pending.timeline, { status: 'confirmed', at: T0 }],
};

/**
 * A stream over a fake watch: the test plays the listener's snapshots, and `stored` is what a read
 * of the order finds.
 */
function serve({ pendingRereadMs = 60_000, keepAliveMs = 60_000 } = {}) {
  const listener: { onOrder?: (order: Order) => void } = {};
  const stop = vi.fn();
  const state = { stored: pending, reads: 0 };
  const app = new Hono().get('/', (c) =>
    streamOrder(c, {
      first: pending,
      watch: async (onOrder) => {
        listener.onOrder = onOrder;
        return stop;
      },
      reread: async () => {
        state.reads++;
        return state.stored;
      },
      keepAliveMs,
      pendingRereadMs,
      log: createLogger({ service: 'test', level: 'silent' }),
    }),
  );
  return { app, listener, stop, state };
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

  it('reads a pending order again, so a change the listener never reports still reaches the shopper', async () => {
    const { app, listener, state } = serve({ pendingRereadMs: 50 });
    const reader = (await app.request('/')).body!.getReader();
    await read(reader, /\n\n/);
    await vi.waitFor(() => expect(listener.onOrder).toBeDefined());
    listener.onOrder!(pending); // the listener's first snapshot, and then silence
    state.stored = confirmed;
    expect(await read(reader, /\n\n/)).toBe(`event: order\ndata: ${JSON.stringify(confirmed)}\nid: 2\n\n`);
    // Confirmed changes only when someone acts: no more reads on the pending schedule.
    const reads = state.reads;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(state.reads).toBe(reads);
    await reader.cancel();
  });

  it('reads an order awaiting payment again until its payment link is there', async () => {
    const { app, listener, state } = serve({ pendingRereadMs: 50 });
    const reader = (await app.request('/')).body!.getReader();
    await read(reader, /\n\n/);
    await vi.waitFor(() => expect(listener.onOrder).toBeDefined());
    const awaiting: Order = {
      ...pending,
      status: 'awaiting-payment',
      timeline: [...pending.timeline, { status: 'awaiting-payment', at: T0 }],
    };
    state.stored = awaiting;
    expect(await read(reader, /\n\n/)).toContain('"status":"awaiting-payment"');
    const linked: Order = {
      ...awaiting,
      payment: { paymentId: 'pay_1', status: 'requested', checkoutUrl: 'https://pay.example/cs_1' },
      timeline: [...awaiting.timeline, { status: 'awaiting-payment', at: T0, reason: 'payment requested' }],
    };
    state.stored = linked;
    expect(await read(reader, /\n\n/)).toContain('"checkoutUrl":"https://pay.example/cs_1"');
    // The shopper now pays on the provider's page: no more reads on the quick schedule.
    const reads = state.reads;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(state.reads).toBe(reads);
    await reader.cancel();
  });

  it('reads an order that can still change again at each keep-alive, and a final one never', async () => {
    const delivered: Order = {
      ...confirmed,
      status: 'delivered',
      timeline: [...confirmed.timeline, { status: 'delivered', at: T0 }],
    };
    const { app, state } = serve({ keepAliveMs: 50 });
    state.stored = confirmed;
    const reader = (await app.request('/')).body!.getReader();
    expect(await read(reader, /"status":"confirmed"[^\n]*\nid: 2\n\n/)).toContain('id: 2');
    state.stored = delivered;
    expect(await read(reader, /"status":"delivered"[^\n]*\nid: 3\n\n/)).toContain(': keep-alive');
    const reads = state.reads;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(state.reads).toBe(reads);
    await reader.cancel();
  });
});
