/**
 * @module The sandbox's HTTP face (Hono): the merchant API under `/v1` (bearer api key, Idempotency-Key,
 * `application/problem+json` errors, 503 for everything during an outage) and the hosted pages under
 * `/pay/:id` where the shopper types a test card.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { type CheckoutSession, isDecided, type PaymentBook, SandboxProblem } from './book.ts';
import { cardDigits } from './cards.ts';
import {
  confirmPage,
  expiredPage,
  type FormErrors,
  notFoundPage,
  outcomePage,
  pageCsp,
  payPage,
} from './pages.ts';

export interface SandboxAppOptions {
  book: PaymentBook;
  apiKey: string;
  /** The sandbox's own base URL (the hosted page's address is `<base>/pay/<id>`). */
  baseUrl: () => string;
  outage: () => boolean;
  /** A session's lifetime when the merchant gives no `expiresAt`. */
  defaultSessionMs?: number;
}

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const Cents = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

const CheckoutBody = z.strictObject({
  amount: Cents,
  currency: z.string().refine((code) => CURRENCIES.has(code), 'an ISO 4217 code in capitals, like EUR'),
  reference: z.string().min(1).max(200),
  returnUrl: z.url({ protocol: /^https?$/ }),
  expiresAt: z.optional(z.iso.datetime({ offset: true })),
});
const AmountBody = z.strictObject({ amount: Cents });

/** What a successful call answered, kept per Idempotency-Key (failures are not kept: a retry re-runs). */
interface Kept {
  fingerprint: string;
  status: ContentfulStatusCode;
  body: unknown;
}

export function sandboxApp(options: SandboxAppOptions): Hono {
  const { book, baseUrl, outage, defaultSessionMs = 24 * 3600_000 } = options;
  const apiKeyDigest = digest(options.apiKey);
  const kept = new Map<string, Kept>();
  const app = new Hono();

  app.use(bodyLimit({ maxSize: 64 * 1024 }));

  app.use('/v1/*', async function merchantApi(c, next) {
    if (outage()) {
      throw new SandboxProblem(503, 'provider_unavailable', 'The provider is having an outage.');
    }
    const token = /^Bearer (\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (!token || !timingSafeEqual(digest(token), apiKeyDigest)) {
      throw new SandboxProblem(
        401,
        'unauthorized',
        'A valid API key is required: Authorization: Bearer <key>.',
      );
    }
    await next();
  });

  /** Runs a call once per Idempotency-Key on this path; the same key with another body is refused. */
  const once = async (
    c: Context,
    body: unknown,
    run: () => { status: ContentfulStatusCode; body: unknown },
  ) => {
    const key = c.req.header('idempotency-key');
    if (key === undefined) {
      const result = run();
      return c.json(result.body, result.status);
    }
    if (key.length === 0 || key.length > 255) {
      throw new SandboxProblem(400, 'invalid_request', 'An Idempotency-Key has 1 to 255 characters.');
    }
    const slot = `${c.req.path} ${key}`;
    const fingerprint = JSON.stringify(body);
    const earlier = kept.get(slot);
    if (earlier) {
      if (earlier.fingerprint !== fingerprint) {
        throw new SandboxProblem(
          422,
          'idempotency_key_reused',
          'This Idempotency-Key was used with another request body.',
        );
      }
      c.header('Idempotent-Replayed', 'true');
      return c.json(earlier.body, earlier.status);
    }
    const result = run();
    kept.set(slot, { fingerprint, ...result });
    return c.json(result.body, result.status);
  };

  app.post('/v1/checkout-sessions', async (c) => {
    const body = await jsonBody(c, CheckoutBody);
    return once(c, body, () => {
      const session = book.openSession({
        amount: body.amount,
        currency: body.currency,
        reference: body.reference,
        returnUrl: body.returnUrl,
        expiresAt: new Date(body.expiresAt ?? Date.now() + defaultSessionMs).toISOString(),
      });
      return {
        status: 201,
        body: {
          id: session.id,
          paymentId: session.paymentId,
          url: `${baseUrl()}/pay/${session.id}`,
          expiresAt: session.expiresAt,
        },
      };
    });
  });

  app.post('/v1/payments/:paymentId/capture', async (c) => {
    const body = await jsonBody(c, AmountBody);
    return once(c, body, () => ({ status: 200, body: book.capture(c.req.param('paymentId'), body.amount) }));
  });

  app.post('/v1/payments/:paymentId/refunds', async (c) => {
    const body = await jsonBody(c, AmountBody);
    return once(c, body, () => ({ status: 200, body: book.refund(c.req.param('paymentId'), body.amount) }));
  });

  app.get('/v1/payments/:paymentId', (c) => {
    const payment = book.payment(c.req.param('paymentId'));
    if (!payment) throw new SandboxProblem(404, 'payment_not_found', 'No such payment.');
    return c.json(payment);
  });

  // The hosted pages: forms post only from the pages themselves (Origin or Sec-Fetch-Site checked).
  app.use('/pay/*', secureHeaders({ strictTransportSecurity: false, xFrameOptions: 'DENY' }), csrf());

  app.get('/pay/:id', (c) => {
    const session = book.session(c.req.param('id'));
    if (!session) return page(c, 404, notFoundPage());
    if (isDecided(session.payment)) return page(c, 200, outcomePage(session, session.payment), session);
    if (session.expired) return page(c, 410, expiredPage(session), session);
    if (session.payment.status === 'requires-confirmation')
      return page(c, 200, confirmPage(session), session);
    return page(c, 200, payPage(session), session);
  });

  app.post('/pay/:id', async (c) => {
    const session = book.session(c.req.param('id'));
    if (!session) return page(c, 404, notFoundPage());
    // Paying a session twice shows the first outcome.
    if (isDecided(session.payment)) return c.redirect(session.returnUrl, 303);
    if (session.expired) return page(c, 410, expiredPage(session), session);
    if (session.payment.status === 'requires-confirmation') return c.redirect(`/pay/${session.id}`, 303);
    const form = await c.req.parseBody();
    const errors = formErrors(String(form.card ?? ''), String(form.expiry ?? ''), String(form.cvc ?? ''));
    if (Object.keys(errors).length > 0) return page(c, 422, payPage(session, errors), session);
    try {
      const payment = book.pay(session.id, String(form.card));
      if (payment.status === 'requires-confirmation') return c.redirect(`/pay/${session.id}`, 303);
      return c.redirect(session.returnUrl, 303);
    } catch (error) {
      if (error instanceof SandboxProblem && error.code === 'not_a_test_card') {
        return page(c, 422, payPage(session, { card: NOT_A_TEST_CARD }), session);
      }
      throw error;
    }
  });

  app.post('/pay/:id/confirm', async (c) => {
    const session = book.session(c.req.param('id'));
    if (!session) return page(c, 404, notFoundPage());
    if (isDecided(session.payment)) return c.redirect(session.returnUrl, 303);
    if (session.expired) return page(c, 410, expiredPage(session), session);
    const { result } = await c.req.parseBody();
    if (result !== 'approve' && result !== 'fail') {
      throw new SandboxProblem(400, 'invalid_request', 'result is approve or fail.');
    }
    if (session.payment.status !== 'requires-confirmation') return c.redirect(`/pay/${session.id}`, 303);
    book.confirm(session.id, result);
    return c.redirect(session.returnUrl, 303);
  });

  app.notFound((c) =>
    problem(c, new SandboxProblem(404, 'not_found', `No route ${c.req.method} ${c.req.path}.`)),
  );
  app.onError((error, c) => {
    if (error instanceof SandboxProblem) return problem(c, error);
    if (error instanceof HTTPException) return error.getResponse();
    return problem(c, new SandboxProblem(500, 'internal_error', 'The sandbox failed.'));
  });
  return app;
}

const NOT_A_TEST_CARD = 'Use a test card: this sandbox takes only the card numbers listed below.';

/** The form's checks: a card number, an expiry (MM/YY) not in the past, a 3 or 4 digit CVC. */
export function formErrors(card: string, expiry: string, cvc: string, now = new Date()): FormErrors {
  const errors: FormErrors = {};
  if (!/^\d{12,19}$/.test(cardDigits(card))) errors.card = 'Enter the card number (12 to 19 digits).';
  const date = /^(0[1-9]|1[0-2])\s*\/\s*(\d{2})$/.exec(expiry.trim());
  if (!date) errors.expiry = 'Enter the expiry as MM/YY.';
  else if (new Date(Date.UTC(2000 + Number(date[2]), Number(date[1]), 1)) <= now) {
    errors.expiry = 'This card has expired: use a future expiry.';
  }
  if (!/^\d{3,4}$/.test(cvc.trim())) errors.cvc = 'Enter the 3 or 4 digit CVC.';
  return errors;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

async function jsonBody<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  if (!/^application\/json\b/i.test(c.req.header('content-type') ?? '')) {
    throw new SandboxProblem(415, 'invalid_request', 'Send the body as application/json.');
  }
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new SandboxProblem(400, 'invalid_request', 'The body is not valid JSON.');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`);
    throw new SandboxProblem(422, 'invalid_request', detail.join('; '));
  }
  return parsed.data;
}

const TITLES: Record<SandboxProblem['status'], string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  409: 'Conflict',
  410: 'Gone',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** An RFC 9457 problem, with the provider's machine-readable `code` beside it. */
function problem(c: Context, error: SandboxProblem) {
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  if (error.status === 401) headers['www-authenticate'] = 'Bearer';
  if (error.status === 503) headers['retry-after'] = '1';
  const body = {
    type: `https://payment-sandbox.stockflow.dev/problems/${error.code}`,
    title: TITLES[error.status],
    status: error.status,
    detail: error.message,
    code: error.code,
  };
  return c.body(JSON.stringify(body), error.status, headers);
}

/** A hosted page, with a CSP letting its forms lead back to the shop it returns to. */
function page(c: Context, status: ContentfulStatusCode, html: string, session?: CheckoutSession) {
  c.header('Content-Security-Policy', pageCsp(session && new URL(session.returnUrl).origin));
  c.header('Cache-Control', 'no-store');
  return c.html(html, status);
}
