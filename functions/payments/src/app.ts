/**
 * @module payments: one payment per order at an outside provider (the sandbox for now). It opens the
 * provider's hosted checkout when an order awaits payment, learns the outcome from the provider's
 * signed webhooks (public, `POST /webhooks/<provider>`), captures when the order ships and refunds
 * cancelled orders, late authorizations and returns, through a durable job queue swept on its
 * PingSource tick; a cancelled order's payment that no webhook answered is looked up at the
 * provider. Staff read an order's payment and its jobs. Card data never reach it.
 */
import {
  badRequest,
  type ConfigOf,
  defineFunction,
  envInt,
  failedItems,
  notFound,
  Problem,
  requireRole,
} from '@stockflow/kit';
import * as z from 'zod/mini';
import { paymentsEvents, receiveWebhook } from './events.ts';
import { JobRunner } from './jobs.ts';
import { RECONCILE_DELAY_MS } from './payment.ts';
import { type PaymentProvider, WebhookRejected } from './provider.ts';
import { SandboxProvider } from './providers/sandbox.ts';
import { JOBS, PaymentsStore } from './store.ts';

const ORDER_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

const env = {
  /** Which provider's adapter to use (providers/<name>.ts); the sandbox is the only one so far. */
  PAYMENT_PROVIDER: z._default(z.enum(['sandbox']), 'sandbox'),
  /** The provider's API base URL (ConfigMap `stockflow-payments`, key `provider-url`). */
  PAYMENT_PROVIDER_URL: z.url({ protocol: /^https?$/ }),
  /** The provider's API key (Secret `stockflow-payments`, key `api-key`). */
  PAYMENT_API_KEY: z.string().check(z.minLength(8, 'must be at least 8 characters')),
  /** The secret the provider signs webhooks with (Secret `stockflow-payments`, key `webhook-secret`). */
  PAYMENT_WEBHOOK_SECRET: z.string().check(z.minLength(16, 'must be at least 16 characters')),
  /** The shop's public origin: the provider sends the shopper back to `<SHOP_URL>/orders/<id>`. */
  SHOP_URL: z._default(z.url({ protocol: /^https?$/ }), 'http://localhost:8080'),
  /** The first retry's delay after a failed capture or refund; each next one doubles, up to the max. */
  PAYMENT_RETRY_MIN_MS: z._default(envInt({ min: 10 }), 30_000),
  PAYMENT_RETRY_MAX_MS: z._default(envInt({ min: 10 }), 3_600_000),
  /** Attempts before a capture or refund is marked failed (it stays visible); about two days. */
  PAYMENT_MAX_ATTEMPTS: z._default(envInt({ min: 1, max: 1000 }), 60),
  /**
   * A cancelled order's payment with no outcome is looked up at the provider this long after its
   * checkout closed (time for a webhook on its way to land first).
   */
  PAYMENT_RECONCILE_DELAY_MS: z._default(envInt({ min: 0 }), RECONCILE_DELAY_MS),
};

export type PaymentsConfig = ConfigOf<typeof env>;

/** What one payments instance works with (its job runner is closed with it). */
export interface PaymentsServices {
  store: PaymentsStore;
  provider: PaymentProvider;
  jobs: JobRunner;
  /** The shop's public origin: the provider sends the shopper back to `<shopUrl>/orders/<id>`. */
  shopUrl: string;
  /** How long after its checkout closed a cancelled order's unanswered payment is looked up. */
  reconcileDelayMs: number;
}

export const payments = defineFunction({
  name: 'payments',
  env,
  services(rt): PaymentsServices {
    const config = rt.config;
    const store = new PaymentsStore(() => rt.db());
    const provider = new SandboxProvider({
      url: config.PAYMENT_PROVIDER_URL,
      apiKey: config.PAYMENT_API_KEY,
      webhookSecret: config.PAYMENT_WEBHOOK_SECRET,
    });
    const jobs = new JobRunner({
      rt,
      store,
      provider,
      log: rt.log,
      retry: {
        minMs: config.PAYMENT_RETRY_MIN_MS,
        maxMs: config.PAYMENT_RETRY_MAX_MS,
        maxAttempts: config.PAYMENT_MAX_ATTEMPTS,
      },
    });
    rt.onClose(() => jobs.close());
    rt.countUnresolved('payment-jobs-failed', (db) => failedItems(db.collection(JOBS)));
    return {
      store,
      provider,
      jobs,
      shopUrl: config.SHOP_URL,
      reconcileDelayMs: config.PAYMENT_RECONCILE_DELAY_MS,
    };
  },
  events: paymentsEvents,
  routes(app, rt, services) {
    const { store, provider } = services;

    // Public (web forwards it without a staff session): the signature is the credential. 200 once
    // the change is durable; a repeat of an event applied before is a 200 that changes nothing.
    app.post(`/webhooks/${provider.name}`, async (c) => {
      const raw = await c.req.text();
      let event: ReturnType<typeof provider.verifyWebhook>;
      try {
        event = provider.verifyWebhook(raw, c.req.raw.headers);
      } catch (error) {
        if (!(error instanceof WebhookRejected)) throw error;
        rt.log.warn('webhook refused', { provider: provider.name, reason: error.reason });
        if (error.reason === 'malformed') throw badRequest(error.message);
        throw new Problem(401, 'Unauthorized', { detail: error.message });
      }
      const outcome = await receiveWebhook(rt, services, event);
      rt.log.info('webhook received', {
        provider: provider.name,
        type: event.type,
        orderId: event.reference,
        outcome,
      });
      return c.json({ received: true, duplicate: outcome === 'duplicate' });
    });

    app.get('/payments/:orderId', requireRole('viewer'), async (c) => {
      const orderId = c.req.param('orderId');
      if (!ORDER_ID.test(orderId)) throw badRequest('That is not an order id.');
      const payment = await store.view(orderId);
      if (!payment) throw notFound(`No payment for order ${orderId}.`);
      return c.json(payment);
    });
  },
});
