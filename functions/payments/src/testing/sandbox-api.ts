/**
 * @module A stand-in for the payment sandbox's HTTP API (a third party to payments), faked with msw
 * as lifecycle.md describes it: checkout sessions by Idempotency-Key, captures and refunds with
 * their limits, a payment looked up, a bearer API key, an outage switch and refunds that fail a set number of times. It
 * records every call and signs webhooks the way the sandbox does, for tests to deliver.
 */
import { randomUUID } from 'node:crypto';
import { HttpResponse, type HttpResponseResolver, http } from 'msw';
import { setupServer } from 'msw/node';
import { sandboxSignature } from '../providers/sandbox.ts';

export const SANDBOX_URL = 'http://sandbox.payments.test';
export const SANDBOX_KEY = 'sk_test_0123456789';
export const WEBHOOK_SECRET = 'whsec_test_0123456789abcdef';

export interface SandboxCall {
  path: string;
  idempotencyKey: string | null;
  body: Record<string, unknown>;
}

interface FakePayment {
  id: string;
  sessionId: string;
  reference: string;
  amount: number;
  currency: string;
  authorized: boolean;
  captured: number;
  refunded: number;
}

const problem = (status: number, detail: string) =>
  HttpResponse.json(
    { title: 'Problem', status, detail },
    { status, headers: { 'content-type': 'application/problem+json' } },
  );

export function fakeSandbox() {
  const calls: SandboxCall[] = [];
  const sessions = new Map<string, { id: string; paymentId: string; url: string; expiresAt: string }>();
  const payments = new Map<string, FakePayment>();
  const answered = new Map<string, unknown>();
  const state = { outage: false, refundFailures: 0 };

  const guarded =
    (handle: (call: SandboxCall, params: Record<string, string>) => Response): HttpResponseResolver =>
    async ({ request, params }) => {
      const call: SandboxCall = {
        path: new URL(request.url).pathname,
        idempotencyKey: request.headers.get('idempotency-key'),
        body: (await request.json()) as Record<string, unknown>,
      };
      calls.push(call);
      if (request.headers.get('authorization') !== `Bearer ${SANDBOX_KEY}`) return problem(401, 'bad key');
      if (state.outage) return problem(503, 'outage');
      const key = `${call.path} ${call.idempotencyKey}`;
      if (answered.has(key)) return HttpResponse.json(answered.get(key) as object);
      const res = handle(call, params as Record<string, string>);
      if (res.ok) answered.set(key, await res.clone().json());
      return res;
    };

  const server = setupServer(
    http.post(
      `${SANDBOX_URL}/v1/checkout-sessions`,
      guarded((call) => {
        const known = sessions.get(call.idempotencyKey ?? '');
        if (known) return HttpResponse.json(known, { status: 201 });
        const id = `cs_${randomUUID().slice(0, 8)}`;
        const paymentId = `pay_${randomUUID().slice(0, 8)}`;
        const session = {
          id,
          paymentId,
          url: `${SANDBOX_URL}/pay/${id}`,
          expiresAt: String(call.body.expiresAt),
        };
        sessions.set(call.idempotencyKey ?? id, session);
        payments.set(paymentId, {
          id: paymentId,
          sessionId: id,
          reference: String(call.body.reference),
          amount: Number(call.body.amount),
          currency: String(call.body.currency),
          authorized: false,
          captured: 0,
          refunded: 0,
        });
        return HttpResponse.json(session, { status: 201 });
      }),
    ),
    http.post(
      `${SANDBOX_URL}/v1/payments/:paymentId/capture`,
      guarded((call, params) => {
        const payment = payments.get(params.paymentId!);
        if (!payment?.authorized) return problem(409, 'not authorized');
        payment.captured = Number(call.body.amount);
        return HttpResponse.json({ status: 'captured', amount: payment.captured });
      }),
    ),
    http.post(
      `${SANDBOX_URL}/v1/payments/:paymentId/refunds`,
      guarded((call, params) => {
        const payment = payments.get(params.paymentId!);
        if (!payment?.authorized) return problem(409, 'nothing to refund');
        if (state.refundFailures > 0) {
          state.refundFailures--;
          return problem(503, 'refunds are down');
        }
        const amount = Number(call.body.amount);
        // As the sandbox: before capture only the whole hold is released; a part needs a capture.
        if (!payment.captured && amount !== payment.amount - payment.refunded)
          return problem(409, 'not captured');
        if (amount > (payment.captured || payment.amount) - payment.refunded) return problem(409, 'too much');
        payment.refunded += amount;
        return HttpResponse.json({ refundId: `re_${randomUUID().slice(0, 8)}`, status: 'succeeded' });
      }),
    ),
    // Looking a payment up (a reconcile): in the sandbox's words, recorded like the other calls.
    http.get(`${SANDBOX_URL}/v1/payments/:paymentId`, ({ request, params }) => {
      calls.push({ path: new URL(request.url).pathname, idempotencyKey: null, body: {} });
      if (request.headers.get('authorization') !== `Bearer ${SANDBOX_KEY}`) return problem(401, 'bad key');
      if (state.outage) return problem(503, 'outage');
      const payment = payments.get(params.paymentId as string);
      if (!payment) return problem(404, 'no such payment');
      const status = payment.refunded
        ? 'refunded'
        : payment.captured
          ? 'captured'
          : payment.authorized
            ? 'authorized'
            : 'open';
      return HttpResponse.json({
        paymentId: payment.id,
        sessionId: payment.sessionId,
        reference: payment.reference,
        currency: payment.currency,
        amount: payment.amount,
        capturedAmount: payment.captured,
        refundedAmount: payment.refunded,
        status,
      });
    }),
  );

  return {
    server,
    calls,
    payments,
    /** Every /v1 call answers 503 while on. */
    setOutage(on: boolean) {
      state.outage = on;
    },
    /** The next `count` refund calls answer 503. */
    failRefunds(count: number) {
      state.refundFailures = count;
    },
    /** The payment of a checkout session (what the hosted page decides). */
    authorize(paymentId: string) {
      payments.get(paymentId)!.authorized = true;
    },
  };
}

export interface WebhookInit {
  id?: string;
  type: 'payment.authorized' | 'payment.declined' | 'payment.captured' | 'refund.succeeded';
  paymentId: string;
  reference: string;
  amount: number;
  currency?: string;
  code?: string;
  message?: string;
}

/** A webhook request as the sandbox sends it, signed at `at` (unix seconds; default now). */
export function signedWebhook(
  init: WebhookInit,
  options: { at?: number; secret?: string } = {},
): RequestInit {
  const { id = `evt_${randomUUID()}`, type, paymentId, reference, amount, currency = 'EUR', ...rest } = init;
  const created = options.at ?? Math.floor(Date.now() / 1000);
  const body = JSON.stringify({
    id,
    type,
    created,
    data: { paymentId, sessionId: 'cs_x', reference, amount, currency, ...rest },
  });
  const signature = sandboxSignature(options.secret ?? WEBHOOK_SECRET, created, body);
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'sandbox-signature': `t=${created},v1=${signature}` },
    body,
  };
}
