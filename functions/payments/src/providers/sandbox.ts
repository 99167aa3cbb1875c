/**
 * @module The payment sandbox's adapter (packages/payment-sandbox, a stand-in for a real provider's
 * test mode): its `/v1` HTTP API with a bearer API key and an Idempotency-Key per change, and its
 * webhooks signed `Sandbox-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 *
 * The signature check is written here (node:crypto, a dozen lines) rather than taken from a library:
 * the scheme is the sandbox's own, and no package we have implements it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod/mini';
import {
  type Checkout,
  type CheckoutRequest,
  type MoneyRequest,
  type PaymentProvider,
  type ProviderEvent,
  type ProviderPayment,
  ProviderRefused,
  ProviderUnavailable,
  type RefundResult,
  WebhookRejected,
} from '../provider.ts';

export interface SandboxOptions {
  /** The sandbox's base URL (`PAYMENT_PROVIDER_URL`). */
  url: string;
  apiKey: string;
  webhookSecret: string;
  /** How long one API call may take before it counts as unavailable. */
  timeoutMs?: number;
  /** How old a webhook's signature may be (replays of an old one are refused). */
  toleranceSeconds?: number;
}

export const SIGNATURE_HEADER = 'sandbox-signature';
const TOLERANCE_SECONDS = 300;
const TIMEOUT_MS = 10_000;

const SessionAnswer = z.object({
  id: z.string().check(z.minLength(1)),
  paymentId: z.string().check(z.minLength(1)),
  url: z.url({ protocol: /^https?$/ }),
  expiresAt: z.iso.datetime({ offset: true }),
});
const RefundAnswer = z.object({ refundId: z.string().check(z.minLength(1)) });
const PaymentAnswer = z.object({
  status: z.enum([
    'open',
    'requires-confirmation',
    'authorized',
    'declined',
    'captured',
    'partially-refunded',
    'refunded',
  ]),
  amount: z.int().check(z.nonnegative()),
  capturedAmount: z.int().check(z.nonnegative()),
  refundedAmount: z.int().check(z.nonnegative()),
  code: z.optional(z.string().check(z.maxLength(100))),
  message: z.optional(z.string().check(z.maxLength(500))),
});

const SandboxEvent = z.object({
  id: z.string().check(z.minLength(1), z.maxLength(200)),
  type: z.enum(['payment.authorized', 'payment.declined', 'payment.captured', 'refund.succeeded']),
  created: z.number(),
  data: z.object({
    paymentId: z.string().check(z.minLength(1), z.maxLength(200)),
    sessionId: z.optional(z.string()),
    reference: z.string().check(z.minLength(1), z.maxLength(200)),
    amount: z.int().check(z.nonnegative()),
    currency: z.string().check(z.regex(/^[A-Z]{3}$/)),
    code: z.optional(z.string().check(z.maxLength(100))),
    message: z.optional(z.string().check(z.maxLength(500))),
    refundId: z.optional(z.string().check(z.maxLength(200))),
  }),
});

/** Statuses worth another try: the sandbox is down or busy, or our key is being rotated. */
const RETRYABLE = new Set([401, 403, 408, 425, 429]);

/** `hex HMAC-SHA256(secret, "<t>.<body>")`: what the sandbox signs and we check. */
export function sandboxSignature(secret: string, timestamp: number, rawBody: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex');
}

export class SandboxProvider implements PaymentProvider {
  readonly name = 'sandbox';
  readonly #options: SandboxOptions;

  constructor(options: SandboxOptions) {
    this.#options = options;
  }

  async createCheckout(request: CheckoutRequest): Promise<Checkout> {
    const answer = await this.#call('/v1/checkout-sessions', request.idempotencyKey, {
      amount: request.amountCents,
      currency: request.currency,
      reference: request.reference,
      returnUrl: request.returnUrl,
      expiresAt: request.expiresAt,
    });
    const session = parseAnswer(SessionAnswer, answer);
    return {
      sessionId: session.id,
      paymentId: session.paymentId,
      url: session.url,
      expiresAt: new Date(session.expiresAt).toISOString(),
    };
  }

  async capture(request: MoneyRequest): Promise<void> {
    await this.#call(
      `/v1/payments/${encodeURIComponent(request.paymentId)}/capture`,
      request.idempotencyKey,
      {
        amount: request.amountCents,
      },
    );
  }

  async refund(request: MoneyRequest): Promise<RefundResult> {
    const answer = await this.#call(
      `/v1/payments/${encodeURIComponent(request.paymentId)}/refunds`,
      request.idempotencyKey,
      { amount: request.amountCents },
    );
    return parseAnswer(RefundAnswer, answer);
  }

  async lookup(paymentId: string): Promise<ProviderPayment> {
    const answer = await this.#call(`/v1/payments/${encodeURIComponent(paymentId)}`);
    const payment = parseAnswer(PaymentAnswer, answer);
    switch (payment.status) {
      case 'open':
      case 'requires-confirmation':
        return { outcome: 'undecided', authorizedCents: 0, capturedCents: 0, refundedCents: 0 };
      case 'declined':
        return {
          outcome: 'declined',
          authorizedCents: 0,
          capturedCents: 0,
          refundedCents: 0,
          decline: {
            code: payment.code ?? 'declined',
            message: payment.message ?? 'The payment was declined.',
          },
        };
      default:
        // Authorized, and maybe captured and refunded since.
        return {
          outcome: 'authorized',
          authorizedCents: payment.amount,
          capturedCents: payment.capturedAmount,
          refundedCents: payment.refundedAmount,
        };
    }
  }

  verifyWebhook(rawBody: string, headers: Headers, now = Date.now()): ProviderEvent {
    const signature = parseSignatureHeader(headers.get(SIGNATURE_HEADER));
    if (!signature) throw new WebhookRejected('unsigned', `A ${SIGNATURE_HEADER} header is required.`);
    const tolerance = this.#options.toleranceSeconds ?? TOLERANCE_SECONDS;
    if (Math.abs(now / 1000 - signature.timestamp) > tolerance) {
      throw new WebhookRejected('unsigned', 'The signature is too old (or from the future).');
    }
    const expected = Buffer.from(
      sandboxSignature(this.#options.webhookSecret, signature.timestamp, rawBody),
      'hex',
    );
    const matches = signature.v1.some((candidate) => {
      const given = Buffer.from(candidate, 'hex');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
    if (!matches) throw new WebhookRejected('unsigned', 'The signature does not match the body.');
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      throw new WebhookRejected('malformed', 'The body is not JSON.');
    }
    const parsed = SandboxEvent.safeParse(body);
    if (!parsed.success) throw new WebhookRejected('malformed', 'The body is not a sandbox event.');
    const { id, type, data } = parsed.data;
    return {
      id,
      type,
      paymentId: data.paymentId,
      reference: data.reference,
      amountCents: data.amount,
      currency: data.currency,
      ...(data.code ? { code: data.code } : {}),
      ...(data.message ? { message: data.message } : {}),
      ...(data.refundId ? { refundId: data.refundId } : {}),
    };
  }

  /**
   * One call to the sandbox: a POST with its Idempotency-Key and body, or a GET without them. Its
   * JSON answer, or ProviderUnavailable / ProviderRefused.
   */
  async #call(path: string, idempotencyKey?: string, body?: unknown): Promise<unknown> {
    const url = new URL(path, this.#options.url);
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#options.apiKey}`,
      accept: 'application/json',
    };
    if (idempotencyKey !== undefined) {
      headers['content-type'] = 'application/json';
      headers['idempotency-key'] = idempotencyKey;
    }
    let res: Response;
    try {
      res = await fetch(url, {
        method: idempotencyKey === undefined ? 'GET' : 'POST',
        headers,
        body: idempotencyKey === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? TIMEOUT_MS),
      });
    } catch (error) {
      throw new ProviderUnavailable(`the sandbox could not be reached (${(error as Error).name})`);
    }
    if (res.ok) {
      try {
        return await res.json();
      } catch {
        throw new ProviderUnavailable(`the sandbox answered ${res.status} without JSON`);
      }
    }
    const detail = await problemDetail(res);
    if (res.status >= 500 || RETRYABLE.has(res.status)) {
      throw new ProviderUnavailable(`the sandbox answered ${res.status}${detail ? `: ${detail}` : ''}`);
    }
    throw new ProviderRefused(res.status, detail || res.statusText);
  }
}

/** `t=<unix s>,v1=<hex>[,v1=<hex>…]` (several v1 while a secret is rotated); undefined if malformed. */
function parseSignatureHeader(header: string | null): { timestamp: number; v1: string[] } | undefined {
  if (!header) return undefined;
  let timestamp: number | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2) as [string, string | undefined];
    if (key === 't' && value && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && value && /^[0-9a-f]{64}$/i.test(value)) v1.push(value);
  }
  return timestamp === undefined || v1.length === 0 ? undefined : { timestamp, v1 };
}

function parseAnswer<S extends z.ZodMiniType>(schema: S, answer: unknown): z.infer<S> {
  const parsed = schema.safeParse(answer);
  if (!parsed.success) throw new ProviderUnavailable('the sandbox answered with an unexpected body');
  return parsed.data;
}

/** The `detail` (or `title`) of a problem+json answer, bounded; empty when there is none. */
async function problemDetail(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { detail?: unknown; title?: unknown };
    const text =
      typeof body.detail === 'string' ? body.detail : typeof body.title === 'string' ? body.title : '';
    return text.slice(0, 200);
  } catch {
    return '';
  }
}
