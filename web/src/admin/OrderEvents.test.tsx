import { screen, waitFor, within } from '@solidjs/testing-library';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import type { Order } from '../lib/api.ts';
import { ledgerEvent } from '../test/fake-ledger.ts';
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
const saga = [
  ledgerEvent('l-1', { type: 'io.stockflow.order.placed', subject: 'o-1' }, '2026-11-27T10:00:00.000Z'),
  ledgerEvent('l-2', { type: 'io.stockflow.product.created', subject: 'mug', source: '/catalog' }),
  ledgerEvent('l-3', { type: 'io.stockflow.stock.reserved', subject: 'o-1', source: '/inventory' }),
  ledgerEvent('l-4', { type: 'io.stockflow.order.confirmed', subject: 'o-1' }, '2026-11-27T10:00:02.000Z'),
];

const history = () => screen.getByRole('table', { name: 'Events of this order' });

describe("an order's event history (admin order screen)", () => {
  it("lists the order's events oldest first, and opens the explorer on them", async () => {
    const { user, shop, path } = renderApp('/admin/orders/o-1', { admin: true, ledger: { events: saga } });
    shop.seedOrder(order);
    await screen.findByRole('table', { name: 'Events of this order' });
    const types = within(history())
      .getAllByRole('row')
      .slice(1)
      .map((row) => within(row).getAllByRole('cell')[1]!.textContent);
    expect(types).toEqual(['order.placed', 'stock.reserved', 'order.confirmed']);
    expect(screen.getByText('oldest first')).toBeInTheDocument();
    // The order is still on screen around it.
    expect(screen.getByRole('button', { name: 'Mark as shipped' })).toBeInTheDocument();

    await user.click(screen.getByRole('link', { name: 'Open in the event explorer' }));
    expect(path()).toBe('/admin/events?subject=o-1');
    await screen.findByRole('table', { name: 'Recorded events' });
  });

  it('reads the history again when the order changes', async () => {
    const { user, shop, ledger } = renderApp('/admin/orders/o-1', { admin: true, ledger: { events: saga } });
    shop.seedOrder(order);
    await screen.findByRole('table', { name: 'Events of this order' });
    ledger.record(ledgerEvent('l-5', { type: 'io.stockflow.order.shipped', subject: 'o-1' }));
    await user.click(screen.getByRole('button', { name: 'Mark as shipped' }));
    await waitFor(() => expect(within(history()).getByText('order.shipped')).toBeInTheDocument());
  });

  it('says when there are none, and shows a failure with a retry', async () => {
    let fail = true;
    const flaky = http.get('*/api/ledger/events', () =>
      fail
        ? HttpResponse.json(
            { title: 'Bad Gateway', status: 502, detail: 'The ledger function could not be reached.' },
            { status: 502 },
          )
        : undefined,
    );
    const { user, shop } = renderApp('/admin/orders/o-1', { admin: true, overrides: [flaky] });
    shop.seedOrder(order);
    expect(await screen.findByRole('alert')).toHaveTextContent('The ledger function could not be reached.');
    expect(screen.getByRole('heading', { name: /Order/, level: 1 })).toBeInTheDocument();
    fail = false;
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('No events for this order yet')).toBeInTheDocument();
  });
});
