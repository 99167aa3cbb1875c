/**
 * @module The payment provider as payments sees it: open a hosted checkout, capture, refund, look a
 * payment up, and verify the webhooks it sends. One adapter per provider (providers/*.ts); the rest
 * of payments knows only this interface, so a real provider is one more file. Card data never pass
 * through here: the shopper pays on the provider's own page.
 */

export interface CheckoutRequest {
  /** Our reference for the payment: the order id (the provider echoes it in every webhook). */
  reference: string;
  amountCents: number;
  currency: string;
  /** Where the provider sends the shopper back once the payment is decided. */
  returnUrl: string;
  /** When the hosted step closes (the order's stock hold ends then). */
  expiresAt: string;
  /** The same key gives the same session: a redelivered event opens no second checkout. */
  idempotencyKey: string;
}

export interface Checkout {
  sessionId: string;
  paymentId: string;
  url: string;
  expiresAt: string;
}

export interface MoneyRequest {
  paymentId: string;
  amountCents: number;
  idempotencyKey: string;
}

export interface RefundResult {
  refundId: string;
}

/** What a verified webhook says happened, in payments' words. */
export interface ProviderEvent {
  /** The provider's event id: a second delivery of it changes nothing. */
  id: string;
  type: 'payment.authorized' | 'payment.declined' | 'payment.captured' | 'refund.succeeded';
  paymentId: string;
  /** Our reference: the order id. */
  reference: string;
  amountCents: number;
  currency: string;
  code?: string;
  message?: string;
  refundId?: string;
}

/** What the provider says of a payment when asked (a reconcile job): its outcome so far. */
export interface ProviderPayment {
  /** `undecided`: never paid (the checkout expired unpaid, or was left). */
  outcome: 'undecided' | 'authorized' | 'declined';
  authorizedCents: number;
  capturedCents: number;
  /** Refunded at the provider (by anyone: a reconcile's payment had no refund job of ours). */
  refundedCents: number;
  decline?: { code: string; message: string };
}

export interface PaymentProvider {
  /** The provider's name: its webhooks arrive at `/webhooks/<name>`. */
  readonly name: string;
  createCheckout(request: CheckoutRequest): Promise<Checkout>;
  capture(request: MoneyRequest): Promise<void>;
  refund(request: MoneyRequest): Promise<RefundResult>;
  /** The payment as the provider has it now (for a webhook that may never have come). */
  lookup(paymentId: string): Promise<ProviderPayment>;
  /** The event a webhook carries, once its signature is checked; throws WebhookRejected otherwise. */
  verifyWebhook(rawBody: string, headers: Headers, now?: number): ProviderEvent;
}

/** The provider could not answer now (5xx, timeout, network): try again later. */
export class ProviderUnavailable extends Error {
  override name = 'ProviderUnavailable';
}

/** The provider refused the request (a 4xx that a retry will not change): `status` and its detail. */
export class ProviderRefused extends Error {
  override name = 'ProviderRefused';
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(`${status} ${detail}`);
  }
}

/**
 * A webhook that is not the provider's: `unsigned` (no, a wrong or a stale signature: 401) or
 * `malformed` (signed, but not an event we know: 400).
 */
export class WebhookRejected extends Error {
  override name = 'WebhookRejected';
  constructor(
    readonly reason: 'unsigned' | 'malformed',
    detail: string,
  ) {
    super(detail);
  }
}

/** A failure as it may be kept on a job and logged: no secret, bounded. */
export function describeFailure(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.slice(0, 300);
}
