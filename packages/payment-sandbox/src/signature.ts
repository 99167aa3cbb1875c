/**
 * @module The webhook signature: `Sandbox-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`,
 * the scheme of Stripe's `Stripe-Signature`. The timestamp is signed with the body, so a receiver can
 * refuse old replays; each delivery attempt is signed afresh.
 */
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'Sandbox-Signature';

/** The header value for a raw body sent at `timestamp` (unix seconds). */
export function signWebhook(secret: string, rawBody: string, timestamp: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex');
  return `t=${timestamp},v1=${v1}`;
}
