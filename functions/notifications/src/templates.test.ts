import { describe, expect, it } from 'vitest';
import { describeFailure, messageKey, nextAttemptAt } from './messages.ts';
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

  it('doubles the delay after each failure, up to the most', () => {
    const policy = { minMs: 100, maxMs: 1000, maxAttempts: 5 };
    expect([1, 2, 3, 4, 5].map((n) => nextAttemptAt(n, policy, 0))).toEqual([100, 200, 400, 800, 1000]);
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
