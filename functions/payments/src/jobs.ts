/**
 * @module Carrying out captures and refunds at the provider from the job queue (`jobs`): each
 * attempt claims its job (a lease), calls the provider with the job's id as Idempotency-Key (a
 * repeat after a crash moves no money twice) and, once the provider agreed, commits the job done
 * with the payment's change and its event. A provider that is down leaves the job due again after
 * a backoff; one that refuses (a 4xx) fails it for good. Either way the job and its last error stay
 * on `GET /payments/:orderId`. Attempts start right after the commit that made the job, again on a
 * timer while the process lives, and on every PingSource tick (the sweep), so a job survives
 * restarts and scale-to-zero.
 */
import { type Logger, type RetryPolicy, RetryQueue, type Runtime } from '@stockflow/kit';
import { captureSucceeded, type JobSpec, refundSucceeded } from './payment.ts';
import { describeFailure, type PaymentProvider, ProviderRefused } from './provider.ts';
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

const LEASE_MS = 60_000;

export class JobRunner extends RetryQueue {
  readonly #options: JobRunnerOptions;

  constructor(options: JobRunnerOptions) {
    super(options.retry);
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
        // The provider's webhook said it is captured (it overtook this job's answer): done already.
        const capturedAlready = job.kind === 'capture' && claimed.capturedCents >= job.amountCents;
        const refundId = capturedAlready ? undefined : await this.#callProvider(job, claimed.paymentId);
        const made = await this.#commit(job, refundId);
        log.info('payment job done', fields);
        // Jobs the outcome made (a capture frees the return refunds that waited for it) start now.
        this.kick(made);
        return 'succeeded';
      } catch (error) {
        const failure = describeFailure(error);
        const refused = error instanceof ProviderRefused;
        const status = await store.markFailed(id, attempts, failure, retry, refused);
        if (status === 'failed') {
          log.error('payment job failed for good', { ...fields, error: failure });
          return 'failed';
        }
        log.warn('payment job failed; retried later', { ...fields, error: failure });
        this.retryLater(id, attempts);
        return 'retry';
      }
    } catch (error) {
      // Firestore trouble: the job keeps its dueAt (or its lease) and the sweep finds it again.
      log.error('payment job attempt broke off', { jobId: id, error: describeFailure(error) });
      return 'skipped';
    }
  }

  async #callProvider(job: JobSpec, paymentId: string): Promise<string | undefined> {
    const request = { paymentId, amountCents: job.amountCents, idempotencyKey: job.id };
    if (job.kind === 'capture') {
      await this.#options.provider.capture(request);
      return undefined;
    }
    return (await this.#options.provider.refund(request)).refundId;
  }

  /**
   * The job done, with the payment's change and the event it owes, in one transaction. Returns the
   * ids of the jobs that change made.
   */
  async #commit(job: JobSpec, refundId: string | undefined): Promise<string[]> {
    const { rt, store } = this.#options;
    return rt.transact(async (work) => {
      const pending = await store.pendingJob(work, job.id);
      const payment = await store.read(work, job.orderId);
      if (!pending || !payment) return [];
      const change =
        job.kind === 'capture'
          ? captureSucceeded(payment, job.amountCents)
          : refundSucceeded(payment, pending);
      const made = store.write(work, change);
      await store.markSucceeded(work, job.id, refundId ? { refundId } : {});
      return made;
    });
  }
}
