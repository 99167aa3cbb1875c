/**
 * @module The payment of one order and how facts move it: the provider's webhooks (in any order, any
 * number of times), the order's own events (cancelled, shipped, a return inspected) and the outcome
 * of capture and refund jobs. Every fact is applied by a pure function that returns the new record,
 * the events owed (each `payment.*` fact is announced once: flags on the record say what was) and
 * the jobs to start (ids derived from their meaning, listed on the record: each is made once).
 * The status follows from the amounts, so a `payment.captured` that overtakes its
 * `payment.authorized` still ends captured, with both events emitted. A payment whose outcome no
 * webhook told when its order is cancelled gets a reconcile job: after the checkout closed, payments
 * asks the provider what happened and applies the answer (money taken then goes back).
 */
import type { CancelCause, PaymentStatus } from '@stockflow/contracts';
import type { EmitInput } from '@stockflow/kit';
import type { Checkout, ProviderEvent, ProviderPayment } from './provider.ts';

export type RefundCause = 'return' | 'cancelled' | 'late-authorization';
export type JobKind = 'capture' | 'refund' | 'reconcile';

/** What payments keeps per order (document `payments/<orderId>`). */
export interface PaymentRecord {
  orderId: string;
  paymentId: string | null;
  sessionId: string | null;
  checkoutUrl: string | null;
  expiresAt: string | null;
  amountCents: number;
  currency: string;
  /** `pending` until the provider's checkout is known; then as PaymentStatus. */
  status: PaymentStatus | 'pending';
  authorizedCents: number;
  capturedCents: number;
  /** Refunds the provider carried out. */
  refundedCents: number;
  /** Refunds asked for (jobs made, done or not): what later refunds are capped against. */
  refundPromisedCents: number;
  decline: { code: string; message: string } | null;
  /** The order was cancelled (order.cancelled): money that arrives later goes back. */
  cancelled: { cause: CancelCause | null } | null;
  /** The order shipped: capture once the payment is authorized. */
  captureWanted: boolean;
  /**
   * Return refunds promised before the capture happened (a return.inspected that overtook the
   * order's shipped events): each becomes its refund job once the money is captured, since a
   * provider refunds captured money only.
   */
  returnsAwaitingCapture?: Array<{ returnId: string; amountCents: number }>;
  /** `payment.*` events already emitted (each once). */
  announced: Array<'requested' | 'authorized' | 'declined' | 'captured'>;
  /** The jobs made for this payment (their ids). */
  jobIds: string[];
}

/**
 * A capture, a refund or a reconcile (asking the provider what became of a payment) to carry out at
 * the provider (document `jobs/<id>`).
 */
export interface JobSpec {
  id: string;
  kind: JobKind;
  orderId: string;
  amountCents: number;
  currency: string;
  cause?: RefundCause;
  returnId?: string;
  /** When it is first due (ISO); absent: at once. */
  dueAt?: string;
}

/** When a cancelled order's unanswered payment is looked up: this long after its checkout closed. */
export interface ReconcileTiming {
  now: number;
  delayMs: number;
}

/** The delay a reconcile gives a webhook on its way (`PAYMENT_RECONCILE_DELAY_MS`'s default). */
export const RECONCILE_DELAY_MS = 60_000;

/** Reconcile timing from now. */
export const reconcileTiming = (delayMs = RECONCILE_DELAY_MS): ReconcileTiming => ({
  now: Date.now(),
  delayMs,
});

export interface Change {
  record: PaymentRecord;
  emits: EmitInput[];
  jobs: JobSpec[];
}

export function emptyPayment(orderId: string, amountCents = 0, currency = 'EUR'): PaymentRecord {
  return {
    orderId,
    paymentId: null,
    sessionId: null,
    checkoutUrl: null,
    expiresAt: null,
    amountCents,
    currency,
    status: 'pending',
    authorizedCents: 0,
    capturedCents: 0,
    refundedCents: 0,
    refundPromisedCents: 0,
    decline: null,
    cancelled: null,
    captureWanted: false,
    returnsAwaitingCapture: [],
    announced: [],
    jobIds: [],
  };
}

/** A job's id: one capture and one reconcile per order, one refund per (order, cause[, return]). */
export function jobId(orderId: string, kind: JobKind, cause?: RefundCause, returnId?: string): string {
  if (kind !== 'refund') return `${orderId}~${kind}`;
  return returnId ? `${orderId}~refund~${cause}~${returnId}` : `${orderId}~refund~${cause}`;
}

/**
 * The checkout is open: announce `payment.requested` once. For an order cancelled meanwhile nothing
 * is announced, and the checkout gets its reconcile as a cancellation after it would have.
 */
export function checkoutOpened(
  current: PaymentRecord,
  checkout: Checkout,
  timing: ReconcileTiming = reconcileTiming(),
): Change {
  const record: PaymentRecord = {
    ...current,
    paymentId: current.paymentId ?? checkout.paymentId,
    sessionId: checkout.sessionId,
    checkoutUrl: checkout.url,
    expiresAt: checkout.expiresAt,
  };
  const change = begin(record);
  if (!record.cancelled) announce(change, 'requested');
  else reconcileLater(change, timing);
  return settle(change);
}

/** A verified webhook's fact. */
export function providerEventArrived(current: PaymentRecord, event: ProviderEvent): Change {
  const change = begin({
    ...current,
    paymentId: current.paymentId ?? event.paymentId,
    currency: current.paymentId ? current.currency : event.currency,
    amountCents: current.amountCents || event.amountCents,
  });
  const { record } = change;
  switch (event.type) {
    case 'payment.authorized':
      record.authorizedCents = Math.max(record.authorizedCents, event.amountCents);
      break;
    case 'payment.captured':
      // Captured implies authorized: a capture that overtook its authorization stands for both.
      record.authorizedCents = Math.max(record.authorizedCents, event.amountCents);
      record.capturedCents = Math.max(record.capturedCents, event.amountCents);
      break;
    case 'payment.declined':
      if (!record.authorizedCents) {
        record.decline = {
          code: event.code ?? 'declined',
          message: event.message ?? 'The payment was declined.',
        };
      }
      break;
    case 'refund.succeeded':
      // The refund job's own answer counts it (refundSucceeded): the webhook only confirms.
      break;
  }
  return settle(change);
}

/**
 * order.cancelled: money held or taken goes back; money that comes later will too. A checkout with
 * no outcome yet may have been paid with its webhook lost (a provider gives up, a secret rotated
 * wrongly): once the checkout has closed, plus `delayMs` for a webhook on its way, a reconcile job
 * asks the provider (`paymentLookedUp`).
 */
export function orderCancelled(
  current: PaymentRecord,
  cause: CancelCause | undefined,
  timing: ReconcileTiming = reconcileTiming(),
): Change {
  if (current.cancelled) return unchanged(current);
  const change = begin({ ...current, cancelled: { cause: cause ?? null }, captureWanted: false });
  if (change.record.authorizedCents) refund(change, 'cancelled', refundable(change.record));
  else reconcileLater(change, timing);
  return settle(change);
}

/**
 * A cancelled order's checkout with no outcome yet: a reconcile, due once the checkout has closed
 * plus `delayMs` (once per order; none without a checkout, which nobody could have paid).
 */
function reconcileLater(change: Change, timing: ReconcileTiming): void {
  const { record } = change;
  if (!record.paymentId || record.authorizedCents || record.decline) return;
  const expires = record.expiresAt ? Date.parse(record.expiresAt) : Number.NaN;
  const closes = Math.max(timing.now, Number.isFinite(expires) ? expires : 0);
  addJob(change, {
    id: jobId(record.orderId, 'reconcile'),
    kind: 'reconcile',
    orderId: record.orderId,
    amountCents: record.amountCents,
    currency: record.currency,
    dueAt: new Date(closes + timing.delayMs).toISOString(),
  });
}

/**
 * The provider's answer to a reconcile job: what it authorized, captured or declined counts as the
 * webhooks would have (an authorization of a cancelled order is then refunded, late-authorization).
 * Money the provider shows refunded already (by hand, at its dashboard) is counted and announced, and
 * only the rest is refunded.
 */
export function paymentLookedUp(current: PaymentRecord, found: ProviderPayment): Change {
  const outside = Math.max(0, found.refundedCents - current.refundedCents);
  const change = begin({
    ...current,
    authorizedCents: Math.max(current.authorizedCents, found.authorizedCents, found.capturedCents),
    capturedCents: Math.max(current.capturedCents, found.capturedCents),
    refundedCents: current.refundedCents + outside,
    refundPromisedCents: Math.max(current.refundPromisedCents, current.refundedCents + outside),
  });
  const { record } = change;
  if (found.outcome === 'declined' && found.decline && !record.authorizedCents)
    record.decline = found.decline;
  settle(change);
  if (outside > 0) {
    change.emits.push({
      type: 'io.stockflow.payment.refunded',
      subject: record.orderId,
      data: { ...amountOf(record, outside), cause: 'late-authorization' },
    });
  }
  return change;
}

/** shipment.shipped or order.shipped: capture the whole authorized amount, once. */
export function orderShipped(current: PaymentRecord): Change {
  if (current.captureWanted || current.cancelled) return unchanged(current);
  return settle(begin({ ...current, captureWanted: true }));
}

/**
 * return.inspected: refund what staff counted, capped at what is left to refund. A return means the
 * goods were delivered, so the capture is owed even when the shipped events have not arrived yet;
 * the refund waits for it (a provider refunds captured money, and a refund that went first would
 * leave nothing to capture).
 */
export function returnInspected(current: PaymentRecord, returnId: string, refundCents: number): Change {
  const change = begin({ ...current, captureWanted: current.captureWanted || !current.cancelled });
  const { record } = change;
  const waiting = record.returnsAwaitingCapture ?? [];
  const known =
    record.jobIds.includes(jobId(record.orderId, 'refund', 'return', returnId)) ||
    waiting.some((r) => r.returnId === returnId);
  const amountCents = Math.min(refundCents, refundable(record));
  if (!known && amountCents > 0) {
    if (record.capturedCents) refund(change, 'return', amountCents, returnId);
    else {
      record.returnsAwaitingCapture = [...waiting, { returnId, amountCents }];
      record.refundPromisedCents += amountCents;
    }
  }
  return settle(change);
}

/** The provider took the money (a capture job's answer): announce it once. */
export function captureSucceeded(current: PaymentRecord, amountCents: number): Change {
  const change = begin({
    ...current,
    authorizedCents: Math.max(current.authorizedCents, amountCents),
    capturedCents: Math.max(current.capturedCents, amountCents),
  });
  return settle(change);
}

/** The provider refunded (a refund job's answer): count it and announce it. */
export function refundSucceeded(current: PaymentRecord, job: JobSpec): Change {
  const change = begin({ ...current, refundedCents: current.refundedCents + job.amountCents });
  change.emits.push({
    type: 'io.stockflow.payment.refunded',
    subject: current.orderId,
    data: {
      ...amountOf(change.record, job.amountCents),
      cause: job.cause ?? 'cancelled',
      ...(job.returnId ? { returnId: job.returnId } : {}),
    },
  });
  return settle(change);
}

/** What the payment looks like to staff and to orders. */
export function statusOf(record: PaymentRecord): PaymentRecord['status'] {
  const taken = record.capturedCents || record.authorizedCents;
  if (record.refundedCents > 0 && taken > 0) {
    return record.refundedCents >= taken ? 'refunded' : 'partially-refunded';
  }
  if (record.capturedCents) return 'captured';
  if (record.authorizedCents) return 'authorized';
  if (record.decline) return 'declined';
  return record.checkoutUrl || record.paymentId ? 'requested' : 'pending';
}

function begin(record: PaymentRecord): Change {
  return {
    record: { ...record, announced: [...record.announced], jobIds: [...record.jobIds] },
    emits: [],
    jobs: [],
  };
}

const unchanged = (record: PaymentRecord): Change => ({ record, emits: [], jobs: [] });

/**
 * After a fact: announce what became true (authorization before capture), ask for what is owed
 * (a capture once shipped and authorized; a refund of a late authorization), and set the status.
 */
function settle(change: Change): Change {
  const { record } = change;
  if (record.authorizedCents) announce(change, 'authorized');
  else if (record.decline) announce(change, 'declined');
  if (record.capturedCents) announce(change, 'captured');
  if (record.authorizedCents && record.cancelled && !record.jobIds.some((id) => id.includes('~refund~'))) {
    refund(change, 'late-authorization', refundable(record));
  }
  if (record.capturedCents && record.returnsAwaitingCapture?.length) {
    for (const { returnId, amountCents } of record.returnsAwaitingCapture) {
      addJob(change, refundJob(record, 'return', amountCents, returnId));
    }
    record.returnsAwaitingCapture = [];
  }
  const wantsCapture = record.captureWanted && record.authorizedCents && !record.capturedCents;
  if (wantsCapture && !record.cancelled) {
    addJob(change, {
      id: jobId(record.orderId, 'capture'),
      kind: 'capture',
      orderId: record.orderId,
      amountCents: record.authorizedCents,
      currency: record.currency,
    });
  }
  record.status = statusOf(record);
  return change;
}

function announce(change: Change, what: PaymentRecord['announced'][number]): void {
  const { record } = change;
  if (record.announced.includes(what) || !record.paymentId) return;
  if (what === 'requested' && (record.announced.length > 0 || !record.checkoutUrl)) return;
  record.announced.push(what);
  const subject = record.orderId;
  switch (what) {
    case 'requested':
      change.emits.push({
        type: 'io.stockflow.payment.requested',
        subject,
        data: {
          orderId: record.orderId,
          paymentId: record.paymentId,
          checkoutUrl: record.checkoutUrl,
          amountCents: record.amountCents,
          currency: record.currency,
          expiresAt: record.expiresAt,
        },
      });
      return;
    case 'authorized':
      change.emits.push({
        type: 'io.stockflow.payment.authorized',
        subject,
        data: amountOf(record, record.authorizedCents),
      });
      return;
    case 'captured':
      change.emits.push({
        type: 'io.stockflow.payment.captured',
        subject,
        data: amountOf(record, record.capturedCents),
      });
      return;
    case 'declined':
      change.emits.push({
        type: 'io.stockflow.payment.declined',
        subject,
        data: { orderId: record.orderId, paymentId: record.paymentId, ...record.decline },
      });
  }
}

const amountOf = (record: PaymentRecord, amountCents: number) => ({
  orderId: record.orderId,
  paymentId: record.paymentId,
  amountCents,
  currency: record.currency,
});

/** What may still go back: what was taken (or, uncaptured, held) less the refunds asked for. */
function refundable(record: PaymentRecord): number {
  const base = record.capturedCents || record.authorizedCents;
  return Math.max(0, base - record.refundPromisedCents);
}

function refund(change: Change, cause: RefundCause, amountCents: number, returnId?: string): void {
  if (amountCents <= 0) return;
  const { record } = change;
  if (addJob(change, refundJob(record, cause, amountCents, returnId)))
    record.refundPromisedCents += amountCents;
}

function refundJob(
  record: PaymentRecord,
  cause: RefundCause,
  amountCents: number,
  returnId?: string,
): JobSpec {
  return {
    id: jobId(record.orderId, 'refund', cause, returnId),
    kind: 'refund',
    orderId: record.orderId,
    amountCents,
    currency: record.currency,
    cause,
    ...(returnId ? { returnId } : {}),
  };
}

function addJob(change: Change, job: JobSpec): boolean {
  if (change.record.jobIds.includes(job.id)) return false;
  change.record.jobIds.push(job.id);
  change.jobs.push(job);
  return true;
}
