import { describe, expect, it } from 'vitest';
import { describeFailure, messageKey, refundPart } from './messages.ts';
import { escapeHtml, html, MESSAGE_KINDS, type MessageFacts, renderMessage } from './templates.ts';

const facts: MessageFacts = {
  orderId: 'o-1',
  customerName: 'Ada <script>alert(1)</script> & "Co"',
  items: [
    { productId: 'p1', name: 'Mug <b>big</b>', quantity: 2, unitPriceCents: 250 },
    { productId: 'p2', quantity: 1, unitPriceCents: 1000 },
  ],
  currency: 'EUR',
  totalCents: 1500,
};

describe('templates', () => {
  it('renders every kind as text and HTML, escaping every value in the HTML', () => {
    for (const kind of MESSAGE_KINDS) {
      const message = renderMessage(kind, { ...facts, reason: 'out of <time>' });
      expect(message.subject).toContain('o-1');
      expect(message.html).not.toContain('<script>');
      expect(message.html).toContain('Ada &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;');
      expect(message.text).toContain('Hello Ada <script>alert(1)</script> & "Co"');
    }
  });

  it('lists the lines with names (or product ids) and the total in the confirmation', () => {
    const { text, html: page } = renderMessage('confirmed', facts);
    expect(text).toContain('2 × Mug <b>big</b>  €5.00');
    expect(text).toContain('1 × p2  €10.00');
    expect(text).toContain('Total €15.00');
    expect(page).toContain('Mug &lt;b&gt;big&lt;/b&gt;');
    expect(page).toContain('Total €15.00');
  });

  it('names the shipment and its lines when the shipped event has one', () => {
    const message = renderMessage('shipped', {
      ...facts,
      shipment: { shipmentId: 's-9', items: [{ productId: 'p2', quantity: 1 }] },
    });
    expect(message.subject).toBe('Shipment s-9 of your order o-1 has shipped');
    expect(message.text).toContain('1 × p2');
    expect(message.text).not.toContain('Mug');
  });

  it('says why an order was cancelled, on one line', () => {
    const message = renderMessage('cancelled', { ...facts, reason: 'changed\r\nmy mind' });
    expect(message.text).toContain('is cancelled (changed my mind)');
  });

  it('says the payment went through in the confirmation', () => {
    const { text, html: page } = renderMessage('confirmed', facts);
    expect(text).toContain('your payment went through and your order o-1 is confirmed');
    expect(page).toContain('your payment went through and your order <strong>o-1</strong> is confirmed');
  });

  it('words a cancellation by its cause: a declined payment, an expired one, or the reason given', () => {
    const declined = renderMessage('cancelled', { ...facts, cause: 'payment-declined', reason: 'x' });
    expect(declined.subject).toBe('Your order o-1 is cancelled');
    for (const part of [declined.text, declined.html]) {
      expect(part).toContain('your payment was declined');
      expect(part).toContain('Nothing was charged, and the items were released.');
      expect(part).not.toContain('(x)');
    }
    const expired = renderMessage('cancelled', { ...facts, cause: 'payment-expired' });
    for (const part of [expired.text, expired.html]) {
      expect(part).toContain('we did not receive your payment in time');
      expect(part).not.toContain('declined');
    }
    for (const cause of ['customer', 'staff'] as const) {
      const message = renderMessage('cancelled', { ...facts, cause, reason: 'no longer needed' });
      expect(message.text).toContain(
        'your order o-1 is cancelled (no longer needed). Nothing of it will be sent.',
      );
      expect(message.html).not.toContain('payment');
    }
  });

  it('tells the refunded amount in the refund currency, and why', () => {
    const refund = (cause: 'return' | 'cancelled' | 'late-authorization', returnId?: string) =>
      renderMessage('refunded', {
        ...facts,
        refund: { amountCents: 1250, currency: 'USD', cause, ...(returnId ? { returnId } : {}) },
      });
    const returned = refund('return', 'r-1');
    expect(returned.subject).toBe('A refund of $12.50 for your order o-1');
    expect(returned.text).toContain(
      'we refunded $12.50 for your order o-1: for the items you returned (return r-1).',
    );
    expect(returned.html).toContain(
      'we refunded <strong>$12.50</strong> for your order <strong>o-1</strong>',
    );
    expect(refund('cancelled').text).toContain(': your order was cancelled.');
    expect(refund('late-authorization').text).toContain(
      'your payment arrived after the order had been cancelled',
    );
  });

  it('escapes nested values once, and markup not at all', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(html`<p>${html`<b>${'<i>'}</b>`}</p>`.value).toBe('<p><b>&lt;i&gt;</b></p>');
  });
});

describe('messages', () => {
  it('keys a message by order, kind and shipment', () => {
    expect(messageKey('o-1', 'confirmed')).toBe('o-1~confirmed');
    expect(messageKey('o-1', 'shipped', 's-2')).toBe('o-1~shipped~s-2');
  });

  it('keys a refund by its return, else by its payment and cause, with no / or ~ in the key', () => {
    expect(refundPart({ paymentId: 'pay_1', cause: 'return', returnId: 'r-1' })).toBe('return:r-1');
    expect(refundPart({ paymentId: 'pay_1', cause: 'cancelled' })).toBe('cancelled:pay_1');
    expect(refundPart({ paymentId: 'pay/1~x', cause: 'late-authorization' })).toBe(
      'late-authorization:pay%2F1%7Ex',
    );
  });

  it('keeps no address of an SMTP error', () => {
    const error = Object.assign(new Error('x'), {
      code: 'EENVELOPE',
      responseCode: 550,
      response: '550 5.1.1 <ada@example.com>: Recipient address rejected',
    });
    expect(describeFailure(error)).toBe('EENVELOPE 550 550 5.1.1 <<address>>: Recipient address rejected');
  });
});
