/**
 * @module Carrying out the payment jobs (`jobs`) at the provider: captures, refunds, and reconciles
 * (asking what became of a payment no webhook answered for). Each attempt claims its job (a lease),
 * calls the provider (a change with the job's id as Idempotency-Key: a repeat after a crash moves no
 * money twice) and, once the provider answered, commits the job done with the payment's change and
 * its events. A provider that is down leaves the job due again after a backoff; one that refuses (a
 * 4xx) fails it for good. Either way the job and its last error stay on `GET /payments/:orderId`.
 * Attempts start right after the commit that made the job (a reconcile waits for its `dueAt`), again
 * on a timer while the process lives, and on every PingSource tick (the sweep), so a job survives
 * restarts and scale-to-zero.
 */
import { type Logger, type RetryPolicy, RetryQueue, type Runtime } from '@stockflow/kit';
import { captureSucceeded, type JobSpec, paymentLookedUp, refundSucceeded } from './payment.ts';
import { describeFailure, type PaymentProvider, type ProviderPayment, ProviderRefused } from './provider.ts';
import type { PaymentsStore } from './store.ts';

export interface JobRunnerOptions {
  rt: Runtime;
  store: PaymentsStore;
  provider: PaymentProvider;
  log: Logger;
  retry: RetryPolicy;
  /** How long one attempt holds its job: longer than the provider call's timeout. */
  leaseMs?: number;
}

export type Attempt = 'succeeded' | 'retry' | 'failed' | 'skipped';

/** What the provider answered a job: a refund's id, or (a reconcile) the payment as it has it. */
interface Answer {
  refundId?: string;
  found?: ProviderPayment;
}

const LEASE_MS = 60_000;

/** The queue's name in stockflow_queue_attempts_total (what the alerts match). */
export const PAYMENT_JOBS_QUEUE = 'payment-jobs';

/** Whether a checkout closing at `expiresAt` (ISO) is open now. */
const stillOpen = (expiresAt: string | null) => expiresAt !== null && Date.parse(expiresAt) > Date.now();

export class JobRunner extends RetryQueue {
  readonly #options: JobRunnerOptions;

  constructor(options: JobRunnerOptions) {
    super(options.retry, { queue: PAYMENT_JOBS_QUEUE, metrics: options.rt.metrics });
    this.#options = options;
  }

  protected async attempt(id: string): Promise<boolean> {
    return (await this.run(id)) === 'succeeded';
  }

  protected due(limit: number): Promise<string[]> {
    return this.#options.store.due(limit);
  }

  /** One attempt at one job. */
  async run(id: string): Promise<Attempt> {
    const { store, log, retry } = this.#options;
    try {
      const claimed = await store.claim(id, this.#options.leaseMs ?? LEASE_MS);
      if (!claimed) return 'skipped';
      const { job, attempts } = claimed;
      const fields = { jobId: id, orderId: job.orderId, kind: job.kind, attempts };
      try {
        if (!claimed.paymentId) throw new Error('the payment has no provider id yet');
        // The provider's webhook said it is captured (it overtook this job's answer), or told the
        // outcome a reconcile would ask for: done already.
        const answered =
          (job.kind === 'capture' && claimed.capturedCents >= job.amountCents) ||
          (job.kind === 'reconcile' && claimed.decided);
        const answer = answered ? {} : await this.#callProvider(job, claimed.paymentId);
        // Not paid yet while its checkout is still open (a clock ahead of the provider's, a delay of
        // 0): the shopper may yet pay, so it is asked again after the backoff, not closed.
        if (answer.found?.outcome === 'undecided' && stillOpen(claimed.expiresAt)) {
          throw new Error('the checkout is still open: the shopper may yet pay');
        }
        const made = await this.#commit(job, answer);
        log.info('payment job done', {
          ...fields,
          ...(answer.found ? { outcome: answer.found.outcome } : {}),
        });
        this.counted(job.kind, 'done');
        // Jobs the outcome made (a capture frees the return refunds that waited for it) start now.
        this.kick(made);
        return 'succeeded';
      } catch (error) {
        const failure = describeFailure(error);
        const refused = error instanceof ProviderRefused;
        const status = await store.markFailed(id, attempts, failure, retry, refused);
        if (status === 'failed') {
          log.error('payment job failed for good', { ...fields, error: failure });
          this.counted(job.kind, 'failed');
          return 'failed';
        }
        log.warn('payment job failed; retried later', { ...fields, error: failure });
        this.counted(job.kind, 'retry');
        this.retryLater(id, attempts);
        return 'retry';
      }
    } catch (error) {
      // Firestore trouble: the job keeps its dueAt (or its lease) and the sweep finds it again.
      log.error('payment job attempt broke off', { jobId: id, error: describeFailure(error) });
      return 'skipped';
    }
  }

  async #callProvider(job: JobSpec, paymentId: string): Promise<Answer> {
    const { provider } = this.#options;
    const request = { paymentId, amountCents: job.amountCents, idempotencyKey: job.id };
    switch (job.kind) {
      case 'capture':
        await provider.capture(request);
        return {};
      case 'refund':
        return { refundId: (await provider.refund(request)).refundId };
      case 'reconcile':
        return { found: await provider.lookup(paymentId) };
    }
  }

  /**
   * The job done, with the payment's change and the event it owes, in one transaction. Returns the
   * ids of the jobs that change made.
   */
  async #commit(job: JobSpec, { refundId, found }: Answer): Promise<string[]> {
    const { rt, store } = this.#options;
    return rt.transact(async (work) => {
      const pending = await store.pendingJob(work, job.id);
      const payment = await store.read(work, job.orderId);
      if (!pending || !payment) return [];
      const change = {
        capture: () => captureSucceeded(payment, job.amountCents),
        refund: () => refundSucceeded(payment, pending),
        // A webhook that told the outcome first leaves nothing to learn.
        reconcile: () => (found ? paymentLookedUp(payment, found) : undefined),
      }[job.kind]();
      const made = change ? store.write(work, change) : [];
      await store.markSucceeded(work, job.id, {
        ...(refundId ? { refundId } : {}),
        ...(found ? { outcome: found.outcome } : {}),
      });
      return made;
    });
  }
}
