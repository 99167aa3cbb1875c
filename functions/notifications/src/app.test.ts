/**
 * notifications in process: deliveries signed as the broker's, the real Firestore emulator, and a
 * real SMTP server (the local runner's mail catcher) that can refuse messages.
 */
import { randomUUID } from 'node:crypto';
import { Transaction, WriteBatch } from '@google-cloud/firestore';
import { asStaff, cloudEventRequest, metricValue, testEnv } from '@stockflow/kit/testing';
import { startMailCatcher } from '@stockflow/mesh';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { notifications } from './app.ts';
import { Mailer } from './mailer.ts';
import type { MessageView } from './messages.ts';
import { MESSAGES, NotificationsStore, WAITING } from './store.ts';

/** Any staff member may read an order's messages: the least role, a viewer. */
const VIEWER = await asStaff('notifications', 'viewer');
const customer = { name: 'Ada Lovelace', email: 'ada@example.com' };

const running: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (running.length) await running.pop()!();
  vi.restoreAllMocks();
});

async function start(env: Record<string, string> = {}) {
  const catcher = await startMailCatcher();
  const fn = notifications.create({
    env: testEnv('notifications', { SMTP_URL: catcher.smtpUrl, MAIL_RETRY_MIN_MS: '50', ...env }),
  });
  running.push(
    () => catcher.stop(),
    () => fn.rt.close(),
  );
  /** Delivers `io.stockflow.<type>`; a bare name is an order event (`confirmed`: order.confirmed). */
  const deliver = (type: string, data: unknown, id = randomUUID()) =>
    fn.app.request(
      '/events',
      cloudEventRequest({ type: `io.stockflow.${type.includes('.') ? type : `order.${type}`}`, id, data }),
    );
  const messages = async (orderId: string) => {
    const res = await fn.app.request(`/messages?orderId=${orderId}`, { headers: VIEWER });
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: MessageView[] }).items;
  };
  /** The subjects of the mails caught so far, sorted (sending order is not fixed). */
  const subjects = () =>
    catcher
      .messages()
      .map((m) => m.subject)
      .sort();
  /** A PingSource tick: the sweep sends what is due, and the tick answers once it is done. */
  const tick = async () => {
    const res = await fn.app.request(
      '/events',
      cloudEventRequest({
        type: 'dev.knative.sources.ping',
        source: '/apis/v1/namespaces/default/pingsources/x',
      }),
    );
    expect(res.status).toBe(202);
  };
  return { fn, catcher, deliver, messages, subjects, tick };
}

const placed = (orderId: string, withCustomer = true) => ({
  orderId,
  items: [{ productId: 'p1', name: 'Mug', quantity: 2, unitPriceCents: 250 }],
  currency: 'EUR',
  totalCents: 500,
  ...(withCustomer ? { customer } : {}),
});

/** Waits until `check` passes (sending happens after the delivery's answer). */
async function eventually(check: () => Promise<void> | void, timeoutMs = 5_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe('messages to the shopper', () => {
  it('mails one confirmation, with the order, to the customer of order.placed', async () => {
    const { deliver, catcher, messages } = await start();
    expect((await deliver('placed', placed('o1'))).status).toBe(202);
    expect((await deliver('confirmed', { orderId: 'o1' })).status).toBe(202);
    await eventually(() => expect(catcher.messages()).toHaveLength(1));
    const [mail] = catcher.messages();
    expect(mail).toMatchObject({
      envelope: { to: ['ada@example.com'] },
      subject: 'Your order o1 is confirmed',
      messageId: expect.stringMatching(/^<[0-9a-f]{32}@notifications\.stockflow>$/),
    });
    expect(mail!.text).toContain('2 × Mug  €5.00');
    expect(mail!.html).toContain('<strong>o1</strong>');
    await eventually(async () =>
      expect(await messages('o1')).toMatchObject([
        { id: 'o1~confirmed', kind: 'confirmed', status: 'sent', to: 'ada@example.com', attempts: 1 },
      ]),
    );
  });

  it('sends nothing more for a redelivered event, nor for another event of the same meaning', async () => {
    const { deliver, catcher } = await start();
    await deliver('placed', placed('o2'));
    const id = randomUUID();
    await deliver('cancelled', { orderId: 'o2', reason: 'no longer needed' }, id);
    await eventually(() => expect(catcher.messages()).toHaveLength(1));
    expect((await deliver('cancelled', { orderId: 'o2' }, id)).status).toBe(202);
    expect((await deliver('cancelled', { orderId: 'o2' })).status).toBe(202);
    await settle();
    expect(catcher.messages().map((m) => m.subject)).toEqual(['Your order o2 is cancelled']);
    expect(catcher.messages()[0]!.text).toContain('(no longer needed)');
  });

  it('words a cancellation by its cause: the payment declined or not received in time', async () => {
    const { deliver, catcher } = await start();
    await deliver('placed', placed('o11'));
    await deliver('placed', placed('o12'));
    await deliver('cancelled', {
      orderId: 'o11',
      reason: 'Your card was declined.',
      cause: 'payment-declined',
    });
    await deliver('cancelled', { orderId: 'o12', cause: 'payment-expired' });
    await eventually(() => expect(catcher.messages()).toHaveLength(2));
    const text = (subject: string) => catcher.messages().find((m) => m.subject === subject)!.text;
    expect(text('Your order o11 is cancelled')).toContain(
      'your payment was declined, so your order o11 is cancelled. Nothing was charged, and the items were released.',
    );
    expect(text('Your order o12 is cancelled')).toContain('we did not receive your payment in time');
  });

  it('mails each refund once, with its amount and why, and logs no address', async () => {
    const { deliver, catcher, messages, subjects } = await start({ LOG_LEVEL: 'debug' });
    const logged: string[] = [];
    // Every log line of the test (debug and up), kept instead of printed.
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      logged.push(String(chunk));
      return true;
    });
    try {
      await deliver('placed', placed('o13'));
      const refund = (amountCents: number, cause: string, returnId?: string) => ({
        orderId: 'o13',
        paymentId: 'pay_13',
        amountCents,
        currency: 'EUR',
        cause,
        ...(returnId ? { returnId } : {}),
      });
      const first = randomUUID();
      expect((await deliver('payment.refunded', refund(250, 'return', 'r-1'), first)).status).toBe(202);
      // The same delivery again, and the same refund under a new event id: nothing more.
      expect((await deliver('payment.refunded', refund(250, 'return', 'r-1'), first)).status).toBe(202);
      expect((await deliver('payment.refunded', refund(250, 'return', 'r-1'))).status).toBe(202);
      // Another return of the same order, and the rest refunded when the order was cancelled.
      expect((await deliver('payment.refunded', refund(125, 'return', 'r-2'))).status).toBe(202);
      expect((await deliver('payment.refunded', refund(125, 'cancelled'))).status).toBe(202);
      await eventually(() => expect(catcher.messages()).toHaveLength(3));
      await settle();
      expect(subjects()).toEqual([
        'A refund of €1.25 for your order o13',
        'A refund of €1.25 for your order o13',
        'A refund of €2.50 for your order o13',
      ]);
      const bodies = catcher.messages().map((m) => m.text);
      expect(bodies.some((text) => text.includes('for the items you returned (return r-1)'))).toBe(true);
      expect(bodies.some((text) => text.includes('your order was cancelled'))).toBe(true);
      expect(catcher.messages()[0]!.html).toContain('<strong>o13</strong>');
      await eventually(async () =>
        expect((await messages('o13')).map((m) => [m.id, m.kind, m.status]).sort()).toEqual([
          ['o13~refunded~cancelled:pay_13', 'refunded', 'sent'],
          ['o13~refunded~return:r-1', 'refunded', 'sent'],
          ['o13~refunded~return:r-2', 'refunded', 'sent'],
        ]),
      );
    } finally {
      spy.mockRestore();
    }
    const logs = logged.join('');
    expect(logs).toContain('message sent');
    expect(logs).not.toContain('ada@example.com');
    expect(logs).not.toContain('Ada Lovelace');
  });

  it('keeps a refund that comes before order.placed until the contact is known', async () => {
    const { deliver, catcher } = await start();
    await deliver('payment.refunded', {
      orderId: 'o14',
      paymentId: 'pay_14',
      amountCents: 500,
      currency: 'EUR',
      cause: 'late-authorization',
    });
    await settle();
    expect(catcher.messages()).toEqual([]);
    await deliver('placed', placed('o14'));
    await eventually(() =>
      expect(catcher.messages().map((m) => m.subject)).toEqual(['A refund of €5.00 for your order o14']),
    );
    expect(catcher.messages()[0]!.text).toContain('your payment arrived after the order had been cancelled');
  });

  it('waits for order.placed when the news comes first', async () => {
    const { deliver, catcher, messages } = await start();
    await deliver('shipped', { orderId: 'o3' });
    await settle();
    expect(catcher.messages()).toEqual([]);
    expect(await messages('o3')).toMatchObject([{ kind: 'shipped', status: 'waiting', to: null }]);
    await deliver('placed', placed('o3'));
    await eventually(() =>
      expect(catcher.messages().map((m) => m.subject)).toEqual(['Your order o3 has shipped']),
    );
  });

  it('gives each shipment of an order its own message, and nothing more when the last completes it', async () => {
    const { deliver, catcher, messages, subjects } = await start();
    await deliver('placed', placed('o4'));
    const shipment = (shipmentId: string) => ({
      orderId: 'o4',
      shipmentId,
      locationId: shipmentId,
      items: [{ productId: 'p1', quantity: 1 }],
    });
    for (const shipmentId of ['north', 'south', 'north']) {
      expect((await deliver('shipment.shipped', shipment(shipmentId))).status).toBe(202);
    }
    // Shipping the last one completes the order: its order.shipped names that shipment.
    expect((await deliver('shipped', { orderId: 'o4', shipmentId: 'south' })).status).toBe(202);
    await eventually(() => expect(catcher.messages()).toHaveLength(2));
    await settle();
    expect(subjects()).toEqual([
      'Shipment north of your order o4 has shipped',
      'Shipment south of your order o4 has shipped',
    ]);
    expect(catcher.messages()[0]!.text).toContain('1 × Mug');
    expect((await messages('o4')).map((m) => m.id).sort()).toEqual(['o4~shipped~north', 'o4~shipped~south']);
  });

  it('mails the whole order once when it ships at once', async () => {
    const { deliver, catcher } = await start();
    await deliver('placed', placed('o10'));
    expect((await deliver('shipped', { orderId: 'o10' })).status).toBe(202);
    await eventually(() => expect(catcher.messages()).toHaveLength(1));
    expect(catcher.messages()[0]).toMatchObject({ subject: 'Your order o10 has shipped' });
    expect(catcher.messages()[0]!.text).toContain('2 × Mug');
  });

  it('retries when the SMTP server refuses, and mails once when it accepts', async () => {
    const { deliver, catcher, messages } = await start();
    catcher.refuseNext(2);
    await deliver('placed', placed('o5'));
    await deliver('confirmed', { orderId: 'o5' });
    await eventually(async () =>
      expect(await messages('o5')).toMatchObject([{ status: 'sent', attempts: 3 }]),
    );
    expect(catcher.messages()).toHaveLength(1);
  });

  it('marks a message failed after its last attempt, keeping no address in its error', async () => {
    const { fn, deliver, catcher, messages } = await start({ MAIL_MAX_ATTEMPTS: '2' });
    catcher.refuseNext(5);
    await deliver('placed', placed('o6'));
    await deliver('confirmed', { orderId: 'o6' });
    await eventually(async () =>
      expect(await messages('o6')).toMatchObject([{ status: 'failed', attempts: 2 }]),
    );
    const [message] = await messages('o6');
    expect(message!.lastError).toContain('451');
    expect(message!.lastError).not.toContain('ada@');
    const metrics = await (await fn.app.request('/metrics')).text();
    const attempts = (outcome: string) =>
      metricValue(metrics, 'stockflow_queue_attempts_total', {
        queue: 'messages',
        kind: 'confirmed',
        outcome,
      });
    expect([attempts('done'), attempts('retry'), attempts('failed')]).toEqual([undefined, 1, 1]);
    expect(
      metricValue(metrics, 'stockflow_unresolved_items', { item: 'messages-failed' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('keeps orders placed before the contact was announced unaddressed', async () => {
    const { deliver, catcher, messages } = await start();
    await deliver('placed', placed('o7', false));
    await deliver('confirmed', { orderId: 'o7' });
    await settle();
    expect(catcher.messages()).toEqual([]);
    expect(await messages('o7')).toMatchObject([{ status: 'unaddressed', to: null }]);
  });

  it('sends what is due on a PingSource tick (a process that stopped before sending)', async () => {
    const { fn, deliver, catcher, messages, tick } = await start({ MAIL_RETRY_MIN_MS: '600000' });
    catcher.refuseNext(1);
    await deliver('placed', placed('o8'));
    await deliver('confirmed', { orderId: 'o8' });
    await eventually(async () =>
      expect(await messages('o8')).toMatchObject([{ status: 'pending', attempts: 1 }]),
    );
    // Due now, as if its backoff were over.
    const db = await fn.rt.db();
    await db.collection('messages').doc('o8~confirmed').update({ dueAt: new Date() });
    await tick();
    expect(catcher.messages()).toHaveLength(1);
    expect(await messages('o8')).toMatchObject([{ status: 'sent', attempts: 2 }]);
  });

  it('projects order.placed with one read, no query: the waiting messages are listed by order', async () => {
    const { fn, deliver, catcher, messages } = await start();
    const getAll = vi.spyOn(Transaction.prototype, 'getAll');
    const get = vi.spyOn(Transaction.prototype, 'get');
    await deliver('placed', placed('o19'));
    // The dedupe record and the order's list of waiting messages, together; no query.
    expect(getAll).toHaveBeenCalledTimes(1);
    expect(getAll.mock.calls[0]).toHaveLength(2);
    expect(get).not.toHaveBeenCalled();
    getAll.mockRestore();
    get.mockRestore();
    // News first: listed while waiting, composed and sent on order.placed, and the list is gone.
    await deliver('shipped', { orderId: 'o20' });
    await deliver('cancelled', { orderId: 'o20', reason: 'changed my mind' });
    expect(await messages('o20')).toMatchObject([{ status: 'waiting' }, { status: 'waiting' }]);
    await deliver('placed', placed('o20'));
    await eventually(() => expect(catcher.messages()).toHaveLength(2));
    const db = await fn.rt.db();
    expect((await db.collection(WAITING).doc('o20').get()).exists).toBe(false);
  });

  it('reads the message and its order with the dedupe record: one read per staged event', async () => {
    const { deliver, catcher } = await start();
    await deliver('placed', placed('o18'));
    const getAll = vi.spyOn(Transaction.prototype, 'getAll');
    const get = vi.spyOn(Transaction.prototype, 'get');
    await deliver('confirmed', { orderId: 'o18' });
    expect(getAll).toHaveBeenCalledTimes(1);
    expect(getAll.mock.calls[0]).toHaveLength(3);
    expect(get).not.toHaveBeenCalled();
    await eventually(() => expect(catcher.messages()).toHaveLength(1));
  });

  it('sends a message claimed by the transaction that staged it, with no claim of its own', async () => {
    const claim = vi.spyOn(NotificationsStore.prototype, 'claim');
    const { deliver, catcher, messages } = await start();
    // Staged by its own event, and composed from a waiting one on order.placed.
    await deliver('placed', placed('o15'));
    await deliver('confirmed', { orderId: 'o15' });
    await deliver('shipped', { orderId: 'o16' });
    await deliver('placed', placed('o16'));
    await eventually(() => expect(catcher.messages()).toHaveLength(2));
    await eventually(async () => {
      expect(await messages('o15')).toMatchObject([{ status: 'sent', attempts: 1 }]);
      expect(await messages('o16')).toMatchObject([{ status: 'sent', attempts: 1 }]);
    });
    expect(claim).not.toHaveBeenCalled();
  });

  it('leaves a message staged by a process that died before sending leased, then the sweep sends it once', async () => {
    // The process "dies" between the commit and the send: nothing is sent after the commit.
    vi.spyOn(Mailer.prototype, 'sendClaimed').mockImplementation(() => {});
    const { fn, deliver, catcher, messages, tick } = await start({ MAIL_LEASE_MS: '1500' });
    const before = Date.now();
    await deliver('placed', placed('o17'));
    await deliver('confirmed', { orderId: 'o17' });
    const doc = await (await fn.rt.db()).collection(MESSAGES).doc('o17~confirmed').get();
    expect(doc.get('status')).toBe('pending');
    expect(doc.get('attempts')).toBe(1);
    const dueAt = doc.get('dueAt').toMillis();
    expect(dueAt).toBeGreaterThanOrEqual(before + 1500);
    expect(dueAt).toBeLessThanOrEqual(Date.now() + 1500);
    // Leased: a tick before the lease ends sends nothing.
    await tick();
    expect(catcher.messages()).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, dueAt - Date.now() + 50));
    await tick();
    await tick();
    expect(catcher.messages().map((m) => m.subject)).toEqual(['Your order o17 is confirmed']);
    expect(await messages('o17')).toMatchObject([{ status: 'sent', attempts: 2 }]);
  });

  it('marks mails sent together in one commit, and a mark for a message that is gone fails alone', async () => {
    const { fn } = await start();
    const db = await fn.rt.db();
    const store = new NotificationsStore(async () => db, 60_000);
    const ids = Array.from({ length: 8 }, (_, i) => `m-${i}-${randomUUID()}`);
    await Promise.all(
      ids.map((id) => db.collection(MESSAGES).doc(id).set({ status: 'pending', dueAt: new Date() })),
    );
    const commits = vi.spyOn(WriteBatch.prototype, 'commit');
    const marks = await Promise.allSettled([
      ...ids.map((id) => store.markSent(id, '250 OK')),
      store.markSent('gone', '250 OK'),
    ]);
    expect(marks.slice(0, ids.length).every((m) => m.status === 'fulfilled')).toBe(true);
    expect(marks.at(-1)!.status).toBe('rejected');
    // One batch of nine, split by the bad mark into halves and quarters: far fewer than one each.
    expect(commits.mock.calls.length).toBeLessThan(ids.length);
    for (const id of ids) {
      const doc = await db.collection(MESSAGES).doc(id).get();
      expect(doc.get('status')).toBe('sent');
      expect(doc.get('smtpResponse')).toBe('250 OK');
      expect(doc.get('dueAt')).toBeUndefined();
    }
  });

  it('answers staff only, and 400 for a malformed order id', async () => {
    const { fn } = await start();
    expect((await fn.app.request('/messages?orderId=o1')).status).toBe(401);
    expect((await fn.app.request('/messages?orderId=a/b', { headers: VIEWER })).status).toBe(400);
    expect((await fn.app.request('/messages', { headers: VIEWER })).status).toBe(400);
  });

  it('refuses invalid event data with 400 and stages nothing', async () => {
    const { deliver, messages } = await start();
    expect((await deliver('confirmed', { order: 'x' })).status).toBe(400);
    const refund = { orderId: 'o9', paymentId: 'pay_9', amountCents: 100, currency: 'EUR', cause: 'return' };
    expect((await deliver('payment.refunded', { ...refund, cause: 'mistake' })).status).toBe(400);
    expect((await deliver('payment.refunded', { ...refund, amountCents: -1 })).status).toBe(400);
    expect((await deliver('cancelled', { orderId: 'o9', cause: 'bored' })).status).toBe(400);
    expect(
      (await deliver('placed', { ...placed('o9'), customer: { name: 'A', email: 'nope' } })).status,
    ).toBe(400);
    expect(await messages('o9')).toEqual([]);
  });
});
