import { screen, waitFor, within } from '@solidjs/testing-library';
import { HttpResponse, http } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { product } from '../test/fake-shop.ts';
import { renderApp } from '../test/render.tsx';
import { BOARD_REFRESH_MS } from './StockBoard.tsx';

const products = [product({ id: 'mug', name: 'Blue Mug' }), product({ id: 'tea', name: 'Green Tea' })];
const inventory = {
  locations: [
    { id: 'north', name: 'North warehouse', priority: 1 },
    { id: 'shop', name: 'City shop', priority: 2 },
  ],
  stock: { mug: { north: 20, shop: 2 }, tea: { north: 9 } },
  reserved: { mug: { north: 4 } },
};

const cells = (row: HTMLElement) =>
  [...row.querySelectorAll('th, td')].map((cell) => cell.textContent?.replace(/\s+/g, ' ').trim());

describe('admin stock board', () => {
  afterEach(() => vi.useRealTimers());

  it('shows stock per product and location, low rows marked in words', async () => {
    renderApp('/admin/board', { admin: true, products, inventory });
    const table = await screen.findByRole('table', { name: 'Stock per location' });
    await within(table).findByRole('link', { name: 'Green Tea' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map(cells)).toEqual([
      ['Blue Mug', 'North warehouse', '20', '4', '16', '0', 'AdjustCount'],
      ['Blue Mug Low', 'City shop', '2', '0', '2', '0', 'AdjustCount'],
      ['Green Tea', 'North warehouse', '9', '0', '9', '0', 'AdjustCount'],
    ]);
    expect(rows[1]).toHaveClass('row-low');
    expect(rows[0]).not.toHaveClass('row-low');
    expect(within(rows[0]!).getByRole('link', { name: 'Blue Mug' })).toHaveAttribute(
      'href',
      '/admin/movements/mug',
    );
  });

  it('filters by location, product, low stock and in transit, kept in the URL', async () => {
    const { user, path } = renderApp('/admin/board', { admin: true, products, inventory });
    const table = await screen.findByRole('table', { name: 'Stock per location' });
    await within(table).findByRole('link', { name: 'Green Tea' });
    await user.selectOptions(screen.getByRole('combobox', { name: 'Location' }), 'City shop');
    expect(path()).toBe('/admin/board?location=shop');
    await waitFor(() => expect(screen.queryByRole('link', { name: 'Green Tea' })).not.toBeInTheDocument());
    expect(screen.getByRole('status')).toHaveTextContent('1 of 3 rows shown');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Location' }), 'All locations');
    await user.type(screen.getByRole('searchbox', { name: 'Product' }), 'tea');
    await waitFor(() => expect(screen.queryByRole('link', { name: 'Blue Mug' })).not.toBeInTheDocument());
    await user.clear(screen.getByRole('searchbox', { name: 'Product' }));
    await user.click(screen.getByRole('checkbox', { name: 'Low stock only' }));
    await waitFor(() => expect(screen.queryByRole('link', { name: 'Green Tea' })).not.toBeInTheDocument());
    expect(screen.getAllByRole('link', { name: 'Blue Mug' })).toHaveLength(1);
    await user.click(screen.getByRole('checkbox', { name: 'Low stock only' }));
    await user.click(screen.getByRole('checkbox', { name: 'In transit only' }));
    expect(await screen.findByText('Nothing matches these filters')).toBeInTheDocument();
    expect(path()).toBe('/admin/board?transit=true');
  });

  it('shows what is in transit to a location, in words', async () => {
    const { user } = renderApp('/admin/board?transit=true', {
      admin: true,
      products,
      inventory: {
        ...inventory,
        inTransit: { tea: { shop: 3 } },
        stock: { ...inventory.stock, tea: { north: 6, shop: 0 } },
      },
    });
    const table = await screen.findByRole('table', { name: 'Stock per location' });
    await within(table).findByRole('link', { name: 'Green Tea' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map(cells)).toEqual([
      ['Green Tea Low', 'City shop', '0', '0', '0', '3 in transit', 'AdjustCount'],
    ]);
    await user.click(screen.getByRole('checkbox', { name: 'In transit only' }));
    expect(await screen.findAllByRole('link', { name: 'Blue Mug' })).toHaveLength(2);
  });

  it('updates by itself while on screen', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { inventory: fake } = renderApp('/admin/board', { admin: true, products, inventory });
    const table = await screen.findByRole('table', { name: 'Stock per location' });
    const row = (await within(table).findByRole('link', { name: 'Green Tea' })).closest('tr')!;
    expect(cells(row)[2]).toBe('9');
    fake.move('tea', 'north', -7, 'sold', 'order:o-1');
    await vi.advanceTimersByTimeAsync(BOARD_REFRESH_MS);
    await waitFor(() => expect(cells(row)[2]).toBe('2'));
    expect(row).toHaveClass('row-low');
  });

  it('adjusts stock at one location', async () => {
    const { user, inventory: fake } = renderApp('/admin/board', { admin: true, products, inventory });
    await user.click(await screen.findByRole('button', { name: 'Adjust Blue Mug at City shop' }));
    const form = screen.getByRole('form', { name: 'Adjust Blue Mug at City shop' });
    await user.type(within(form).getByRole('textbox', { name: 'Change' }), '5');
    await user.type(within(form).getByRole('textbox', { name: 'Reason' }), 'Delivery');
    await user.click(within(form).getByRole('button', { name: 'Adjust' }));
    expect(await within(form).findByText('Added 5. On hand now 7.')).toBeInTheDocument();
    expect(fake.cellOf('mug', 'shop').onHand).toBe(7);
    expect(fake.cellOf('mug', 'north').onHand).toBe(20);
    expect(fake.requests.find((r) => r.method === 'POST')?.body).toEqual({
      delta: 5,
      reason: 'Delivery',
      locationId: 'shop',
    });
    // Breakage is recorded as such in the movements.
    await user.selectOptions(within(form).getByRole('combobox', { name: 'Kind' }), 'Damaged');
    await user.type(within(form).getByRole('textbox', { name: 'Change' }), '-1');
    await user.type(within(form).getByRole('textbox', { name: 'Reason' }), 'Dropped');
    await user.click(within(form).getByRole('button', { name: 'Adjust' }));
    expect(await within(form).findByText('Removed 1. On hand now 6.')).toBeInTheDocument();
    expect(fake.movements.at(-1)).toMatchObject({
      locationId: 'shop',
      delta: -1,
      reason: 'damaged',
      note: 'Dropped',
    });
  });

  it('records a cycle count at one location; a count below what is reserved is refused', async () => {
    const { user, inventory: fake } = renderApp('/admin/board', { admin: true, products, inventory });
    await user.click(await screen.findByRole('button', { name: 'Count Blue Mug at North warehouse' }));
    const form = screen.getByRole('form', { name: 'Count Blue Mug at North warehouse' });
    await user.click(within(form).getByRole('button', { name: 'Record count' }));
    expect(within(form).getByRole('textbox', { name: 'Counted' })).toHaveAccessibleDescription(
      'Enter the whole number counted, 0 or more.',
    );
    await user.type(within(form).getByRole('textbox', { name: 'Counted' }), '3');
    await user.click(within(form).getByRole('button', { name: 'Record count' }));
    expect(await within(form).findByRole('alert')).toHaveTextContent(
      '4 are reserved at north: the count cannot be lower.',
    );
    await user.clear(within(form).getByRole('textbox', { name: 'Counted' }));
    await user.type(within(form).getByRole('textbox', { name: 'Counted' }), '18');
    await user.type(within(form).getByRole('textbox', { name: 'Note' }), 'Monthly count');
    await user.click(within(form).getByRole('button', { name: 'Record count' }));
    expect(await within(form).findByText('Count of 18 recorded.')).toBeInTheDocument();
    expect(fake.cellOf('mug', 'north').onHand).toBe(18);
    expect(fake.movements.at(-1)).toMatchObject({ delta: -2, reason: 'counted', note: 'Monthly count' });
    const row = within(screen.getByRole('table', { name: 'Stock per location' }))
      .getAllByRole('row')
      .find((r) => r.textContent?.includes('North warehouse') && r.textContent.includes('Blue Mug'))!;
    await waitFor(() => expect(cells(row)[2]).toBe('18'));
  });

  it('says when there are more products than it shows', async () => {
    let pages = 0;
    const endless = http.get('*/api/inventory/stock', () => {
      pages++;
      return HttpResponse.json({ items: [], nextCursor: `c${pages}` });
    });
    renderApp('/admin/board', { admin: true, products, inventory, overrides: [endless] });
    expect(await screen.findByText(/^The board shows the first 1,000 products/)).toBeInTheDocument();
    expect(pages).toBe(10);
  });

  it('shows a failure to load with a retry', async () => {
    const down = http.get('*/api/inventory/stock', () => new HttpResponse(null, { status: 503 }));
    renderApp('/admin/board', { admin: true, products, inventory, overrides: [down] });
    expect(await screen.findByRole('alert')).toHaveTextContent('The shop is having trouble');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });

  it('shows a viewer the board without a way to change it', async () => {
    renderApp('/admin/board', { staff: 'viewer', products, inventory });
    const table = await screen.findByRole('table', { name: 'Stock per location' });
    await within(table).findByRole('link', { name: 'Green Tea' });
    expect(within(table).getAllByRole('row').map(cells)).toEqual([
      ['Product', 'Location', 'On hand', 'Reserved', 'Available', 'In transit'],
      ['Blue Mug', 'North warehouse', '20', '4', '16', '0'],
      ['Blue Mug Low', 'City shop', '2', '0', '2', '0'],
      ['Green Tea', 'North warehouse', '9', '0', '9', '0'],
    ]);
    expect(screen.getByRole('button', { name: 'Export stock.csv' })).toBeInTheDocument();
    expect(within(table).queryByRole('button')).not.toBeInTheDocument();
  });

  it('gives a clerk Adjust and Count on every row', async () => {
    renderApp('/admin/board', { staff: 'clerk', products, inventory });
    const table = await screen.findByRole('table', { name: 'Stock per location' });
    await within(table).findByRole('link', { name: 'Green Tea' });
    expect(within(table).getByRole('columnheader', { name: 'Change' })).toBeInTheDocument();
    expect(within(table).getByRole('button', { name: 'Adjust Blue Mug at City shop' })).toBeInTheDocument();
    expect(
      within(table).getByRole('button', { name: 'Count Green Tea at North warehouse' }),
    ).toBeInTheDocument();
  });
});
