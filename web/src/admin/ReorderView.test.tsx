import { screen, within } from '@solidjs/testing-library';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { product } from '../test/fake-shop.ts';
import { renderApp } from '../test/render.tsx';

const products = [
  product({ id: 'mug', name: 'Blue Mug' }),
  product({ id: 'tea', name: 'Green Tea' }),
  product({ id: 'pot', name: 'Tea Pot' }),
];
const inventory = {
  locations: [
    { id: 'north', name: 'North warehouse', priority: 1 },
    { id: 'shop', name: 'City shop', priority: 2 },
  ],
  lowStockThreshold: 5,
  // mug: low, nothing coming; tea: low but 4 in transit cover it; pot: plenty.
  stock: { mug: { north: 1, shop: 2 }, tea: { north: 3, shop: 0 }, pot: { north: 40 } },
  inTransit: { tea: { shop: 4 } },
};

describe('admin reorder view', () => {
  it('lists what to order, counting what is in transit, with the locations low on their own', async () => {
    renderApp('/admin/reorder', { admin: true, products, inventory });
    const table = await screen.findByRole('table', { name: 'Products to reorder' });
    await within(table).findByRole('link', { name: 'Blue Mug' });
    expect(
      within(table)
        .getAllByRole('row')
        .slice(1)
        .map((row) => [...row.querySelectorAll('th, td')].map((cell) => cell.textContent)),
    ).toEqual([['Blue Mug', '3', '0', '5', '3', 'North warehouse, City shop']]);
  });

  it('says when nothing needs ordering, and shows a failure with a retry', async () => {
    renderApp('/admin/reorder', {
      admin: true,
      products,
      inventory: { ...inventory, stock: { pot: { north: 40 } } },
    });
    expect(await screen.findByText('Nothing needs ordering')).toBeInTheDocument();
  });

  it('shows a failure to load with a retry', async () => {
    const down = http.get('*/api/inventory/reorder', () => new HttpResponse(null, { status: 503 }));
    renderApp('/admin/reorder', { admin: true, products, inventory, overrides: [down] });
    expect(await screen.findByRole('alert')).toHaveTextContent('The shop is having trouble');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });

  it('is the same for a viewer: a list to read, nothing to change', async () => {
    renderApp('/admin/reorder', { staff: 'viewer', products, inventory });
    const table = await screen.findByRole('table', { name: 'Products to reorder' });
    expect(await within(table).findByRole('link', { name: 'Blue Mug' })).toBeInTheDocument();
    const page = screen.getByRole('region', { name: 'Reorder' });
    expect(
      within(page)
        .getAllByRole('button')
        .map((button) => button.textContent),
    ).toEqual(['Refresh']);
  });
});
