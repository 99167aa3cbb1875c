/**
 * @module The sandbox's books, in memory (it stands in for a third party): checkout sessions, the one
 * payment each opens, and the only moves a payment may make (pay, confirm, capture, refund). Pure: it
 * tells its owner which webhook each move causes and does no I/O. Money is integer cents.
 */
import { randomBytes } from 'node:crypto';
import { type CardBehaviour, cardBehaviour, DECLINE_MESSAGES, type DeclineCode } from './cards.ts';

export type SandboxPaymentStatus =
  | 'open'
  | 'requires-confirmation'
  | 'authorized'
  | 'declined'
  | 'captured'
  | 'partially-refunded'
  | 'refunded';

/** A payment as the sandbox keeps it (a copy: changing it changes nothing). */
export interface SandboxPayment {
  paymentId: string;
  sessionId: string;
  reference: string;
  currency: string;
  /** What the session asked for, and what an approved card authorizes (cents). */
  amount: number;
  capturedAmount: number;
  refundedAmount: number;
  status: SandboxPaymentStatus;
  /** Why it was declined. */
  code?: DeclineCode;
  message?: string;
  refunds: { refundId: string; amount: number }[];
  createdAt: string;
  decidedAt?: string;
}

export interface CheckoutSession {
  id: string;
  paymentId: string;
  amount: number;
  currency: string;
  reference: string;
  returnUrl: string;
  expiresAt: string;
}

export type WebhookType = 'payment.authorized' | 'payment.declined' | 'payment.captured' | 'refund.succeeded';

export interface WebhookData {
  paymentId: string;
  sessionId: string;
  reference: string;
  /** The authorized, declined or captured amount, or the refund's (cents). */
  amount: number;
  currency: string;
  code?: DeclineCode;
  message?: string;
  refundId?: string;
}

/** A webhook the books ask their owner to send; `slow` ones leave after the sandbox's `slowMs`. */
export interface Notice {
  type: WebhookType;
  data: WebhookData;
  slow?: boolean;
}

/** A move the books refuse, as the API answers it (a problem) and the hosted page shows it. */
export class SandboxProblem extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 409 | 410 | 415 | 422 | 500 | 503,
    /** Machine-readable, in the provider's style: `payment_not_capturable`, `session_expired`, ... */
    readonly code: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'SandboxProblem';
  }
}

interface PaymentRecord extends SandboxPayment {
  behaviour?: CardBehaviour;
  refundCalls: number;
}

interface SessionRecord extends CheckoutSession {
  payment: PaymentRecord;
}

/** Ids in the provider's style: a prefix and 96 random bits (a session id opens its hosted page). */
export const newId = (prefix: 'cs' | 'pay' | 're' | 'evt') => `${prefix}_${randomBytes(12).toString('hex')}`;

const DECIDED: ReadonlySet<SandboxPaymentStatus> = new Set([
  'authorized',
  'declined',
  'captured',
  'partially-refunded',
  'refunded',
]);

export const isDecided = (payment: Pick<SandboxPayment, 'status'>) => DECIDED.has(payment.status);

const copy = ({ behaviour: _b, refundCalls: _r, ...payment }: PaymentRecord): SandboxPayment => ({
  ...payment,
  refunds: payment.refunds.map((refund) => ({ ...refund })),
});

export class PaymentBook {
  readonly #sessions = new Map<string, SessionRecord>();
  readonly #payments = new Map<string, PaymentRecord>();

  constructor(
    /** Where each webhook a move causes goes (its owner signs and sends it). */
    private readonly notify: (notice: Notice) => void,
    private readonly now: () => number = Date.now,
  ) {}

  openSession(request: Omit<CheckoutSession, 'id' | 'paymentId'>): CheckoutSession {
    if (Date.parse(request.expiresAt) <= this.now()) {
      throw new SandboxProblem(422, 'invalid_request', 'expiresAt must be in the future.');
    }
    const id = newId('cs');
    const payment: PaymentRecord = {
      paymentId: newId('pay'),
      sessionId: id,
      reference: request.reference,
      currency: request.currency,
      amount: request.amount,
      capturedAmount: 0,
      refundedAmount: 0,
      status: 'open',
      refunds: [],
      createdAt: new Date(this.now()).toISOString(),
      refundCalls: 0,
    };
    const session: SessionRecord = { ...request, id, paymentId: payment.paymentId, payment };
    this.#sessions.set(id, session);
    this.#payments.set(payment.paymentId, payment);
    return sessionView(session);
  }

  session(id: string): (CheckoutSession & { payment: SandboxPayment; expired: boolean }) | undefined {
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    return { ...sessionView(session), payment: copy(session.payment), expired: this.#expired(session) };
  }

  /** What the hosted form does. Paying a decided session again changes nothing (the first outcome stands). */
  pay(sessionId: string, card: string): SandboxPayment {
    const session = this.#open(sessionId);
    const { payment } = session;
    if (payment.status !== 'open') return copy(payment);
    const behaviour = cardBehaviour(card);
    if (!behaviour) throw new SandboxProblem(422, 'not_a_test_card', 'Use a test card.');
    payment.behaviour = behaviour;
    if (behaviour.kind === 'confirm') payment.status = 'requires-confirmation';
    else if (behaviour.kind === 'decline') this.#decline(payment, behaviour.code);
    else this.#authorize(payment, behaviour.kind === 'slow');
    return copy(payment);
  }

  /** The bank's answer on the 3-D Secure style page. */
  confirm(sessionId: string, result: 'approve' | 'fail'): SandboxPayment {
    const { payment } = this.#open(sessionId);
    if (isDecided(payment)) return copy(payment);
    if (payment.status !== 'requires-confirmation') {
      throw new SandboxProblem(409, 'confirmation_not_required', 'This payment does not await confirmation.');
    }
    if (result === 'approve') this.#authorize(payment, false);
    else this.#decline(payment, 'authentication_failed');
    return copy(payment);
  }

  capture(paymentId: string, amount: number): { status: 'captured'; amount: number } {
    const payment = this.#payment(paymentId);
    if (payment.status !== 'authorized') {
      throw new SandboxProblem(
        409,
        'payment_not_capturable',
        `Only an authorized payment can be captured; this one is ${payment.status}.`,
      );
    }
    if (amount > payment.amount) {
      throw new SandboxProblem(
        409,
        'amount_too_large',
        `The payment authorized ${payment.amount}; ${amount} cannot be captured.`,
      );
    }
    payment.capturedAmount = amount;
    payment.status = 'captured';
    this.notify({ type: 'payment.captured', data: { ...dataOf(payment), amount } });
    return { status: 'captured', amount };
  }

  /**
   * Refunds part or all of what was captured; before capture, only the whole authorization, which
   * releases the hold as a void does (like the big providers, a part of a hold cannot be refunded:
   * capture first).
   */
  refund(paymentId: string, amount: number): { refundId: string; status: 'succeeded' } {
    const payment = this.#payment(paymentId);
    payment.refundCalls++;
    if (payment.behaviour?.kind === 'refund-fails-once' && payment.refundCalls === 1) {
      throw new SandboxProblem(503, 'refund_unavailable', 'The refund could not be made now; try again.');
    }
    const base = payment.capturedAmount > 0 ? payment.capturedAmount : payment.amount;
    const refundable = ['authorized', 'captured', 'partially-refunded'].includes(payment.status)
      ? base - payment.refundedAmount
      : 0;
    if (payment.status === 'authorized' && amount !== refundable) {
      throw new SandboxProblem(
        409,
        'not_captured',
        `This payment is authorized, not captured: release all ${refundable} of it, or capture before a partial refund of ${amount}.`,
      );
    }
    if (amount > refundable) {
      throw new SandboxProblem(
        409,
        'amount_too_large',
        `This payment (${payment.status}) can be refunded ${refundable} at most; ${amount} asked.`,
      );
    }
    const refundId = newId('re');
    payment.refunds.push({ refundId, amount });
    payment.refundedAmount += amount;
    payment.status = payment.refundedAmount === base ? 'refunded' : 'partially-refunded';
    this.notify({ type: 'refund.succeeded', data: { ...dataOf(payment), amount, refundId } });
    return { refundId, status: 'succeeded' };
  }

  payment(paymentId: string): SandboxPayment | undefined {
    const payment = this.#payments.get(paymentId);
    return payment && copy(payment);
  }

  /** Every payment that has an outcome (sessions not paid yet are not payments). */
  payments(): SandboxPayment[] {
    return [...this.#payments.values()].filter(isDecided).map(copy);
  }

  #expired(session: SessionRecord): boolean {
    return Date.parse(session.expiresAt) <= this.now();
  }

  /** A session that may still be paid or confirmed; a decided one is returned as it is. */
  #open(sessionId: string): SessionRecord {
    const session = this.#sessions.get(sessionId);
    if (!session) throw new SandboxProblem(404, 'session_not_found', 'No such checkout session.');
    if (!isDecided(session.payment) && this.#expired(session)) {
      throw new SandboxProblem(410, 'session_expired', 'This payment has expired.');
    }
    return session;
  }

  #payment(paymentId: string): PaymentRecord {
    const payment = this.#payments.get(paymentId);
    if (!payment) throw new SandboxProblem(404, 'payment_not_found', 'No such payment.');
    return payment;
  }

  #authorize(payment: PaymentRecord, slow: boolean) {
    payment.status = 'authorized';
    payment.decidedAt = new Date(this.now()).toISOString();
    this.notify({ type: 'payment.authorized', data: dataOf(payment), slow });
  }

  #decline(payment: PaymentRecord, code: DeclineCode) {
    payment.status = 'declined';
    payment.code = code;
    payment.message = DECLINE_MESSAGES[code];
    payment.decidedAt = new Date(this.now()).toISOString();
    this.notify({ type: 'payment.declined', data: { ...dataOf(payment), code, message: payment.message } });
  }
}

const sessionView = ({ payment: _p, ...session }: SessionRecord): CheckoutSession => ({ ...session });

function dataOf(payment: PaymentRecord): WebhookData {
  return {
    paymentId: payment.paymentId,
    sessionId: payment.sessionId,
    reference: payment.reference,
    amount: payment.amount,
    currency: payment.currency,
  };
}
