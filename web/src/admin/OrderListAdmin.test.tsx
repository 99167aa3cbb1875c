import { screen, waitFor, within } from '@solidjs/testing-library';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import type { Order } from '../lib/api.ts';
import { ADDRESS } from '../test/fake-shop.ts';
import { renderApp } from '../test/render.tsx';

const AT = '2026-11-27T10:00:00.000Z';

function order(id: string, status: Order['status'], name = 'Ada Lovelace'): Order {
  return {
    id,
    status,
    items: [{ productId: 'mug', name: 'Blue Mug', quantity: 2, unitPriceCents: 1250 }],
    totalCents: 2500,
    currency: 'EUR',
    customer: { name, email: `${name.split(' ')[0]!.toLowerCase()}@example.com`, address: ADDRESS },
    timeline: [{ status: 'pending', at: AT }, ...(status === 'pending' ? [] : [{ status, at: AT }])],
    createdAt: AT,
    updatedAt: AT,
  };
}

describe('admin orders', () => {
  it('lists orders newest first and filters by status', async () => {
    const { user, shop, path } = renderApp('/', { admin: true });
    shop.seedOrder(order('o-1', 'confirmed', 'Ada Lovelace'));
    shop.seedOrder(order('o-2', 'pending', 'Grace Hopper'));
    shop.seedOrder(order('o-3', 'rejected', 'Alan Turing'));
    await user.click(screen.getByRole('link', { name: 'Manage' }));
    await user.click(await screen.findByRole('link', { name: 'Orders' }));
    const table = await screen.findByRole('table');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((row) => within(row).getAllByRole('cell')[0]!.textContent)).toEqual([
      'o-3',
      'o-2',
      'o-1',
    ]);
    expect(within(rows[1]!).getByText('Grace Hopper')).toBeInTheDocument();
    expect(within(rows[1]!).getByText('€25.00')).toBeInTheDocument();
    await user.selectOptions(screen.getByRole('combobox', { name: 'Status' }), 'Confirmed');
    await waitFor(() => expect(screen.queryByText('Grace Hopper')).not.toBeInTheDocument());
    expect(screen.getByText('Ada Lovelace')).toBeInTheDocument();
    expect(path()).toBe('/admin/orders?status=confirmed');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Status' }), 'Shipped');
    expect(await screen.findByText('No shipped orders')).toBeInTheDocument();
  });

  it('ships a confirmed order, announcing and focusing its new status', async () => {
    const { user, shop } = renderApp('/admin/orders/o-1', { admin: true });
    shop.seedOrder(order('o-1', 'confirmed'));
    await user.click(await screen.findByRole('button', { name: 'Mark as shipped' }, { timeout: 5_000 }));
    await waitFor(() => expect(shop.orders.get('o-1')!.order.status).toBe('shipped'));
    expect(await screen.findByText('Shipped', { selector: '.badge' })).toBeInTheDocument();
    const status = screen.getAllByRole('status').find((region) => region.textContent === 'Shipped')!;
    expect(status).toHaveFocus();
    expect(screen.queryByRole('button', { name: 'Mark as shipped' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Cancel order' })).not.toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'ada@example.com' })).toHaveAttribute(
      'href',
      'mailto:ada@example.com',
    );
  });

  it('cancels a pending order (it cannot ship yet)', async () => {
    const { user, shop } = renderApp('/admin/orders/o-2', { admin: true });
    shop.seedOrder(order('o-2', 'pending'));
    await screen.findByRole('button', { name: 'Cancel order' });
    expect(screen.queryByRole('button', { name: 'Mark as shipped' })).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Cancel order' }));
    await waitFor(() => expect(shop.orders.get('o-2')!.order.status).toBe('cancelled'));
  });

  it('shows a refused action', async () => {
    const conflict = http.post('*/api/orders/:id/ship', () =>
      HttpResponse.json(
        { title: 'Conflict', status: 409, detail: 'The order was cancelled meanwhile.' },
        { status: 409 },
      ),
    );
    const { user, shop } = renderApp('/admin/orders/o-1', { admin: true, overrides: [conflict] });
    shop.seedOrder(order('o-1', 'confirmed'));
    await user.click(await screen.findByRole('button', { name: 'Mark as shipped' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The order was cancelled meanwhile.');
  });

  it('shows empty and failed states', async () => {
    const down = http.get('*/api/orders', () => HttpResponse.error());
    renderApp('/admin/orders', { admin: true, overrides: [down] });
    expect(await screen.findByRole('alert')).toHaveTextContent('You seem to be offline');
  });

  it('says when there are no orders yet', async () => {
    renderApp('/admin/orders', { admin: true });
    expect(await screen.findByText('No orders yet')).toBeInTheDocument();
  });
});
