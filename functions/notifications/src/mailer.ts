/**
 * @module Sending messages over SMTP (nodemailer) from the send queue, the `messages` collection:
 * each attempt holds its message by a lease, hands it to the SMTP server and marks it sent only once
 * the server accepted it; a failure leaves it due again after a backoff. The first attempt is
 * claimed by the event's own transaction (store.ts) and starts right after its commit with the
 * message in hand (`sendClaimed`: no transaction of its own); retries claim the message (`deliver`),
 * on a timer while the process lives and on every PingSource tick (the sweep). A process that dies
 * before its first attempt leaves the message leased: due again when the lease ends, the sweep
 * sends it, so a message survives crashes, restarts and scale-to-zero. Addresses never reach a log
 * line.
 */
import { createHash } from 'node:crypto';
import { type LazyMetrics, type Logger, type RetryPolicy, RetryQueue } from '@stockflow/kit';
import type { Transporter } from 'nodemailer';
import { describeFailure } from './messages.ts';
import type { NotificationsStore, Outgoing } from './store.ts';

export interface MailerOptions {
  store: NotificationsStore;
  log: Logger;
  /** `smtp://user:pass@host:port` or `smtps://…`; nodemailer's connection URL. */
  smtpUrl: string;
  from: string;
  retry: RetryPolicy;
  /** Where each attempt's outcome is counted (queue `messages`, by the message's kind). */
  metrics?: LazyMetrics;
}

/**
 * nodemailer's timeouts (ms): an SMTP server that hangs must not hold a message past its lease
 * (MAIL_LEASE_MS, app.ts: 2 minutes against these 50 s together).
 */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/**
 * The Message-ID of a message: the same for every attempt, so if a crash makes us send it twice
 * (after the server's acceptance, before our commit), mail systems that deduplicate by Message-ID
 * show it once. A digest: order ids may hold characters a Message-ID cannot.
 */
export function messageIdOf(id: string): string {
  return `<${createHash('sha256').update(id).digest('hex').slice(0, 32)}@notifications.stockflow>`;
}

/** The queue's name in stockflow_queue_attempts_total (what the alerts match). */
export const MESSAGES_QUEUE = 'messages';

/** How one attempt at a message ended. */
export type Attempt = 'sent' | 'retry' | 'failed' | 'skipped';

export class Mailer extends RetryQueue {
  readonly #options: MailerOptions;
  #transport: Promise<Transporter> | undefined;

  constructor(options: MailerOptions) {
    super(options.retry, { queue: MESSAGES_QUEUE, metrics: options.metrics });
    this.#options = options;
  }

  protected async attempt(id: string): Promise<boolean> {
    return (await this.deliver(id)) === 'sent';
  }

  protected due(limit: number): Promise<string[]> {
    return this.#options.store.due(limit);
  }

  /**
   * One attempt at one message, claimed first (a retry, the sweep): sent, retry (due again later),
   * failed (given up) or skipped (not due, or Firestore trouble).
   */
  async deliver(id: string): Promise<Attempt> {
    return this.#orSkipped(id, async () => {
      const message = await this.#options.store.claim(id);
      return message ? this.#attemptClaimed(message) : 'skipped';
    });
  }

  /**
   * Sends messages their event's transaction claimed for their first attempt (store.ts), in the
   * background: the delivery that staged them answers at once.
   */
  sendClaimed(messages: readonly Outgoing[]): void {
    for (const message of messages) {
      this.inBackground(this.#orSkipped(message.id, () => this.#attemptClaimed(message)));
    }
  }

  /** Sends a claimed message and records the outcome. Rejects on Firestore trouble only. */
  async #attemptClaimed(message: Outgoing): Promise<Attempt> {
    const { store, log, retry } = this.#options;
    const { id } = message;
    try {
      const info = await this.#send(message);
      await store.markSent(id, String(info.response ?? '').slice(0, 200));
      log.info('message sent', {
        messageId: id,
        orderId: message.orderId,
        kind: message.kind,
        attempts: message.attempts,
      });
      this.counted(message.kind, 'done');
      return 'sent';
    } catch (error) {
      const failure = describeFailure(error);
      const status = await store.markFailed(id, message.attempts, failure, retry);
      const fields = {
        messageId: id,
        orderId: message.orderId,
        kind: message.kind,
        attempts: message.attempts,
        error: failure,
      };
      if (status === 'failed') {
        log.error('message given up after its last attempt', fields);
        this.counted(message.kind, 'failed');
        return 'failed';
      }
      log.warn('message not sent; retried later', fields);
      this.counted(message.kind, 'retry');
      this.retryLater(id, message.attempts);
      return 'retry';
    }
  }

  /** Runs an attempt; Firestore trouble skips it, and the sweep finds the message again. */
  async #orSkipped(id: string, attempt: () => Promise<Attempt>): Promise<Attempt> {
    try {
      return await attempt();
    } catch (error) {
      // The message keeps its dueAt (or its lease) and is due again once that passes.
      this.#options.log.error('message attempt broke off', { messageId: id, error: describeFailure(error) });
      return 'skipped';
    }
  }

  /** Waits for attempts in flight, stops the timers and closes the SMTP connections. */
  override async close(): Promise<void> {
    await super.close();
    if (this.#transport) (await this.#transport).close();
  }

  async #send(message: Outgoing) {
    const transport = await this.#transporter();
    return transport.sendMail({
      from: this.#options.from,
      to: { name: message.toName, address: message.to },
      subject: message.subject,
      text: message.text,
      html: message.html,
      messageId: messageIdOf(message.id),
    });
  }

  #transporter(): Promise<Transporter> {
    // Pooled: one message no longer costs a TCP connection and the SMTP greeting, EHLO and QUIT of
    // its own, here and at the relay. Each message is still accepted or refused on its own; a connection the relay dropped is opened again, and a
    // send that fails on it is retried as before.
    this.#transport ??= import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport({ url: this.#options.smtpUrl, pool: true, ...SMTP_TIMEOUTS }),
    );
    return this.#transport;
  }
}
