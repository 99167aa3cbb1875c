/**
 * @module payments' Firestore adapter (database `payments`): `payments/<orderId>`, the payment of an
 * order (payment.ts); `jobs/<id>`, the captures, refunds and reconciles to carry out at the
 * provider, each due while it carries `dueAt` (the sweep's one-field query); `webhooks/<digest>`,
 * the provider events already applied (written in the transaction of the change they made, so a
 * repeat changes nothing).
 */
import type { DocumentSnapshot, Firestore, Timestamp } from '@google-cloud/firestore';
import type { PaymentJob, PaymentView } from '@stockflow/contracts';
import {
  DEDUPE_RETENTION_MS,
  dedupeKey,
  dueIds,
  type RetryPolicy,
  recordFailedAttempt,
  type Work,
} from '@stockflow/kit';
import type { Change, JobSpec, PaymentRecord } from './payment.ts';
import type { ProviderEvent } from './provider.ts';

export const PAYMENTS = 'payments';
export const JOBS = 'jobs';
export const WEBHOOKS = 'webhooks';

/** An order's payment document (for handlers that read it with their event's dedupe record). */
export const paymentDoc = (db: Firestore, orderId: string) => db.collection(PAYMENTS).doc(orderId);

/** The record that a provider's event was applied, by provider and the provider's event id. */
const webhookRef = (db: Firestore, provider: string, event: ProviderEvent) =>
  db.collection(WEBHOOKS).doc(dedupeKey(`provider:${provider}`, event.id));

export type JobStatus = 'pending' | 'succeeded' | 'failed';

/** A job claimed for one attempt. */
export interface ClaimedJob {
  job: JobSpec;
  paymentId: string | null;
  /** What the provider's webhooks said was captured already. */
  capturedCents: number;
  /** Whether a webhook told the payment's outcome (authorized or declined) already. */
  decided: boolean;
  /** When the payment's checkout closes (ISO), if known. */
  expiresAt: string | null;
  attempts: number;
}

const date = (value: unknown) => (value ? (value as Timestamp).toDate() : null);

export class PaymentsStore {
  constructor(private readonly db: () => Promise<Firestore>) {}

  /** The payment of an order, if payments has heard of it. */
  async payment(orderId: string): Promise<PaymentRecord | undefined> {
    const db = await this.db();
    const doc = await db.collection(PAYMENTS).doc(orderId).get();
    return doc.exists ? (doc.data() as PaymentRecord) : undefined;
  }

  /** The payment as staff read it: its fields (not the bookkeeping flags), its jobs, when it changed. */
  async view(orderId: string): Promise<PaymentView | undefined> {
    const db = await this.db();
    const doc = await db.collection(PAYMENTS).doc(orderId).get();
    if (!doc.exists) return undefined;
    const { announced: _announced, jobIds: _jobIds, updatedAt, ...payment } = doc.data()!;
    return {
      ...(payment as Omit<PaymentRecord, 'announced' | 'jobIds'>),
      updatedAt: date(updatedAt)?.toISOString() ?? null,
      jobs: await this.jobsFor(orderId),
    };
  }

  /** Reads the payment in the transaction (reads come before any write). */
  async read(work: Work, orderId: string): Promise<PaymentRecord | undefined> {
    const doc = await work.get(paymentDoc(work.db, orderId));
    return doc.exists ? (doc.data() as PaymentRecord) : undefined;
  }

  /**
   * Writes a change: the record, its events (outbox) and its new jobs, due now (or at their own
   * `dueAt`). Returns the ids of the jobs made, to start once the transaction committed.
   */
  write(work: Work, change: Change): string[] {
    const { record } = change;
    work.tx.set(work.db.collection(PAYMENTS).doc(record.orderId), { ...record, updatedAt: new Date() });
    for (const input of change.emits) work.emit(input);
    const now = new Date();
    for (const { dueAt, ...job } of change.jobs) {
      work.tx.create(work.db.collection(JOBS).doc(job.id), {
        ...job,
        cause: job.cause ?? null,
        returnId: job.returnId ?? null,
        status: 'pending',
        attempts: 0,
        lastError: null,
        createdAt: now,
        doneAt: null,
        dueAt: dueAt ? new Date(dueAt) : now,
      });
    }
    // A job due later is left to the sweep (a kick now would find it not due).
    return change.jobs
      .filter((job) => !job.dueAt || Date.parse(job.dueAt) <= now.getTime())
      .map((job) => job.id);
  }

  /**
   * Whether the provider's event was applied before, and the payment it is about (by our reference,
   * the order id): both in one read of the transaction, one round trip to Firestore.
   */
  async webhookAndPayment(
    work: Work,
    provider: string,
    event: ProviderEvent,
  ): Promise<{ seen: boolean; current: PaymentRecord | undefined }> {
    const [mark, payment] = await work.tx.getAll(
      webhookRef(work.db, provider, event),
      paymentDoc(work.db, event.reference),
    );
    return { seen: mark!.exists, current: payment!.exists ? (payment!.data() as PaymentRecord) : undefined };
  }

  /** Records the provider's event as applied (a write: after every read of the transaction). */
  markWebhook(work: Work, provider: string, event: ProviderEvent): void {
    work.tx.create(webhookRef(work.db, provider, event), {
      provider,
      id: event.id,
      type: event.type,
      orderId: event.reference,
      at: new Date(),
      expireAt: new Date(Date.now() + DEDUPE_RETENTION_MS),
    });
  }

  /**
   * Claims a due job for one attempt: counts it and moves `dueAt` past the lease, so no other sweep
   * runs it meanwhile. Undefined when it is not due (done, or claimed by another).
   */
  async claim(id: string, leaseMs: number): Promise<ClaimedJob | undefined> {
    const db = await this.db();
    return db.runTransaction(async (tx) => {
      const ref = db.collection(JOBS).doc(id);
      const doc = await tx.get(ref);
      const now = Date.now();
      const dueAt = date(doc.get('dueAt'));
      if (!doc.exists || doc.get('status') !== 'pending' || !dueAt || dueAt.getTime() > now) return undefined;
      const payment = await tx.get(db.collection(PAYMENTS).doc(doc.get('orderId')));
      const attempts = (doc.get('attempts') as number) + 1;
      tx.update(ref, { attempts, dueAt: new Date(now + leaseMs) });
      return {
        job: toSpec(doc),
        paymentId: (payment.get('paymentId') as string | null) ?? null,
        capturedCents: (payment.get('capturedCents') as number | undefined) ?? 0,
        decided: Boolean(payment.get('authorizedCents') || payment.get('decline')),
        expiresAt: (payment.get('expiresAt') as string | null | undefined) ?? null,
        attempts,
      };
    });
  }

  /** Reads a job in the transaction: its spec while it is still pending, else undefined. */
  async pendingJob(work: Work, id: string): Promise<JobSpec | undefined> {
    const doc = await work.tx.get(work.db.collection(JOBS).doc(id));
    return doc.exists && doc.get('status') === 'pending' ? toSpec(doc) : undefined;
  }

  /** The provider did it: the job is done and never due again (in the change's transaction). */
  async markSucceeded(
    work: Work,
    id: string,
    extra: { refundId?: string; outcome?: string } = {},
  ): Promise<void> {
    const { FieldValue } = await import('@google-cloud/firestore');
    work.tx.update(work.db.collection(JOBS).doc(id), {
      status: 'succeeded',
      doneAt: new Date(),
      lastError: null,
      dueAt: FieldValue.delete(),
      ...extra,
    });
  }

  /**
   * An attempt failed: due again after the backoff, or `failed` for good (a refusal, or too many
   * attempts). Either way the job and its last error stay visible.
   */
  async markFailed(
    id: string,
    attempts: number,
    error: string,
    policy: RetryPolicy,
    giveUp = false,
  ): Promise<JobStatus> {
    const db = await this.db();
    return recordFailedAttempt(db.collection(JOBS).doc(id), {
      attempts,
      error,
      policy,
      giveUp,
      done: { doneAt: new Date() },
    });
  }

  /** Ids of jobs due now, soonest first. */
  async due(limit: number): Promise<string[]> {
    return dueIds((await this.db()).collection(JOBS), limit);
  }

  /** The jobs of one order, oldest first (a handful: sorted here, no composite index). */
  async jobsFor(orderId: string): Promise<PaymentJob[]> {
    const db = await this.db();
    const snapshot = await db.collection(JOBS).where('orderId', '==', orderId).get();
    return snapshot.docs
      .map(toView)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }
}

function toSpec(doc: DocumentSnapshot): JobSpec {
  const data = doc.data()!;
  return {
    id: doc.id,
    kind: data.kind,
    orderId: data.orderId,
    amountCents: data.amountCents,
    currency: data.currency,
    ...(data.cause ? { cause: data.cause } : {}),
    ...(data.returnId ? { returnId: data.returnId } : {}),
  };
}

function toView(doc: DocumentSnapshot): PaymentJob {
  const data = doc.data()!;
  return {
    id: doc.id,
    kind: data.kind,
    amountCents: data.amountCents,
    currency: data.currency,
    cause: data.cause ?? null,
    returnId: data.returnId ?? null,
    status: data.status,
    attempts: data.attempts,
    lastError: data.lastError ?? null,
    nextAttemptAt: date(data.dueAt)?.toISOString() ?? null,
    createdAt: date(data.createdAt)!.toISOString(),
    doneAt: date(data.doneAt)?.toISOString() ?? null,
    outcome: data.outcome ?? null,
  };
}
