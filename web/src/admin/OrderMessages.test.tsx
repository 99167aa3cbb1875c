import { screen, within } from '@solidjs/testing-library';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import type { Order, OrderMessage } from '../lib/api.ts';
import { ADDRESS } from '../test/fake-shop.ts';
import { renderApp } from '../test/render.tsx';

const AT = '2026-11-27T10:00:00.000Z';
const order: Order = {
  id: 'o-1',
  status: 'confirmed',
  items: [{ productId: 'mug', name: 'Blue Mug', quantity: 1, unitPriceCents: 1250 }],
  totalCents: 1250,
  currency: 'EUR',
  customer: { name: 'Ada Lovelace', email: 'ada@example.com', address: ADDRESS },
  timeline: [
    { status: 'pending', at: AT },
    { status: 'confirmed', at: AT },
  ],
  createdAt: AT,
  updatedAt: AT,
};
const message = (overrides: Partial<OrderMessage>): OrderMessage => ({
  id: 'o-1~confirmed',
  orderId: 'o-1',
  kind: 'confirmed',
  status: 'sent',
  to: 'ada@example.com',
  subject: 'Your order o-1 is confirmed',
  text: 'Hello Ada Lovelace,\n\nthank you',
  attempts: 1,
  lastError: null,
  createdAt: AT,
  sentAt: AT,
  ...overrides,
});

const emails = () => screen.getByRole('table', { name: 'Emails of this order' });

describe("an order's emails (admin order screen)", () => {
  it('lists what was sent to the shopper and what is still being retried, with why', async () => {
    const { shop } = renderApp('/admin/orders/o-1', {
      admin: true,
      messages: [
        message({}),
        message({
          id: 'o-1~shipped',
          kind: 'shipped',
          subject: 'Your order o-1 has shipped',
          status: 'pending',
          attempts: 2,
          lastError: 'ECONNREFUSED connect refused',
          sentAt: null,
        }),
        message({ id: 'o-2~confirmed', orderId: 'o-2', subject: 'Not this order' }),
      ],
    });
    shop.seedOrder(order);
    await screen.findByRole('table', { name: 'Emails of this order' });
    const rows = within(emails()).getAllByRole('row').slice(1);
    expect(rows.map((row) => within(row).getAllByRole('cell')[1]!.textContent)).toEqual([
      'sent',
      'sendingECONNREFUSED connect refused',
    ]);
    expect(within(emails()).getByText('Your order o-1 is confirmed')).toBeInTheDocument();
    expect(within(emails()).queryByText('Not this order')).not.toBeInTheDocument();
    expect(within(rows[0]!).getByText(/thank you/)).toBeInTheDocument();
  });

  it('says when there are none, and shows a failure without hiding the order', async () => {
    const down = http.get('*/api/notifications/messages', () =>
      HttpResponse.json(
        { title: 'Bad Gateway', status: 502, detail: 'The notifications function could not be reached.' },
        { status: 502 },
      ),
    );
    const { shop } = renderApp('/admin/orders/o-1', { admin: true, overrides: [down] });
    shop.seedOrder(order);
    expect(await screen.findByText('The notifications function could not be reached.')).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: /Order/, level: 1 })).toBeInTheDocument();
  });

  it('says when an order has no email yet', async () => {
    const { shop } = renderApp('/admin/orders/o-1', { admin: true });
    shop.seedOrder(order);
    expect(await screen.findByText('No emails for this order yet')).toBeInTheDocument();
  });
});
