/**
 * @module `startPaymentSandbox`: the test payment provider on loopback, with the handle tests and the
 * local runner drive it by (webhook URL, outage, duplicate and reordered webhooks, paying without a
 * browser, and what was paid and sent).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { sandboxApp } from './app.ts';
import { PaymentBook, type SandboxPayment } from './book.ts';
import { type SentWebhook, WebhookSender } from './webhooks.ts';

export interface PaymentSandboxOptions {
  /** Where it listens on 127.0.0.1 (0, the default: a free port). */
  port?: number;
  /** The merchant's key: `Authorization: Bearer <apiKey>` on `/v1`. */
  apiKey: string;
  /** Signs every webhook (`Sandbox-Signature`). */
  webhookSecret: string;
  /** Where webhooks go; they wait until one is set. */
  webhookUrl?: string;
  /** How long the slow card's webhook is held back (3000 ms). */
  slowMs?: number;
  /** The first webhook retry's delay, doubling after (250 ms). */
  retryBaseMs?: number;
}

export interface PaymentSandbox {
  /** `http://127.0.0.1:<port>`: PAYMENT_PROVIDER_URL. */
  url: string;
  apiKey: string;
  webhookSecret: string;
  setWebhookUrl(url: string | undefined): void;
  /** While on: every `/v1` call answers 503 and webhooks wait (then leave, in order). */
  setOutage(on: boolean): void;
  /** While on: each webhook is sent twice (same id and body). */
  setDuplicateWebhooks(on: boolean): void;
  /** Keeps webhooks unsent until `releaseWebhooks`. */
  holdWebhooks(): void;
  /** Sends what was held, in order or reversed; resolves once each had its first attempt. */
  releaseWebhooks(options?: { reverse?: boolean }): Promise<void>;
  /**
   * Pays a session (its id, or its hosted page's URL: a `checkoutUrl`) with a card number, as the
   * hosted form does. Throws a `SandboxProblem` for an unknown session (404), an expired one (410) or
   * a number that is not a test card (422).
   */
  pay(session: string, card: string): SandboxPayment;
  /** The 3-D Secure style answer: `approve` authorizes, `fail` declines (authentication_failed). */
  confirm(session: string, result: 'approve' | 'fail'): SandboxPayment;
  /** Every payment with an outcome, its status and amounts (cents). */
  payments(): SandboxPayment[];
  /** Every webhook delivery (a duplicated event twice), in the order they were made. */
  webhooksSent(): SentWebhook[];
  /** Resolves once no webhook is under way (held ones aside): each delivered or failed. */
  webhooksSettled(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPaymentSandbox(options: PaymentSandboxOptions): Promise<PaymentSandbox> {
  const { apiKey, webhookSecret, slowMs = 3000 } = options;
  let outage = false;
  const webhooks = new WebhookSender({
    secret: webhookSecret,
    url: options.webhookUrl,
    retryBaseMs: options.retryBaseMs,
  });
  const book = new PaymentBook((notice) => webhooks.send(notice.type, notice.data, notice.slow ? slowMs : 0));
  let url = '';
  const app = sandboxApp({ book, apiKey, baseUrl: () => url, outage: () => outage });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: '127.0.0.1' }, () =>
      resolve(s as Server),
    ) as Server;
    s.once('error', reject);
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    apiKey,
    webhookSecret,
    setWebhookUrl: (next) => webhooks.setUrl(next),
    setOutage(on) {
      outage = on;
      webhooks.setOutage(on);
    },
    setDuplicateWebhooks: (on) => webhooks.setDuplicates(on),
    holdWebhooks: () => webhooks.hold(),
    releaseWebhooks: (release) => webhooks.release(release),
    pay: (session, card) => book.pay(sessionIdOf(session), card),
    confirm: (session, result) => book.confirm(sessionIdOf(session), result),
    payments: () => book.payments(),
    webhooksSent: () => webhooks.sent(),
    webhooksSettled: () => webhooks.settled(),
    async stop() {
      webhooks.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** A session's id, given it or its hosted page's URL (`<base>/pay/<id>`). */
const sessionIdOf = (session: string) =>
  /^https?:/.test(session) ? new URL(session).pathname.replace(/^\/pay\//, '') : session;
