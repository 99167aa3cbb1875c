/**
 * @module The hosted payment pages, server-rendered HTML with no script: the card form, the bank's
 * confirmation step, the outcome, and the expired and unknown sessions. One h1 each, labelled fields,
 * errors announced with role=alert. Their one inline style is allowed by its hash in the pages' CSP.
 */
import { createHash } from 'node:crypto';
import type { CheckoutSession, SandboxPayment } from './book.ts';
import { TEST_CARDS } from './cards.ts';

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
label{display:block;margin-top:1rem;font-weight:600}input{font:inherit;padding:.4rem;width:100%;box-sizing:border-box}
button{font:inherit;margin-top:1.25rem;padding:.5rem 1.5rem}[role=alert]{color:#a4000f;font-weight:600}
.test{margin-top:2rem;font-size:.9rem;color:#444}table{border-collapse:collapse}td,th{padding:.15rem .6rem .15rem 0;text-align:left}`;

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/**
 * The pages' Content-Security-Policy: nothing but their own style, forms that post to the sandbox, and
 * (forms are followed through redirects) the shop's origin the payment returns to.
 */
export function pageCsp(returnOrigin?: string): string {
  return [
    "default-src 'none'",
    `style-src 'sha256-${STYLE_HASH}'`,
    `form-action 'self'${returnOrigin ? ` ${returnOrigin}` : ''}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Cents in the currency's minor unit, shown as the shopper reads money: `€12.00`. */
export function formatAmount(amount: number, currency: string): string {
  const format = new Intl.NumberFormat('en', { style: 'currency', currency });
  return format.format(amount / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · payment sandbox</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

const sandboxNote = '<p>Stockflow payment sandbox: test mode, no real card is charged.</p>';

const testCardsTable = () =>
  `<section class="test" aria-labelledby="test-cards"><h2 id="test-cards">Test cards</h2><table>
<thead><tr><th scope="col">Card number</th><th scope="col">Outcome</th></tr></thead><tbody>${TEST_CARDS.map(
    (card) => `<tr><td>${card.number}</td><td>${escapeHtml(card.outcome)}</td></tr>`,
  ).join('')}</tbody></table><p>Any future expiry and any CVC.</p></section>`;

export interface FormErrors {
  card?: string;
  expiry?: string;
  cvc?: string;
}

function field(name: keyof FormErrors, label: string, attributes: string, errors: FormErrors): string {
  const error = errors[name];
  const described = error ? ` aria-invalid="true" aria-describedby="${name}-error"` : '';
  return `<label for="${name}">${label}</label><input id="${name}" name="${name}" required ${attributes}${described}>${
    error ? `<p id="${name}-error" role="alert">${escapeHtml(error)}</p>` : ''
  }`;
}

/** The card form. What was typed is not echoed back: card data are not kept, even test ones. */
export function payPage(session: CheckoutSession, errors: FormErrors = {}): string {
  const amount = formatAmount(session.amount, session.currency);
  return layout(
    `Pay ${amount}`,
    `<h1>Pay ${escapeHtml(amount)}</h1>${sandboxNote}<p>Reference: ${escapeHtml(session.reference)}</p>
<form method="post" action="/pay/${session.id}" novalidate>
${field('card', 'Card number', 'inputmode="numeric" autocomplete="cc-number"', errors)}
${field('expiry', 'Expiry (MM/YY)', 'inputmode="numeric" autocomplete="cc-exp" placeholder="MM/YY"', errors)}
${field('cvc', 'CVC', 'inputmode="numeric" autocomplete="cc-csc"', errors)}
<button type="submit">Pay</button></form>${testCardsTable()}`,
  );
}

/** The 3-D Secure style step: the "bank" asks the shopper to confirm. */
export function confirmPage(session: CheckoutSession): string {
  const amount = formatAmount(session.amount, session.currency);
  return layout(
    'Confirm with your bank',
    `<h1>Confirm with your bank</h1>${sandboxNote}<p>Your bank asks you to confirm the payment of ${escapeHtml(amount)}.</p>
<form method="post" action="/pay/${session.id}/confirm">
<button type="submit" name="result" value="approve">Confirm</button>
<button type="submit" name="result" value="fail">Fail</button></form>`,
  );
}

/** A decided payment's page (shown when a decided session is opened again). */
export function outcomePage(session: CheckoutSession, payment: SandboxPayment): string {
  const declined = payment.status === 'declined';
  const title = declined ? 'Payment declined' : 'Payment approved';
  return layout(
    title,
    `<h1>${title}</h1>${declined ? `<p role="alert">${escapeHtml(payment.message ?? '')}</p>` : ''}
<p><a href="${escapeHtml(session.returnUrl)}">Back to the shop</a></p>`,
  );
}

export function expiredPage(session: CheckoutSession): string {
  return layout(
    'This payment has expired',
    `<h1>This payment has expired</h1><p role="alert">Nothing was paid.</p>
<p><a href="${escapeHtml(session.returnUrl)}">Back to the shop</a></p>`,
  );
}

export function notFoundPage(): string {
  return layout('Payment not found', '<h1>Payment not found</h1><p>This payment link is not valid.</p>');
}
