/**
 * @module The local stack's payment provider: the payment sandbox on loopback, with an api key and a
 * webhook secret made afresh for each stack (never written anywhere), handed to payments as a cluster's
 * `stockflow-payments` Secret and ConfigMap would hand them over. Its webhooks go through web, as a
 * real provider's reach the public origin.
 */
import { randomBytes } from 'node:crypto';
import { type PaymentSandbox, startPaymentSandbox } from '@stockflow/payment-sandbox';

/** The Secret and ConfigMap keys knative/base's payments reads (PAYMENT_API_KEY, …), by ref. */
export const PAYMENTS_REFS = {
  apiKey: 'Secret/stockflow-payments/api-key',
  webhookSecret: 'Secret/stockflow-payments/webhook-secret',
  providerUrl: 'ConfigMap/stockflow-payments/provider-url',
  shopUrl: 'ConfigMap/stockflow-payments/shop-url',
} as const;

/** Where, under web's origin, the provider's webhooks land (web forwards them to payments). */
export const SANDBOX_WEBHOOK_PATH = '/api/payments/webhooks/sandbox';

export interface LocalPaymentProvider {
  sandbox: PaymentSandbox;
  /** By `Secret/<name>/<key>` and `ConfigMap/<name>/<key>`, as knative/base names them. */
  refs: Record<string, string>;
  /** Points the sandbox's webhooks at web (once web's local URL is known). */
  deliverThrough(webUrl: string): void;
}

/**
 * Starts the sandbox on `port` (0: a free one) with fresh credentials. `shopUrl` is the shop's
 * public origin: the provider sends the shopper back to `<shopUrl>/orders/<id>` after paying.
 */
export async function startLocalPaymentProvider({
  port = 0,
  shopUrl,
}: {
  port?: number;
  shopUrl: string;
}): Promise<LocalPaymentProvider> {
  const sandbox = await startPaymentSandbox({
    port,
    apiKey: `sk_test_${randomBytes(24).toString('base64url')}`,
    webhookSecret: `whsec_${randomBytes(32).toString('base64url')}`,
  });
  return {
    sandbox,
    refs: {
      [PAYMENTS_REFS.apiKey]: sandbox.apiKey,
      [PAYMENTS_REFS.webhookSecret]: sandbox.webhookSecret,
      [PAYMENTS_REFS.providerUrl]: sandbox.url,
      [PAYMENTS_REFS.shopUrl]: shopUrl,
    },
    deliverThrough: (webUrl) => sandbox.setWebhookUrl(`${webUrl}${SANDBOX_WEBHOOK_PATH}`),
  };
}
