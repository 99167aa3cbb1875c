import { screen, waitFor, within } from '@solidjs/testing-library';
import { describe, expect, it } from 'vitest';
import { product } from '../test/fake-shop.ts';
import { renderApp } from '../test/render.tsx';

const products = [product({ id: 'mug', name: 'Blue Mug' })];
const inventory = {
  locations: [
    { id: 'north', name: 'North warehouse', priority: 1 },
    { id: 'shop', name: 'City shop', priority: 2 },
  ],
  stock: { mug: { north: 0, shop: 0 } },
};

describe('admin product movements', () => {
  it('opens a product whose id needs encoding from its link, asking the API with it encoded once', async () => {
    const { shop } = renderApp(`/admin/movements/${encodeURIComponent('mug:1')}`, {
      admin: true,
      products: [product({ id: 'mug:1', name: 'Odd Mug' })],
      inventory: { ...inventory, stock: { 'mug:1': { north: 0, shop: 0 } } },
    });
    expect(await screen.findByRole('heading', { level: 1 })).toHaveTextContent('Movements of Odd Mug');
    const paths = shop.requests.map((request) => request.url.slice(new URL(request.url).origin.length));
    expect(paths.some((path) => path.includes('mug%3A1'))).toBe(true);
    expect(paths.filter((path) => path.includes('%25'))).toEqual([]);
  });

  it('lists every movement newest first, with who, why and what caused it', async () => {
    const { inventory: fake } = renderApp('/admin/movements/mug', {
      admin: true,
      products,
      inventory,
    });
    fake.move('mug', 'north', 20, 'received', 'goods:g-1');
    fake.move('mug', 'shop', 5, 'adjusted', undefined, 'Opening count');
    fake.move('mug', 'north', -2, 'sold', 'order:o-7');
    const table = await screen.findByRole('table', { name: 'Movements of Blue Mug, newest first' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(
      rows.map((row) =>
        within(row)
          .getAllByRole('cell')
          .slice(1)
          .map((cell) => cell.textContent),
      ),
    ).toEqual([
      ['North warehouse', 'Sold', '-2', '20', '18', 'inventory', 'order:o-7'],
      ['City shop', 'Adjusted · Opening count', '+5', '0', '5', 'Maya Manager', '—'],
      ['North warehouse', 'Received', '+20', '0', '20', 'inventory', 'goods:g-1'],
    ]);
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Movements of Blue Mug');
  });

  it('charts on hand over time per location, with the figures as a table', async () => {
    const { inventory: fake, user } = renderApp('/admin/movements/mug', {
      admin: true,
      products,
      inventory,
    });
    fake.move('mug', 'north', 20, 'received');
    fake.move('mug', 'shop', 5, 'adjusted');
    fake.move('mug', 'north', -2, 'sold');
    const chart = await screen.findByRole('img', { name: /On hand of Blue Mug per location/ });
    expect(chart.querySelectorAll('path')).toHaveLength(2);
    const legend = screen.getByRole('list', { name: 'Locations in the chart' });
    expect(
      within(legend)
        .getAllByRole('listitem')
        .map((item) => item.textContent),
    ).toEqual(['City shop: 5 on hand now', 'North warehouse: 18 on hand now']);
    await user.click(screen.getByText('On hand over time as a table'));
    const figures = screen.getByRole('table', { name: 'On hand of Blue Mug per location' });
    expect(
      within(figures)
        .getAllByRole('row')
        .slice(1)
        .map((row) => [...row.querySelectorAll('td')].slice(1).map((cell) => cell.textContent)),
    ).toEqual([
      ['City shop', '0'],
      ['City shop', '5'],
      ['North warehouse', '0'],
      ['North warehouse', '20'],
      ['North warehouse', '18'],
    ]);
  });

  it('filters by location, kept in the URL', async () => {
    const {
      inventory: fake,
      user,
      path,
    } = renderApp('/admin/movements/mug', {
      admin: true,
      products,
      inventory,
    });
    fake.move('mug', 'north', 20, 'received');
    fake.move('mug', 'shop', 5, 'adjusted');
    await screen.findByRole('table', { name: /^Movements of/ });
    await user.selectOptions(screen.getByRole('combobox', { name: 'Location' }), 'City shop');
    expect(path()).toBe('/admin/movements/mug?location=shop');
    await waitFor(() =>
      expect(within(screen.getByRole('table', { name: /^Movements of/ })).getAllByRole('row')).toHaveLength(
        2,
      ),
    );
    expect(fake.requests.at(-1)?.search).toContain('locationId=shop');
  });

  it('says when nothing moved yet', async () => {
    renderApp('/admin/movements/mug', { admin: true, products, inventory });
    expect(await screen.findByText('No movements recorded for this product')).toBeInTheDocument();
  });

  it('shows a viewer the whole history, with nothing to change', async () => {
    const { inventory: fake } = renderApp('/admin/movements/mug', { staff: 'viewer', products, inventory });
    fake.move('mug', 'north', 20, 'received', 'goods:g-1');
    const table = await screen.findByRole('table', { name: 'Movements of Blue Mug, newest first' });
    expect(within(table).getAllByRole('row')).toHaveLength(2);
    const page = screen.getByRole('region', { name: 'Movements of Blue Mug' });
    expect(
      within(page)
        .getAllByRole('button')
        .map((button) => button.textContent),
    ).toEqual(['Export movements.csv']);
  });
});
