import { screen, waitFor, within } from '@solidjs/testing-library';
import { describe, expect, it } from 'vitest';
import type { Order, OrderMessage } from '../lib/api.ts';
import { ADDRESS, RETURN_UNTIL } from '../test/fake-shop.ts';
import { renderApp } from '../test/render.tsx';

const AT = '2026-11-27T10:00:00.000Z';

function order(overrides: Partial<Order> = {}): Order {
  return {
    id: 'o-1',
    status: 'shipped',
    items: [
      { productId: 'mug', name: 'Blue Mug', quantity: 2, unitPriceCents: 1250 },
      { productId: 'tea', name: 'Green Tea', quantity: 1, unitPriceCents: 400 },
    ],
    totalCents: 2900,
    currency: 'EUR',
    customer: {
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      address: { ...ADDRESS, line2: 'Hinterhaus' },
    },
    timeline: [{ status: 'shipped', at: AT }],
    shipments: [
      {
        id: 'north',
        locationId: 'north',
        lines: [
          { productId: 'mug', quantity: 2 },
          { productId: 'tea', quantity: 1 },
        ],
        status: 'shipped',
        shippedAt: AT,
      },
    ],
    payment: { paymentId: 'pay_1', status: 'captured', capturedCents: 2900, refundedCents: 0 },
    createdAt: AT,
    updatedAt: AT,
    ...overrides,
  };
}

const inventory = {
  locations: [
    { id: 'north', name: 'North warehouse' },
    { id: 'shop', name: 'City shop' },
    { id: 'old', name: 'Old depot', active: false },
  ],
};

describe('admin order lifecycle', () => {
  it('opens an order whose id needs encoding from its link, and acts on it encoded once', async () => {
    const { user, shop } = renderApp(`/admin/orders/${encodeURIComponent('o:1')}`, {
      staff: 'clerk',
      inventory,
    });
    shop.seedOrder(order({ id: 'o:1' }));
    await user.click(await screen.findByRole('button', { name: 'Mark delivered' }));
    await waitFor(() => expect(shop.orders.get('o:1')!.order.status).toBe('delivered'));
    expect(shop.requests.some((r) => r.method === 'POST' && r.path === '/api/orders/o%3A1/deliver')).toBe(
      true,
    );
    expect(shop.requests.filter((r) => r.path.includes('%25'))).toEqual([]);
  });

  it('shows the shipping label, the payment, and marks a shipped order delivered', async () => {
    const { user, shop } = renderApp('/admin/orders/o-1', { staff: 'clerk', inventory });
    shop.seedOrder(order());
    const label = await screen.findByLabelText('Ship to (from North warehouse)');
    expect(label.textContent).toBe('Ada Lovelace\nHauptstraße 1\nHinterhaus\n10115 Berlin\nGERMANY');
    const payment = screen.getByRole('region', { name: 'Payment' });
    expect(payment).toHaveTextContent('Captured');
    expect(payment).toHaveTextContent('€29.00');
    expect(payment).toHaveTextContent('pay_1');

    await user.click(screen.getByRole('button', { name: 'Mark delivered' }));
    await waitFor(() => expect(shop.orders.get('o-1')!.order.status).toBe('delivered'));
    expect(shop.requests.some((r) => r.method === 'POST' && r.path === '/api/orders/o-1/deliver')).toBe(true);
    expect(await screen.findByText('Delivered', { selector: '.badge' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Mark delivered' })).not.toBeInTheDocument();
  });

  it('offers no delivery to a viewer, and says why an order was cancelled', async () => {
    const { shop } = renderApp('/admin/orders/o-1', { staff: 'viewer', inventory });
    shop.seedOrder(
      order({
        status: 'cancelled',
        cancelCause: 'payment-declined',
        shipments: undefined,
        payment: { paymentId: 'pay_1', status: 'declined', declineMessage: 'Your card was declined.' },
      }),
    );
    const payment = await screen.findByRole('region', { name: 'Payment' });
    expect(payment).toHaveTextContent('Declined because');
    expect(payment).toHaveTextContent('Your card was declined.');
    expect(payment).toHaveTextContent('Cancelled: the payment was declined.');
    expect(screen.queryByRole('button', { name: 'Mark delivered' })).not.toBeInTheDocument();
  });

  it('receives a return at a chosen location, then inspects it line by line', async () => {
    const { user, shop } = renderApp('/admin/orders/o-1', { staff: 'clerk', inventory });
    shop.seedOrder(
      order({
        status: 'delivered',
        deliveredAt: AT,
        returnUntil: RETURN_UNTIL,
        returns: [
          {
            id: 'r-1',
            status: 'requested',
            items: [
              { productId: 'mug', quantity: 2 },
              { productId: 'tea', quantity: 1 },
            ],
            reason: 'Too small',
            requestedAt: AT,
            updatedAt: AT,
          },
        ],
      }),
    );
    const returns = await screen.findByRole('region', { name: 'Returns' });
    const where = within(returns).getByRole('combobox', { name: 'Receive at' });
    // Only active locations take parcels.
    await waitFor(() => expect(within(where).getAllByRole('option')).toHaveLength(2));
    await user.selectOptions(where, 'shop');
    await user.click(within(returns).getByRole('button', { name: 'Receive return r-1' }));
    const inspect = await within(returns).findByRole('form', { name: 'Inspect return r-1' });
    const receive = shop.requests.find((r) => r.path === '/api/orders/o-1/returns/r-1/receive')!;
    expect(receive.body).toEqual({ locationId: 'shop' });
    expect(inspect).toHaveTextContent('Received at City shop');

    const tea = within(inspect).getByRole('group', { name: 'Green Tea × 1' });
    await user.click(within(tea).getByRole('radio', { name: 'Write off (damaged)' }));
    await user.click(within(inspect).getByRole('button', { name: 'Inspect return r-1' }));
    await waitFor(() => expect(returns).toHaveTextContent('refund €29.00'));
    const inspected = shop.requests.find((r) => r.path === '/api/orders/o-1/returns/r-1/inspect')!;
    expect(inspected.body).toEqual({
      lines: [
        { productId: 'mug', quantity: 2, outcome: 'restocked' },
        { productId: 'tea', quantity: 1, outcome: 'written-off' },
      ],
    });
    expect(returns).toHaveTextContent('Green Tea × 1 (written off)');
    expect(returns).toHaveTextContent('Blue Mug × 2 (restocked)');
  });

  it('lets a viewer see returns but not act on them', async () => {
    const { shop } = renderApp('/admin/orders/o-1', { staff: 'viewer', inventory });
    shop.seedOrder(
      order({
        status: 'delivered',
        returns: [
          {
            id: 'r-1',
            status: 'requested',
            items: [{ productId: 'mug', quantity: 1 }],
            requestedAt: AT,
            updatedAt: AT,
          },
        ],
      }),
    );
    const returns = await screen.findByRole('region', { name: 'Returns' });
    expect(returns).toHaveTextContent('Requested: send the items back');
    expect(within(returns).queryByRole('button')).not.toBeInTheDocument();
  });

  it('shows a refund email', async () => {
    const refunded: OrderMessage = {
      id: 'o-1~refunded~re_1',
      orderId: 'o-1',
      kind: 'refunded',
      status: 'waiting',
      to: null,
      subject: null,
      text: null,
      attempts: 0,
      lastError: null,
      createdAt: AT,
      sentAt: null,
    };
    const { shop } = renderApp('/admin/orders/o-1', { staff: 'viewer', inventory, messages: [refunded] });
    shop.seedOrder(order());
    const emails = await screen.findByRole('table', { name: 'Emails of this order' });
    expect(within(emails).getByText('Refund')).toBeInTheDocument();
  });
});

describe('returns screen', () => {
  it('lists returns awaiting receipt by default, linked from the navigation', async () => {
    const { user, shop, path } = renderApp('/admin/orders', { staff: 'clerk' });
    const ret = (id: string, status: 'requested' | 'received') => ({
      id,
      status,
      items: [{ productId: 'mug', quantity: 2 }],
      requestedAt: AT,
      updatedAt: AT,
    });
    shop.seedOrder(order({ id: 'o-1', status: 'delivered', returns: [ret('r-1', 'requested')] }));
    shop.seedOrder(order({ id: 'o-2', status: 'delivered', returns: [ret('r-1', 'received')] }));
    await user.click(await screen.findByRole('link', { name: 'Returns' }));
    await waitFor(() => expect(path()).toBe('/admin/returns'));
    const table = await screen.findByRole('table');
    expect(within(table).getAllByRole('row')).toHaveLength(2);
    expect(within(table).getByRole('link', { name: 'o-1' })).toHaveAttribute('href', '/admin/orders/o-1');
    expect(shop.requests.some((r) => r.url.endsWith('/api/orders/returns?status=requested&limit=50'))).toBe(
      true,
    );

    await user.selectOptions(screen.getByRole('combobox', { name: 'Show' }), 'received');
    await waitFor(() => expect(screen.getByRole('link', { name: 'o-2' })).toBeInTheDocument());
    expect(screen.queryByRole('link', { name: 'o-1' })).not.toBeInTheDocument();
  });
});
