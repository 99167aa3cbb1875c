/** @module The test payment provider: what tests, the local runner and the docs use of it. */
export type {
  CheckoutSession,
  SandboxPayment,
  SandboxPaymentStatus,
  WebhookData,
  WebhookType,
} from './book.ts';
export { SandboxProblem } from './book.ts';
export type { CardBehaviour, DeclineCode, TestCard } from './cards.ts';
export { cardBehaviour, DECLINE_MESSAGES, TEST_CARDS, testCardsLine } from './cards.ts';
export type { PaymentSandbox, PaymentSandboxOptions } from './sandbox.ts';
export { startPaymentSandbox } from './sandbox.ts';
export { SIGNATURE_HEADER, signWebhook } from './signature.ts';
export type { SentWebhook, WebhookEvent } from './webhooks.ts';
