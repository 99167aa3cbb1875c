/** The sandbox adapter against the provider's HTTP API, faked with msw (a third party). */
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProviderRefused, ProviderUnavailable, WebhookRejected } from '../provider.ts';
import { SandboxProvider, sandboxSignature } from './sandbox.ts';

const URL_BASE = 'http://psp.test';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const provider = new SandboxProvider({
  url: URL_BASE,
  apiKey: 'sk_test_key',
  webhookSecret: 'whsec_0123456789abcdef',
  timeoutMs: 200,
});
const problem = (status: number) =>
  HttpResponse.json(
    { title: 'x', status, detail: `failed ${status}` },
    { status, headers: { 'content-type': 'application/problem+json' } },
  );

describe('the sandbox adapter', () => {
  it('opens a checkout with the key, the Idempotency-Key and the documented body', async () => {
    let seen: { headers: Headers; body: unknown } | undefined;
    server.use(
      http.post(`${URL_BASE}/v1/checkout-sessions`, async ({ request }) => {
        seen = { headers: request.headers, body: await request.json() };
        return HttpResponse.json(
          {
            id: 'cs_1',
            paymentId: 'pay_1',
            url: `${URL_BASE}/pay/cs_1`,
            expiresAt: '2026-12-07T02:00:00+00:00',
          },
          { status: 201 },
        );
      }),
    );
    const checkout = await provider.createCheckout({
      reference: 'o1',
      amountCents: 1200,
      currency: 'EUR',
      returnUrl: 'https://shop.example/orders/o1',
      expiresAt: '2026-12-07T02:00:00.000Z',
      idempotencyKey: 'o1',
    });
    expect(checkout).toEqual({
      sessionId: 'cs_1',
      paymentId: 'pay_1',
      url: `${URL_BASE}/pay/cs_1`,
      expiresAt: '2026-12-07T02:00:00.000Z',
    });
    expect(seen!.headers.get('authorization')).toBe('Bearer sk_test_key');
    expect(seen!.headers.get('idempotency-key')).toBe('o1');
    expect(seen!.body).toEqual({
      amount: 1200,
      currency: 'EUR',
      reference: 'o1',
      returnUrl: 'https://shop.example/orders/o1',
      expiresAt: '2026-12-07T02:00:00.000Z',
    });
  });

  it('makes 5xx, 429, a timeout and a dropped connection retryable, and a 409 a refusal', async () => {
    const refund = () => provider.refund({ paymentId: 'pay_1', amountCents: 100, idempotencyKey: 'k' });
    for (const answer of [() => problem(503), () => problem(429), () => HttpResponse.error()]) {
      server.use(http.post(`${URL_BASE}/v1/payments/pay_1/refunds`, answer));
      await expect(refund()).rejects.toBeInstanceOf(ProviderUnavailable);
    }
    server.use(
      http.post(`${URL_BASE}/v1/payments/pay_1/refunds`, async () => {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        return HttpResponse.json({ refundId: 're_1' });
      }),
    );
    await expect(refund()).rejects.toBeInstanceOf(ProviderUnavailable);
    server.use(http.post(`${URL_BASE}/v1/payments/pay_1/refunds`, () => problem(409)));
    await expect(refund()).rejects.toThrow(new ProviderRefused(409, 'failed 409'));
    server.use(
      http.post(`${URL_BASE}/v1/payments/pay_1/refunds`, () =>
        HttpResponse.json({ refundId: 're_1', status: 'succeeded' }),
      ),
    );
    expect(await refund()).toEqual({ refundId: 're_1' });
  });

  it('verifies a webhook by its HMAC and age, in constant time, and reads the event', () => {
    const body = JSON.stringify({
      id: 'evt_1',
      type: 'payment.declined',
      created: 1_800_000_000,
      data: {
        paymentId: 'pay_1',
        sessionId: 'cs_1',
        reference: 'o1',
        amount: 1200,
        currency: 'EUR',
        code: 'card_declined',
        message: 'Declined.',
      },
    });
    const at = 1_800_000_000;
    const headers = (value: string) => new Headers({ 'Sandbox-Signature': value });
    const good = `t=${at},v1=${sandboxSignature('whsec_0123456789abcdef', at, body)}`;
    expect(provider.verifyWebhook(body, headers(good), at * 1000 + 299_000)).toEqual({
      id: 'evt_1',
      type: 'payment.declined',
      paymentId: 'pay_1',
      reference: 'o1',
      amountCents: 1200,
      currency: 'EUR',
      code: 'card_declined',
      message: 'Declined.',
    });
    // A second v1 (during a secret rotation) may be the matching one.
    expect(
      provider.verifyWebhook(body, headers(`t=${at},v1=${'0'.repeat(64)},${good.split(',')[1]}`), at * 1000)
        .id,
    ).toBe('evt_1');
    for (const [value, now] of [
      [good, at * 1000 + 301_000],
      [good, at * 1000 - 301_000],
      [`t=${at},v1=${'0'.repeat(64)}`, at * 1000],
      [`t=${at}`, at * 1000],
      ['', at * 1000],
      [good.replace(`t=${at}`, `t=${at + 1}`), at * 1000],
    ] as const) {
      expect(() => provider.verifyWebhook(body, headers(value), now)).toThrow(WebhookRejected);
    }
    const notAnEvent = '{"id":"evt_2"}';
    const signed = `t=${at},v1=${sandboxSignature('whsec_0123456789abcdef', at, notAnEvent)}`;
    expect(() => provider.verifyWebhook(notAnEvent, headers(signed), at * 1000)).toThrow(
      expect.objectContaining({ reason: 'malformed' }),
    );
  });
});
