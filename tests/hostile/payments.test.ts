/**
 * payments under hostile input: its public webhook route takes anything from anyone, signed or not.
 * Unsigned, wrongly signed or stale: 401 problem+json; signed by the right secret but not a sandbox
 * event: 400; never a 5xx, and nothing stored. Hostile data for the events it consumes: 400.
 */
import { randomUUID } from 'node:crypto';
import { cloudEventRequest, testEnv } from '@stockflow/kit/testing';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { payments } from '../../functions/payments/src/app.ts';
import { sandboxSignature } from '../../functions/payments/src/providers/sandbox.ts';
import {
  expectProblem,
  headerValue,
  holdsWithoutStateChange,
  hostileBodyText,
  hostileJson,
  nastyNumber,
  nastyString,
} from './harness.ts';

const SECRET = 'whsec_hostile_0123456789abcdef';
const fn = payments.create({
  env: testEnv('hostile-payments', {
    // Nothing reaches the provider here: only webhooks and refused events.
    PAYMENT_PROVIDER_URL: 'http://127.0.0.1:9',
    PAYMENT_API_KEY: 'sk_hostile_key',
    PAYMENT_WEBHOOK_SECRET: SECRET,
  }),
});
afterAll(async () => {
  await fn.rt.outbox.drain(500);
  await fn.rt.close();
});

const now = () => Math.floor(Date.now() / 1000);
const post = (body: string, signature?: string) =>
  fn.app.request('/webhooks/sandbox', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(signature === undefined ? {} : { 'sandbox-signature': signature }),
    },
    body,
  });
const sign = (body: string, at = now()) => `t=${at},v1=${sandboxSignature(SECRET, at, body)}`;

// A payment to keep unchanged: one authorization, applied.
const seeded = JSON.stringify({
  id: `evt_${randomUUID()}`,
  type: 'payment.authorized',
  created: now(),
  data: { paymentId: 'pay_h', sessionId: 'cs_h', reference: 'o-hostile', amount: 100, currency: 'EUR' },
});
expect((await post(seeded, sign(seeded))).status).toBe(200);

describe('payments under hostile input', () => {
  it('refuses unsigned, forged and stale webhooks with 401 and changes nothing', async () => {
    const signature = fc.oneof(
      headerValue,
      fc.constant(undefined),
      fc.integer({ min: 301, max: 10_000_000 }).map((age) => `stale:${age}`),
    );
    await holdsWithoutStateChange(fn, hostileBodyText, signature, async (body, header) => {
      const value = header?.startsWith('stale:') ? sign(body, now() - Number(header.slice(6))) : header;
      await expectProblem(await post(body, value), [401]);
    });
    // A signed event sent again later than the tolerance: refused too, however valid it was.
    await expectProblem(await post(seeded, sign(seeded, now() - 301)), [401]);
  });

  it('refuses signed bodies that are not sandbox events with 400 and changes nothing', async () => {
    const wrongEvent = fc.record({
      id: fc.oneof(nastyString, nastyNumber, fc.constant(null)),
      type: fc.oneof(nastyString, fc.constantFrom('payment.refunded', 'charge.succeeded')),
      created: fc.oneof(nastyNumber, nastyString),
      data: fc.oneof(
        hostileJson,
        fc.record({
          paymentId: nastyString,
          reference: nastyString,
          amount: nastyNumber,
          currency: nastyString,
        }),
      ),
    });
    await holdsWithoutStateChange(fn, fc.oneof(hostileJson, wrongEvent), async (value) => {
      const body = JSON.stringify(value) ?? 'null';
      const res = await post(body, sign(body));
      // A random value may happen to be a valid event only with a valid type, id and amounts.
      await expectProblem(res, [400]);
    });
  });

  it('refuses hostile data for the events it consumes with 400', async () => {
    const types = fc.constantFrom(
      'io.stockflow.order.awaiting-payment',
      'io.stockflow.order.cancelled',
      'io.stockflow.order.shipped',
      'io.stockflow.shipment.shipped',
      'io.stockflow.return.inspected',
    );
    // No string orderId: order.cancelled and order.shipped need nothing else, so it may be valid.
    const withoutOrderId = (value: unknown) =>
      !(value && typeof value === 'object' && typeof (value as { orderId?: unknown }).orderId === 'string');
    const data = fc.oneof(
      hostileJson.filter(withoutOrderId),
      fc.record({
        orderId: fc.oneof(nastyNumber, fc.constant(null)),
        totalCents: nastyNumber,
        refundCents: nastyNumber,
      }),
    );
    await holdsWithoutStateChange(fn, types, data, async (type, value) => {
      await expectProblem(await fn.app.request('/events', cloudEventRequest({ type, data: value })), [400]);
    });
  });
});
