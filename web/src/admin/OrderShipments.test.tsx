import { screen, waitFor, within } from '@solidjs/testing-library';
import { describe, expect, it } from 'vitest';
import type { Order } from '../lib/api.ts';
import { ADDRESS } from '../test/fake-shop.ts';
import { renderApp } from '../test/render.tsx';

const AT = '2026-11-27T10:00:00.000Z';

const order: Order = {
  id: 'o-1',
  status: 'confirmed',
  items: [
    { productId: 'mug', name: 'Blue Mug', quantity: 5, unitPriceCents: 1250 },
    { productId: 'tea', name: 'Green Tea', quantity: 1, unitPriceCents: 400 },
  ],
  totalCents: 6650,
  currency: 'EUR',
  customer: { name: 'Ada Lovelace', email: 'ada@example.com', address: ADDRESS },
  timeline: [
    { status: 'pending', at: AT },
    { status: 'confirmed', at: AT },
  ],
  shipments: [
    { id: 'north', locationId: 'north', lines: [{ productId: 'mug', quantity: 3 }], status: 'pending' },
    {
      id: 'shop',
      locationId: 'shop',
      lines: [
        { productId: 'mug', quantity: 2 },
        { productId: 'tea', quantity: 1 },
      ],
      status: 'pending',
    },
  ],
  createdAt: AT,
  updatedAt: AT,
};

const inventory = {
  locations: [
    { id: 'north', name: 'North warehouse', priority: 1 },
    { id: 'shop', name: 'City shop', priority: 2 },
  ],
};

describe('admin order shipments', () => {
  it('shows each location’s shipment and ships them one by one', async () => {
    const { user, shop } = renderApp('/admin/orders/o-1', { admin: true, inventory });
    shop.seedOrder(order);
    const section = await screen.findByRole('region', { name: 'Shipments' });
    expect(await within(section).findByRole('heading', { name: 'From North warehouse' })).toBeInTheDocument();
    expect(
      within(within(section).getByRole('list', { name: 'Lines shipped from City shop' }))
        .getAllByRole('listitem')
        .map((item) => item.textContent),
    ).toEqual(['Blue Mug × 2', 'Green Tea × 1']);
    expect(within(section).getAllByText('Not shipped yet')).toHaveLength(2);
    // A confirmed order may still ship whole; once one shipment left, the rest ship one by one.
    expect(screen.getByRole('button', { name: 'Mark as shipped' })).toBeInTheDocument();

    await user.click(within(section).getByRole('button', { name: 'Ship from North warehouse' }));
    await waitFor(() =>
      expect(document.querySelector('.page-head .badge')).toHaveTextContent('Partially shipped'),
    );
    expect(within(section).getAllByText('Not shipped yet')).toHaveLength(1);
    expect(
      within(section).queryByRole('button', { name: 'Ship from North warehouse' }),
    ).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Mark as shipped' })).not.toBeInTheDocument();

    await user.click(within(section).getByRole('button', { name: 'Ship from City shop' }));
    await waitFor(() => expect(document.querySelector('.page-head .badge')).toHaveTextContent('Shipped'));
    await waitFor(() => expect(shop.orders.get('o-1')!.order.status).toBe('shipped'));
    expect(within(section).queryAllByText('Not shipped yet')).toHaveLength(0);
    expect(within(section).queryByRole('button')).not.toBeInTheDocument();
  });

  it('shows a viewer the shipments but no way to ship or cancel', async () => {
    const { shop } = renderApp('/admin/orders/o-1', { staff: 'viewer', inventory });
    shop.seedOrder(order);
    const section = await screen.findByRole('region', { name: 'Shipments' });
    expect(await within(section).findByRole('heading', { name: 'From City shop' })).toBeInTheDocument();
    expect(within(section).getAllByText('Not shipped yet')).toHaveLength(2);
    expect(within(section).queryByRole('button')).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Mark as shipped' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Cancel order' })).not.toBeInTheDocument();
  });

  it('lets a clerk ship each shipment, the whole order, or cancel it', async () => {
    const { shop } = renderApp('/admin/orders/o-1', { staff: 'clerk', inventory });
    shop.seedOrder(order);
    const section = await screen.findByRole('region', { name: 'Shipments' });
    expect(await within(section).findByRole('button', { name: 'Ship from City shop' })).toBeInTheDocument();
    expect(within(section).getByRole('button', { name: 'Ship from North warehouse' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Mark as shipped' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Cancel order' })).toBeInTheDocument();
  });
});
