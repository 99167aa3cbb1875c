/**
 * The sandbox adapter against the payment sandbox itself (packages/payment-sandbox over real HTTP on
 * loopback), not a fake of it: what the adapter reads of a payment is what the provider answers.
 */
import { type PaymentSandbox, startPaymentSandbox } from '@stockflow/payment-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderRefused, ProviderUnavailable } from '../provider.ts';
import { SandboxProvider } from './sandbox.ts';

const API_KEY = 'sk_test_contract_0123';
const SECRET = 'whsec_contract_0123456789';
let sandbox: PaymentSandbox;
let provider: SandboxProvider;

beforeAll(async () => {
  // No webhook URL: the webhooks wait unsent, as if lost; the lookup is all payments learns from.
  sandbox = await startPaymentSandbox({ apiKey: API_KEY, webhookSecret: SECRET });
  provider = new SandboxProvider({ url: sandbox.url, apiKey: API_KEY, webhookSecret: SECRET });
});
afterAll(() => sandbox?.stop());

let orders = 0;
const checkout = () => {
  const reference = `o-contract-${++orders}`;
  return provider.createCheckout({
    reference,
    amountCents: 2500,
    currency: 'EUR',
    returnUrl: `https://shop.example/orders/${reference}`,
    expiresAt: new Date(Date.now() + 600_000).toISOString(),
    idempotencyKey: reference,
  });
};

describe('looking a payment up at the sandbox', () => {
  it('reads an unpaid, an authorized, a captured and a declined payment', async () => {
    const unpaid = await checkout();
    expect(await provider.lookup(unpaid.paymentId)).toEqual({
      outcome: 'undecided',
      authorizedCents: 0,
      capturedCents: 0,
      refundedCents: 0,
    });

    const paid = await checkout();
    sandbox.pay(paid.sessionId, '4242 4242 4242 4242');
    expect(await provider.lookup(paid.paymentId)).toEqual({
      outcome: 'authorized',
      authorizedCents: 2500,
      capturedCents: 0,
      refundedCents: 0,
    });
    await provider.capture({ paymentId: paid.paymentId, amountCents: 2500, idempotencyKey: 'cap-1' });
    await provider.refund({ paymentId: paid.paymentId, amountCents: 1000, idempotencyKey: 'ref-1' });
    expect(await provider.lookup(paid.paymentId)).toEqual({
      outcome: 'authorized',
      authorizedCents: 2500,
      capturedCents: 2500,
      refundedCents: 1000,
    });

    const refused = await checkout();
    sandbox.pay(refused.sessionId, '4000 0000 0000 9995');
    expect(await provider.lookup(refused.paymentId)).toEqual({
      outcome: 'declined',
      authorizedCents: 0,
      capturedCents: 0,
      refundedCents: 0,
      decline: { code: 'insufficient_funds', message: 'Your card has insufficient funds.' },
    });
  });

  it('makes an unknown payment a refusal and an outage retryable', async () => {
    await expect(provider.lookup('pay_unknown')).rejects.toThrow(
      new ProviderRefused(404, 'No such payment.'),
    );
    const { paymentId } = await checkout();
    sandbox.setOutage(true);
    try {
      await expect(provider.lookup(paymentId)).rejects.toBeInstanceOf(ProviderUnavailable);
    } finally {
      sandbox.setOutage(false);
    }
  });
});
