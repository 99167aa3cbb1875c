import { screen, waitFor, within } from '@solidjs/testing-library';
import { describe, expect, it } from 'vitest';
import type { Transfer } from '../lib/api.ts';
import { product } from '../test/fake-shop.ts';
import { renderApp } from '../test/render.tsx';

const products = [product({ id: 'mug', name: 'Blue Mug' }), product({ id: 'tea', name: 'Green Tea' })];
const inventory = {
  locations: [
    { id: 'north', name: 'North warehouse', priority: 1 },
    { id: 'shop', name: 'City shop', priority: 2 },
  ],
  stock: { mug: { north: 20, shop: 0 } },
};

const transfer = (id: string, state: Transfer['state'], productId: string): Transfer => ({
  id,
  from: 'north',
  to: 'shop',
  lines: [{ productId, quantity: 2 }],
  state,
  discrepancies: [],
  history: [],
  createdAt: '2026-11-27T10:00:00.000Z',
  updatedAt: '2026-11-27T10:00:00.000Z',
});
/** One transfer waiting to leave, one on its way. */
const seeded = {
  ...inventory,
  transfers: [transfer('t-a', 'requested', 'mug'), transfer('t-b', 'dispatched', 'tea')],
};

describe('admin transfers', () => {
  it('requests, dispatches and receives a transfer, in transit meanwhile', async () => {
    const { user, inventory: fake } = renderApp('/admin/transfers', { admin: true, products, inventory });
    expect(await screen.findByText('Nothing in transit')).toBeInTheDocument();
    const form = screen.getByRole('form', { name: 'Request a transfer' });
    await within(form).findByRole('option', { name: 'Blue Mug' });
    await user.click(within(form).getByRole('button', { name: 'Request transfer' }));
    expect(within(form).getByRole('combobox', { name: 'Product' })).toHaveAccessibleDescription(
      'Choose a product.',
    );
    expect(within(form).getByRole('textbox', { name: 'Quantity' })).toHaveAccessibleDescription(
      'Enter a whole number, 1 or more.',
    );
    await user.selectOptions(within(form).getByRole('combobox', { name: 'Product' }), 'Blue Mug');
    await user.selectOptions(within(form).getByRole('combobox', { name: 'From' }), 'North warehouse');
    await user.selectOptions(within(form).getByRole('combobox', { name: 'To' }), 'North warehouse');
    await user.type(within(form).getByRole('textbox', { name: 'Quantity' }), '5');
    await user.click(within(form).getByRole('button', { name: 'Request transfer' }));
    expect(within(form).getByRole('combobox', { name: 'To' })).toHaveAccessibleDescription(
      'Choose another location than the source.',
    );
    await user.selectOptions(within(form).getByRole('combobox', { name: 'To' }), 'City shop');
    await user.click(within(form).getByRole('button', { name: 'Request transfer' }));
    expect(await screen.findByText('Requested 5 units. Dispatch it when it leaves.')).toBeInTheDocument();
    expect(fake.requests.find((r) => r.method === 'POST')?.body).toEqual({
      from: 'north',
      to: 'shop',
      lines: [{ productId: 'mug', quantity: 5 }],
    });

    const table = await screen.findByRole('table', { name: 'Transfers, newest first' });
    const row = within(table).getByRole('row', { name: /Blue Mug × 5/ });
    expect(within(row).getByText('Requested')).toBeInTheDocument();
    await user.click(
      within(row).getByRole('button', { name: 'Dispatch Blue Mug from North warehouse to City shop' }),
    );
    expect(await within(row).findByText('In transit')).toBeInTheDocument();
    expect(await screen.findByText('In transit: 5 units in 1 transfer')).toBeInTheDocument();
    // Dispatched goods are received, never cancelled.
    expect(within(row).queryByRole('button', { name: /^Cancel/ })).not.toBeInTheDocument();
    expect(fake.cellOf('mug', 'north').onHand).toBe(15);
    expect(fake.cellOf('mug', 'shop').inTransit).toBe(5);

    // Four arrive: the difference needs a reason, which is recorded.
    await user.click(
      within(row).getByRole('button', { name: 'Receive Blue Mug from North warehouse to City shop' }),
    );
    const receive = within(row).getByRole('form', {
      name: 'Receive Blue Mug from North warehouse to City shop',
    });
    const received = within(receive).getByRole('textbox', { name: 'Received of Blue Mug' });
    expect(received).toHaveValue('5');
    await user.clear(received);
    await user.type(received, '4');
    await user.click(within(receive).getByRole('button', { name: 'Confirm receipt' }));
    expect(
      within(receive).getByRole('textbox', { name: 'Reason for the difference' }),
    ).toHaveAccessibleDescription('Say why what arrived differs from what was sent.');
    await user.type(
      within(receive).getByRole('textbox', { name: 'Reason for the difference' }),
      'One broken',
    );
    await user.click(within(receive).getByRole('button', { name: 'Confirm receipt' }));
    expect(await within(row).findByText('Received')).toBeInTheDocument();
    expect(within(row).getByText('Received 4 of 5 Blue Mug: One broken')).toBeInTheDocument();
    expect(await screen.findByText('Nothing in transit')).toBeInTheDocument();
    expect(fake.cellOf('mug', 'shop')).toEqual({ onHand: 4, reserved: 0, inTransit: 0 });
    expect(fake.requests.find((r) => r.path.endsWith('/receive'))?.body).toEqual({
      lines: [{ productId: 'mug', quantity: 4 }],
      reason: 'One broken',
    });
  });

  it('cancels a requested transfer, and shows a refused action in place', async () => {
    const { user, inventory: fake } = renderApp('/admin/transfers', {
      admin: true,
      products,
      inventory: {
        ...inventory,
        transfers: [
          {
            id: 't-a',
            from: 'north',
            to: 'shop',
            lines: [{ productId: 'mug', quantity: 50 }],
            state: 'requested',
            discrepancies: [],
            history: [],
            createdAt: '2026-11-27T10:00:00.000Z',
            updatedAt: '2026-11-27T10:00:00.000Z',
          },
          {
            id: 't-b',
            from: 'north',
            to: 'shop',
            lines: [{ productId: 'tea', quantity: 1 }],
            state: 'requested',
            discrepancies: [],
            history: [],
            createdAt: '2026-11-27T10:00:00.000Z',
            updatedAt: '2026-11-27T10:00:00.000Z',
          },
        ],
      },
    });
    const table = await screen.findByRole('table', { name: 'Transfers, newest first' });
    const big = await within(table).findByRole('row', { name: /Blue Mug × 50/ });
    await user.click(within(big).getByRole('button', { name: /^Dispatch/ }));
    expect(await within(big).findByRole('alert')).toHaveTextContent('Only 20 available at north.');
    expect(within(big).getByText('Requested')).toBeInTheDocument();
    await user.click(
      within(big).getByRole('button', { name: 'Cancel Blue Mug from North warehouse to City shop' }),
    );
    expect(await within(big).findByText('Cancelled')).toBeInTheDocument();
    expect(within(big).queryByRole('button')).not.toBeInTheDocument();
    expect(fake.transfers.get('t-a')?.state).toBe('cancelled');
    await user.selectOptions(screen.getByRole('combobox', { name: 'State' }), 'Cancelled');
    await waitFor(() =>
      expect(within(table).queryByRole('row', { name: /Green Tea/ })).not.toBeInTheDocument(),
    );
  });

  it('shows a viewer every transfer without a way to act', async () => {
    renderApp('/admin/transfers', { staff: 'viewer', products, inventory: seeded });
    const table = await screen.findByRole('table', { name: 'Transfers, newest first' });
    expect(await within(table).findByRole('row', { name: /Blue Mug × 2/ })).toHaveTextContent('Requested');
    expect(within(table).getByRole('row', { name: /Green Tea × 2/ })).toHaveTextContent('In transit');
    expect(await screen.findByText('In transit: 2 units in 1 transfer')).toBeInTheDocument();
    expect(screen.queryByRole('form', { name: 'Request a transfer' })).not.toBeInTheDocument();
    const page = screen.getByRole('region', { name: 'Transfers' });
    expect(within(page).queryByRole('button')).not.toBeInTheDocument();
    expect(within(table).getAllByRole('columnheader')).toHaveLength(5);
  });

  it('gives a clerk the request form and each row’s actions', async () => {
    renderApp('/admin/transfers', { staff: 'clerk', products, inventory: seeded });
    const table = await screen.findByRole('table', { name: 'Transfers, newest first' });
    const requested = await within(table).findByRole('row', { name: /Blue Mug × 2/ });
    const dispatched = within(table).getByRole('row', { name: /Green Tea × 2/ });
    expect(screen.getByRole('form', { name: 'Request a transfer' })).toBeInTheDocument();
    expect(
      within(requested)
        .getAllByRole('button')
        .map((b) => b.textContent),
    ).toEqual(['Dispatch', 'Cancel']);
    expect(
      within(dispatched)
        .getAllByRole('button')
        .map((b) => b.textContent),
    ).toEqual(['Receive']);
  });
});
