/**
 * The local stack's payment provider: fresh credentials per stack, handed to a payments Service
 * through the `stockflow-payments` Secret and ConfigMap refs, and webhooks delivered through web.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { serviceEnv } from './env.ts';
import { PAYMENTS_REFS, SANDBOX_WEBHOOK_PATH, startLocalPaymentProvider } from './payment-provider.ts';

async function started() {
  const provider = await startLocalPaymentProvider({ shopUrl: 'http://127.0.0.1:8080' });
  onTestFinished(() => provider.sandbox.stop());
  return provider;
}

describe('the local payment provider', () => {
  it('makes an api key and a webhook secret of its own for each stack', async () => {
    const [a, b] = [await started(), await started()];
    expect(Object.keys(a.refs).sort()).toEqual(Object.values(PAYMENTS_REFS).sort());
    expect(a.refs[PAYMENTS_REFS.providerUrl]).toBe(a.sandbox.url);
    expect(a.refs[PAYMENTS_REFS.apiKey]).toBe(a.sandbox.apiKey);
    expect(a.refs[PAYMENTS_REFS.webhookSecret]).toBe(a.sandbox.webhookSecret);
    for (const ref of [PAYMENTS_REFS.apiKey, PAYMENTS_REFS.webhookSecret]) {
      expect(a.refs[ref]!.length).toBeGreaterThanOrEqual(32);
      expect(a.refs[ref]).not.toBe(b.refs[ref]);
    }

    const call = (apiKey: string) =>
      fetch(`${a.sandbox.url}/v1/checkout-sessions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ amount: 100, currency: 'EUR', reference: 'o-1', returnUrl: 'http://x.test/' }),
      });
    expect((await call(b.sandbox.apiKey)).status).toBe(401);
    expect((await call(a.sandbox.apiKey)).status).toBe(201);
  });

  it("reaches a payments Service's env through the Secret and ConfigMap refs, with no warning", async () => {
    const provider = await started();
    const warnings: string[] = [];
    const secret = (key: string) => ({ secretKeyRef: { name: 'stockflow-payments', key } });
    const env = serviceEnv(
      {
        name: 'payments',
        namespace: 'default',
        origin: 'test',
        labels: {},
        env: [
          { name: 'PAYMENT_API_KEY', valueFrom: secret('api-key') },
          { name: 'PAYMENT_WEBHOOK_SECRET', valueFrom: secret('webhook-secret') },
          {
            name: 'PAYMENT_PROVIDER_URL',
            valueFrom: { configMapKeyRef: { name: 'stockflow-payments', key: 'provider-url' } },
          },
        ],
      },
      {
        port: 1,
        emulatorHost: '127.0.0.1:1',
        projectId: 'p',
        logLevel: 'info',
        refs: provider.refs,
        serviceUrl: () => undefined,
        sinkUrl: () => undefined,
        sinkBindings: [],
        warn: (message) => warnings.push(message),
      },
      {},
    );
    expect(env).toMatchObject({
      PAYMENT_API_KEY: provider.sandbox.apiKey,
      PAYMENT_WEBHOOK_SECRET: provider.sandbox.webhookSecret,
      PAYMENT_PROVIDER_URL: provider.sandbox.url,
    });
    expect(warnings).toEqual([]);
  });

  it("sends webhooks to web's /api/payments/webhooks/sandbox", async () => {
    const paths: string[] = [];
    const web = createServer((req, res) => {
      paths.push(req.url ?? '');
      req.resume().on('end', () => res.writeHead(200).end());
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => web.close(() => resolve())));
    const provider = await started();
    provider.deliverThrough(`http://127.0.0.1:${(web.address() as AddressInfo).port}`);

    const opened = await fetch(`${provider.sandbox.url}/v1/checkout-sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${provider.sandbox.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 100, currency: 'EUR', reference: 'o-1', returnUrl: 'http://x.test/' }),
    });
    const session = (await opened.json()) as { id: string };
    provider.sandbox.pay(session.id, '4242 4242 4242 4242');
    await vi.waitFor(() => expect(paths).toEqual([SANDBOX_WEBHOOK_PATH]));
    expect(SANDBOX_WEBHOOK_PATH).toBe('/api/payments/webhooks/sandbox');
  });
});
