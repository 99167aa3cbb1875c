/**
 * The payment sandbox over real HTTP: the merchant API, the hosted pages and every test card, and its
 * webhooks as a real receiver on loopback gets them (signature, retries, duplicates, reordering,
 * outage).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { type PaymentSandboxOptions, SIGNATURE_HEADER, startPaymentSandbox } from './index.ts';
import { startWebhookReceiver } from './testing/receiver.ts';
import { retryAfterMs } from './webhooks.ts';

const SHOP = 'http://shop.test:8080';

async function setup(options: Partial<PaymentSandboxOptions> = {}) {
  const receiver = await startWebhookReceiver();
  const sandbox = await startPaymentSandbox({
    apiKey: `sk_test_${randomBytes(16).toString('hex')}`,
    webhookSecret: `whsec_${randomBytes(16).toString('hex')}`,
    webhookUrl: receiver.url,
    slowMs: 300,
    ...options,
  });
  onTestFinished(async () => {
    await sandbox.stop();
    await receiver.stop();
  });

  const api = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${sandbox.url}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${sandbox.apiKey}`,
        'content-type': 'application/json',
        ...headers,
      },
      body: JSON.stringify(body),
    });

  const openSession = async (fields: Record<string, unknown> = {}, key?: string) => {
    const response = await api(
      '/v1/checkout-sessions',
      {
        amount: 1250,
        currency: 'EUR',
        reference: 'ord-1',
        returnUrl: `${SHOP}/orders/ord-1`,
        expiresAt: new Date(Date.now() + 900_000).toISOString(),
        ...fields,
      },
      key ? { 'idempotency-key': key } : {},
    );
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string; paymentId: string; url: string; expiresAt: string };
  };

  /** The hosted form submitted as a browser does (same-origin POST), not following the redirect. */
  const submit = (sessionId: string, card: string, fields: Record<string, string> = {}) =>
    fetch(`${sandbox.url}/pay/${sessionId}`, {
      method: 'POST',
      headers: { origin: sandbox.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ card, expiry: '12/39', cvc: '123', ...fields }),
      redirect: 'manual',
    });

  const confirm = (sessionId: string, result: string) =>
    fetch(`${sandbox.url}/pay/${sessionId}/confirm`, {
      method: 'POST',
      headers: { origin: sandbox.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ result }),
      redirect: 'manual',
    });

  const received = (count: number, timeout = 5000) =>
    vi.waitFor(
      () => {
        expect(receiver.received.length).toBeGreaterThanOrEqual(count);
        return receiver.received;
      },
      { timeout, interval: 20 },
    );

  /** A session paid with 4242: authorized, its webhook received. */
  const authorized = async (fields: Record<string, unknown> = {}) => {
    const session = await openSession(fields);
    sandbox.pay(session.id, '4242 4242 4242 4242');
    await received(receiver.received.length + 1);
    return session;
  };

  return { sandbox, receiver, api, openSession, submit, confirm, received, authorized };
}

/** What a receiver computes from the documented formula: HMAC-SHA256(secret, "<t>.<raw body>"), hex. */
function verifies(secret: string, rawBody: string, header: string): boolean {
  const t = /(?:^|,)t=(\d+)/.exec(header)?.[1];
  const v1 = /(?:^|,)v1=([0-9a-f]{64})/.exec(header)?.[1];
  if (!t || !v1) return false;
  return createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex') === v1;
}

describe('the merchant API', () => {
  it('answers 401 problem+json without the api key, or with another', async () => {
    const { sandbox } = await setup();
    for (const authorization of [undefined, 'Bearer sk_test_wrong', `Basic ${sandbox.apiKey}`]) {
      const response = await fetch(`${sandbox.url}/v1/checkout-sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ amount: 100, currency: 'EUR', reference: 'r', returnUrl: SHOP }),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(await response.json()).toMatchObject({ status: 401, code: 'unauthorized' });
    }
  });

  it('opens a checkout session with a hosted page, the same one again for the same Idempotency-Key', async () => {
    const { sandbox, openSession, api } = await setup();
    const expiresAt = new Date(Date.now() + 600_000).toISOString();
    const first = await openSession({ expiresAt }, 'ord-1');
    expect(first).toEqual({
      id: expect.stringMatching(/^cs_[0-9a-f]{24}$/),
      paymentId: expect.stringMatching(/^pay_[0-9a-f]{24}$/),
      url: `${sandbox.url}/pay/${first.id}`,
      expiresAt,
    });
    expect(await openSession({ expiresAt }, 'ord-1')).toEqual(first);
    expect((await openSession({ expiresAt }, 'ord-2')).id).not.toBe(first.id);

    const reused = await api(
      '/v1/checkout-sessions',
      { amount: 999, currency: 'EUR', reference: 'ord-1', returnUrl: SHOP, expiresAt },
      { 'idempotency-key': 'ord-1' },
    );
    expect(reused.status).toBe(422);
    expect(await reused.json()).toMatchObject({ code: 'idempotency_key_reused' });
  });

  it('refuses a bad body with a problem, and opens nothing', async () => {
    const { sandbox, api } = await setup();
    const bad = [
      { amount: 12.5, currency: 'EUR', reference: 'r', returnUrl: SHOP },
      { amount: 100, currency: 'eur', reference: 'r', returnUrl: SHOP },
      { amount: 100, currency: 'EUR', reference: '', returnUrl: SHOP },
      { amount: 100, currency: 'EUR', reference: 'r', returnUrl: 'javascript:alert(1)' },
      { amount: 100, currency: 'EUR', reference: 'r', returnUrl: SHOP, expiresAt: '2001-01-01T00:00:00Z' },
    ];
    for (const body of bad) {
      const response = await api('/v1/checkout-sessions', body);
      expect(response.status, JSON.stringify(body)).toBe(422);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
    }
    const text = await fetch(`${sandbox.url}/v1/checkout-sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sandbox.apiKey}`, 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(text.status).toBe(415);
    const broken = await fetch(`${sandbox.url}/v1/checkout-sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sandbox.apiKey}`, 'content-type': 'application/json' },
      body: '{"amount":',
    });
    expect(broken.status).toBe(400);
    expect(sandbox.payments()).toEqual([]);
  });
});

describe('the test cards on the hosted page', () => {
  it('4242 4242 4242 4242 approves: 303 back to the shop, webhook payment.authorized', async () => {
    const { sandbox, openSession, submit, received } = await setup();
    const session = await openSession();
    const response = await submit(session.id, '4242 4242 4242 4242');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`${SHOP}/orders/ord-1`);
    const [webhook] = await received(1);
    expect(webhook!.event).toEqual({
      id: expect.stringMatching(/^evt_/),
      type: 'payment.authorized',
      created: expect.any(Number),
      data: {
        paymentId: session.paymentId,
        sessionId: session.id,
        reference: 'ord-1',
        amount: 1250,
        currency: 'EUR',
      },
    });
    expect(sandbox.payments()).toMatchObject([
      {
        paymentId: session.paymentId,
        status: 'authorized',
        amount: 1250,
        capturedAmount: 0,
        refundedAmount: 0,
      },
    ]);
  });

  it.each([
    ['4000 0000 0000 0002', 'card_declined', 'Your card was declined.'],
    ['4000000000009995', 'insufficient_funds', 'Your card has insufficient funds.'],
  ])('%s declines with %s', async (card, code, message) => {
    const { sandbox, openSession, submit, received } = await setup();
    const session = await openSession();
    const response = await submit(session.id, card);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`${SHOP}/orders/ord-1`);
    const [webhook] = await received(1);
    expect(webhook!.event).toMatchObject({ type: 'payment.declined', data: { code, message, amount: 1250 } });
    expect(sandbox.payments()).toMatchObject([{ status: 'declined', code, message }]);

    const page = await fetch(session.url);
    expect(await page.text()).toContain(message);
  });

  it('4000 0027 6000 3184 asks to confirm with the bank; Confirm authorizes', async () => {
    const { sandbox, receiver, openSession, submit, confirm, received } = await setup();
    const session = await openSession();
    const paid = await submit(session.id, '4000 0027 6000 3184');
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe(`/pay/${session.id}`);
    const page = await fetch(session.url);
    const html = await page.text();
    expect(html).toContain('<h1>Confirm with your bank</h1>');
    expect(html).toMatch(/<button type="submit" name="result" value="approve">Confirm<\/button>/);
    expect(html).toMatch(/<button type="submit" name="result" value="fail">Fail<\/button>/);
    await new Promise((r) => setTimeout(r, 100));
    expect(receiver.received).toEqual([]);
    expect(sandbox.payments()).toEqual([]);

    const confirmed = await confirm(session.id, 'approve');
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get('location')).toBe(`${SHOP}/orders/ord-1`);
    const [webhook] = await received(1);
    expect(webhook!.event.type).toBe('payment.authorized');
  });

  it('4000 0027 6000 3184 then Fail declines with authentication_failed', async () => {
    const { sandbox, openSession, submit, confirm, received } = await setup();
    const session = await openSession();
    await submit(session.id, '4000002760003184');
    expect((await confirm(session.id, 'maybe')).status).toBe(400);
    expect((await confirm(session.id, 'fail')).status).toBe(303);
    const [webhook] = await received(1);
    expect(webhook!.event).toMatchObject({
      type: 'payment.declined',
      data: { code: 'authentication_failed' },
    });
    expect(sandbox.payments()).toMatchObject([{ status: 'declined', code: 'authentication_failed' }]);
  });

  it('can be paid (by session id or page URL) and confirmed through the handle, as the pages do', async () => {
    const { sandbox, openSession, received } = await setup();
    const session = await openSession();
    expect(sandbox.pay(session.url, '4000 0027 6000 3184')).toMatchObject({
      status: 'requires-confirmation',
    });
    expect(sandbox.confirm(session.id, 'approve')).toMatchObject({ status: 'authorized', amount: 1250 });
    expect(sandbox.confirm(session.id, 'fail')).toMatchObject({ status: 'authorized' });
    const [webhook] = await received(1);
    expect(webhook!.event).toMatchObject({ type: 'payment.authorized', data: { sessionId: session.id } });
    expect(() => sandbox.pay('cs_unknown', '4242 4242 4242 4242')).toThrow(
      expect.objectContaining({ status: 404 }),
    );
  });

  it('4000 0000 0000 0259 approves at once, but its webhook leaves only after slowMs', async () => {
    const { sandbox, receiver, openSession, submit, received } = await setup({ slowMs: 400 });
    const session = await openSession();
    const started = Date.now();
    expect((await submit(session.id, '4000 0000 0000 0259')).status).toBe(303);
    expect(sandbox.payments()).toMatchObject([{ status: 'authorized' }]);
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.received).toEqual([]);
    const [webhook] = await received(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(webhook!.event.type).toBe('payment.authorized');
  });

  it('4000 0000 0000 5126 approves; its first refund answers 503, the retry succeeds', async () => {
    const { sandbox, openSession, submit, api, received } = await setup();
    const session = await openSession();
    await submit(session.id, '4000 0000 0000 5126');
    await received(1);
    const first = await api(
      `/v1/payments/${session.paymentId}/refunds`,
      { amount: 1250 },
      { 'idempotency-key': 'k' },
    );
    expect(first.status).toBe(503);
    expect(first.headers.get('content-type')).toBe('application/problem+json');
    expect(sandbox.payments()).toMatchObject([{ status: 'authorized', refundedAmount: 0 }]);
    const retry = await api(
      `/v1/payments/${session.paymentId}/refunds`,
      { amount: 1250 },
      { 'idempotency-key': 'k' },
    );
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual({ refundId: expect.stringMatching(/^re_/), status: 'succeeded' });
    const webhooks = await received(2);
    expect(webhooks[1]!.event).toMatchObject({ type: 'refund.succeeded', data: { amount: 1250 } });
  });

  it('any other number shows "Use a test card" and pays nothing', async () => {
    const { sandbox, receiver, openSession, submit } = await setup();
    const session = await openSession();
    const response = await submit(session.id, '5555 5555 5555 4444');
    expect(response.status).toBe(422);
    const html = await response.text();
    expect(html).toMatch(/<p id="card-error" role="alert">Use a test card/);
    expect(html).toContain('aria-describedby="card-error"');
    expect(html).not.toContain('5555');
    expect(() => sandbox.pay(session.id, '1234')).toThrow(expect.objectContaining({ status: 422 }));

    const invalid = await submit(session.id, '4242 4242 4242 4242', { expiry: '13/99', cvc: '1' });
    expect(invalid.status).toBe(422);
    const errors = await invalid.text();
    expect(errors).toContain('id="expiry-error" role="alert"');
    expect(errors).toContain('id="cvc-error" role="alert"');
    await new Promise((r) => setTimeout(r, 100));
    expect(receiver.received).toEqual([]);
    expect(sandbox.payments()).toEqual([]);
  });

  it('serves an accessible page under a strict CSP, and takes forms from itself only', async () => {
    const { sandbox, openSession } = await setup();
    const session = await openSession();
    const response = await fetch(session.url);
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain(`form-action 'self' ${SHOP}`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await response.text();
    expect(html.match(/<h1>/g)).toHaveLength(1);
    expect(html).toContain('<h1>Pay €12.50</h1>');
    for (const name of ['card', 'expiry', 'cvc']) {
      expect(html).toContain(`<label for="${name}">`);
      expect(html).toContain(`id="${name}" name="${name}"`);
    }
    expect(html).toContain('<button type="submit">Pay</button>');
    expect(html).not.toContain('<script');

    const forged = await fetch(`${sandbox.url}/pay/${session.id}`, {
      method: 'POST',
      headers: { origin: 'https://evil.test', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ card: '4242424242424242', expiry: '12/39', cvc: '123' }),
      redirect: 'manual',
    });
    expect(forged.status).toBe(403);
    expect(sandbox.payments()).toEqual([]);
    expect((await fetch(`${sandbox.url}/pay/cs_unknown`)).status).toBe(404);
  });

  it('takes one payment per session: paying again shows the first outcome', async () => {
    const { sandbox, receiver, openSession, submit, received } = await setup();
    const session = await openSession();
    await submit(session.id, '4242 4242 4242 4242');
    const again = await submit(session.id, '4000 0000 0000 0002');
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toBe(`${SHOP}/orders/ord-1`);
    expect(sandbox.pay(session.id, '4000 0000 0000 0002')).toMatchObject({ status: 'authorized' });
    const page = await (await fetch(session.url)).text();
    expect(page).toContain('<h1>Payment approved</h1>');
    await received(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(receiver.received.map((w) => w.event.type)).toEqual(['payment.authorized']);
  });

  it('an expired session shows "This payment has expired" and pays nothing', async () => {
    const { sandbox, receiver, openSession, submit } = await setup();
    const session = await openSession({ expiresAt: new Date(Date.now() + 300).toISOString() });
    await new Promise((r) => setTimeout(r, 400));
    const page = await fetch(session.url);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('<h1>This payment has expired</h1>');
    const paid = await submit(session.id, '4242 4242 4242 4242');
    expect(paid.status).toBe(410);
    expect(() => sandbox.pay(session.id, '4242 4242 4242 4242')).toThrow(
      expect.objectContaining({ status: 410, code: 'session_expired' }),
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(receiver.received).toEqual([]);
    expect(sandbox.payments()).toEqual([]);
  });
});

describe('captures and refunds', () => {
  it('captures an authorized payment once (idempotently), not an unauthorized one', async () => {
    const { sandbox, openSession, api, authorized, received, receiver } = await setup();
    const open = await openSession({ reference: 'ord-open' });
    const refused = await api(`/v1/payments/${open.paymentId}/capture`, { amount: 100 });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: 'payment_not_capturable' });
    expect((await api('/v1/payments/pay_nope/capture', { amount: 100 })).status).toBe(404);

    const session = await authorized();
    const capture = () =>
      api(`/v1/payments/${session.paymentId}/capture`, { amount: 1250 }, { 'idempotency-key': 'ship-1' });
    const first = await capture();
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ status: 'captured', amount: 1250 });
    const replay = await capture();
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ status: 'captured', amount: 1250 });
    const webhooks = await received(2);
    expect(webhooks[1]!.event).toMatchObject({ type: 'payment.captured', data: { amount: 1250 } });

    const twice = await api(
      `/v1/payments/${session.paymentId}/capture`,
      { amount: 1250 },
      { 'idempotency-key': 'x' },
    );
    expect(twice.status).toBe(409);
    await new Promise((r) => setTimeout(r, 100));
    expect(receiver.received.filter((w) => w.event.type === 'payment.captured')).toHaveLength(1);
    expect(sandbox.payments()).toMatchObject([{ status: 'captured', capturedAmount: 1250 }]);
  });

  it('before capture releases the whole authorization only: a part of a hold is refused, capture first', async () => {
    const { sandbox, api, authorized } = await setup();
    const session = await authorized();
    const refund = (amount: number, key: string) =>
      api(`/v1/payments/${session.paymentId}/refunds`, { amount }, { 'idempotency-key': key });
    const part = await refund(500, 'return-1');
    expect(part.status).toBe(409);
    expect(await part.json()).toMatchObject({ code: 'not_captured' });
    expect(sandbox.payments()).toMatchObject([{ status: 'authorized', refundedAmount: 0 }]);
    expect((await api(`/v1/payments/${session.paymentId}/capture`, { amount: 1250 })).status).toBe(200);
    expect((await refund(500, 'return-1b')).status).toBe(200);
    expect(sandbox.payments()).toMatchObject([{ status: 'partially-refunded', capturedAmount: 1250 }]);
  });

  it('releases a whole authorization before capture, as a void', async () => {
    const { sandbox, api, authorized } = await setup();
    const session = await authorized();
    const release = await api(
      `/v1/payments/${session.paymentId}/refunds`,
      { amount: 1250 },
      { 'idempotency-key': 'cancel' },
    );
    expect(release.status).toBe(200);
    expect(sandbox.payments()).toMatchObject([
      { status: 'refunded', capturedAmount: 0, refundedAmount: 1250 },
    ]);
  });

  it('refunds up to what was captured, idempotently, partially then fully', async () => {
    const { sandbox, api, authorized, received, receiver } = await setup();
    const session = await authorized();
    await api(`/v1/payments/${session.paymentId}/capture`, { amount: 1250 });
    const refund = (amount: number, key: string) =>
      api(`/v1/payments/${session.paymentId}/refunds`, { amount }, { 'idempotency-key': key });

    expect((await refund(1251, 'too-much')).status).toBe(409);
    const partial = await refund(500, 'return-1');
    expect(partial.status).toBe(200);
    const { refundId } = (await partial.json()) as { refundId: string };
    expect(await (await refund(500, 'return-1')).json()).toEqual({ refundId, status: 'succeeded' });
    expect(sandbox.payments()).toMatchObject([{ status: 'partially-refunded', refundedAmount: 500 }]);
    expect((await refund(751, 'return-2')).status).toBe(409);
    expect((await refund(750, 'return-2')).status).toBe(200);
    expect(sandbox.payments()).toMatchObject([
      { status: 'refunded', capturedAmount: 1250, refundedAmount: 1250, refunds: [{ refundId }, {}] },
    ]);
    expect((await refund(1, 'return-3')).status).toBe(409);

    await received(4);
    await new Promise((r) => setTimeout(r, 100));
    const refunds = receiver.received.filter((w) => w.event.type === 'refund.succeeded');
    expect(refunds.map((w) => w.event.data)).toMatchObject([
      { amount: 500, refundId },
      { amount: 750, refundId: expect.stringMatching(/^re_/) },
    ]);
  });

  it('refunds an authorized, uncaptured payment (releasing the hold); it cannot be captured after', async () => {
    const { sandbox, api, authorized, openSession, submit } = await setup();
    const session = await authorized();
    expect((await api(`/v1/payments/${session.paymentId}/refunds`, { amount: 1250 })).status).toBe(200);
    expect(sandbox.payments()).toMatchObject([
      { status: 'refunded', capturedAmount: 0, refundedAmount: 1250 },
    ]);
    expect((await api(`/v1/payments/${session.paymentId}/capture`, { amount: 1250 })).status).toBe(409);

    const declined = await openSession({ reference: 'ord-2' });
    await submit(declined.id, '4000 0000 0000 0002');
    expect((await api(`/v1/payments/${declined.paymentId}/refunds`, { amount: 1 })).status).toBe(409);
  });
});

describe('webhooks', () => {
  it('are signed as documented: t=<unix s>,v1=HMAC-SHA256(secret, "<t>.<raw body>")', async () => {
    const { sandbox, authorized, receiver } = await setup();
    await authorized();
    const [webhook] = receiver.received;
    const header = webhook!.headers[SIGNATURE_HEADER.toLowerCase()] as string;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(Math.abs(Number(/t=(\d+)/.exec(header)![1]) - Date.now() / 1000)).toBeLessThan(5);
    expect(webhook!.headers['content-type']).toBe('application/json');
    expect(verifies(sandbox.webhookSecret, webhook!.rawBody, header)).toBe(true);
    expect(verifies('whsec_other', webhook!.rawBody, header)).toBe(false);
    expect(verifies(sandbox.webhookSecret, webhook!.rawBody.replace('1250', '1251'), header)).toBe(false);
  });

  it('are retried on a 500 from the receiver, the same event each time, signed afresh', async () => {
    const { sandbox, receiver, openSession, received } = await setup();
    receiver.answerNext(500, 503);
    const session = await openSession();
    sandbox.pay(session.id, '4242 4242 4242 4242');
    const webhooks = await received(3);
    expect(webhooks.map((w) => w.status)).toEqual([500, 503, 200]);
    expect(new Set(webhooks.map((w) => w.event.id)).size).toBe(1);
    for (const w of webhooks) {
      expect(verifies(sandbox.webhookSecret, w.rawBody, w.headers['sandbox-signature'] as string)).toBe(true);
    }
    await sandbox.webhooksSettled();
    expect(sandbox.webhooksSent()).toMatchObject([
      { type: 'payment.authorized', state: 'delivered', attempts: 3, lastStatus: 200 },
    ]);
  });

  it("wait as long as the receiver's Retry-After asks before trying again", async () => {
    const { sandbox, receiver, openSession, received } = await setup({ retryBaseMs: 5 });
    receiver.answerNext({ status: 429, headers: { 'Retry-After': '1' } }, 503);
    sandbox.pay((await openSession()).id, '4242 4242 4242 4242');
    const [limited, unavailable, delivered] = await received(3);
    // A rate limit's second: not the 5 ms backoff. A 503 without the header: the backoff (10 ms).
    expect(unavailable!.at - limited!.at).toBeGreaterThanOrEqual(950);
    expect(delivered!.status).toBe(200);
    await sandbox.webhooksSettled();
    expect(sandbox.webhooksSent()).toMatchObject([{ state: 'delivered', attempts: 3 }]);
  });

  it('read Retry-After as seconds or an HTTP date, bounded', () => {
    const now = Date.parse('2026-12-07T12:00:00Z');
    expect(retryAfterMs('30', now)).toBe(30_000);
    expect(retryAfterMs('Mon, 07 Dec 2026 12:00:10 GMT', now)).toBe(10_000);
    expect(retryAfterMs('Mon, 07 Dec 2026 11:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('86400', now)).toBe(300_000);
    expect(retryAfterMs('soon', now)).toBe(0);
    expect(retryAfterMs(null, now)).toBe(0);
  });

  it('are kept as failed after 8 attempts', async () => {
    const { sandbox, receiver, openSession } = await setup({ retryBaseMs: 5 });
    receiver.answerNext(...Array(10).fill(500));
    sandbox.pay((await openSession()).id, '4242 4242 4242 4242');
    await sandbox.webhooksSettled();
    expect(receiver.received).toHaveLength(8);
    expect(sandbox.webhooksSent()).toMatchObject([{ state: 'failed', attempts: 8, lastStatus: 500 }]);
  });

  it('are sent twice while duplicates are on: the same id and body', async () => {
    const { sandbox, openSession, received } = await setup();
    sandbox.setDuplicateWebhooks(true);
    sandbox.pay((await openSession()).id, '4242 4242 4242 4242');
    const [a, b] = await received(2);
    expect(a!.event.id).toBe(b!.event.id);
    expect(a!.rawBody).toBe(b!.rawBody);
    expect(sandbox.webhooksSent()).toHaveLength(2);
  });

  it('can be held and released in reverse order', async () => {
    const { sandbox, receiver, openSession, api } = await setup();
    sandbox.holdWebhooks();
    const session = await openSession();
    sandbox.pay(session.id, '4242 4242 4242 4242');
    await api(`/v1/payments/${session.paymentId}/capture`, { amount: 1250 });
    await api(`/v1/payments/${session.paymentId}/refunds`, { amount: 250 });
    await new Promise((r) => setTimeout(r, 100));
    expect(receiver.received).toEqual([]);
    expect(sandbox.webhooksSent().map((w) => w.state)).toEqual(['held', 'held', 'held']);

    await sandbox.releaseWebhooks({ reverse: true });
    expect(receiver.received.map((w) => w.event.type)).toEqual([
      'refund.succeeded',
      'payment.captured',
      'payment.authorized',
    ]);
  });

  it('wait during an outage, when every /v1 call answers 503, and leave after', async () => {
    const { sandbox, receiver, openSession, api, received } = await setup();
    const session = await openSession();
    sandbox.setOutage(true);
    for (const response of [
      await api('/v1/checkout-sessions', { amount: 1, currency: 'EUR', reference: 'r', returnUrl: SHOP }),
      await fetch(`${sandbox.url}/v1/checkout-sessions`, { method: 'POST' }),
      await api(`/v1/payments/${session.paymentId}/capture`, { amount: 1 }),
    ]) {
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
    }
    sandbox.pay(session.id, '4242 4242 4242 4242');
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received).toEqual([]);
    expect(sandbox.webhooksSent()).toMatchObject([{ state: 'waiting', attempts: 0 }]);

    sandbox.setOutage(false);
    const [webhook] = await received(1);
    expect(webhook!.event.type).toBe('payment.authorized');
    expect((await api(`/v1/payments/${session.paymentId}/capture`, { amount: 1250 })).status).toBe(200);
  });

  it('end at once when the sandbox stops, even with an attempt under way', async () => {
    const { sandbox, receiver, openSession, received } = await setup();
    receiver.delayAnswers(1000);
    sandbox.pay((await openSession()).id, '4242 4242 4242 4242');
    await received(1);
    const stopping = Date.now();
    await sandbox.stop();
    await sandbox.webhooksSettled();
    expect(Date.now() - stopping).toBeLessThan(200);
    expect(receiver.received).toHaveLength(1);
  });

  it('wait for a webhook URL when none is set', async () => {
    const { sandbox, receiver, openSession, received } = await setup({ webhookUrl: undefined });
    sandbox.setWebhookUrl(undefined);
    sandbox.pay((await openSession()).id, '4242 4242 4242 4242');
    await new Promise((r) => setTimeout(r, 100));
    expect(receiver.received).toEqual([]);
    sandbox.setWebhookUrl(receiver.url);
    await received(1);
  });
});
