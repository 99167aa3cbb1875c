import { screen, waitFor, within } from '@solidjs/testing-library';
import { describe, expect, it } from 'vitest';
import { product } from '../test/fake-shop.ts';
import { renderApp } from '../test/render.tsx';

const products = [product({ id: 'mug', name: 'Blue Mug' }), product({ id: 'tea', name: 'Green Tea' })];
const inventory = {
  locations: [
    { id: 'default', name: 'Main store', priority: 1 },
    { id: 'north', name: 'North warehouse', priority: 2 },
  ],
  stock: { mug: { default: 10, north: 4 } },
};
const summary = () => document.querySelector('.import-results .notice');
const csv = (text: string) => new File([text], 'counts.csv', { type: 'text/csv' });

describe('admin CSV import', () => {
  it('previews every row and every error by line, applies nothing until the file is clean', async () => {
    const { user, inventory: fake } = renderApp('/admin/import', { admin: true, products, inventory });
    await user.click(await screen.findByRole('button', { name: 'Preview changes' }));
    expect(screen.getByLabelText('CSV file')).toHaveAccessibleDescription(/Choose a CSV file\./);
    await user.upload(
      screen.getByLabelText('CSV file'),
      csv('productId,locationId,counted\nmug,north,7\nmug,,10\ntea,south,3\nmug,north,lots\n'),
    );
    await user.click(screen.getByRole('button', { name: 'Preview changes' }));
    const heading = await screen.findByRole('heading', { name: 'Preview of counts.csv' });
    await waitFor(() => expect(heading).toHaveFocus());
    await waitFor(() => expect(summary()).toHaveTextContent('4 rows: 1 change, 2 errors.'));
    const errors = screen.getByRole('table', { name: 'Rows with errors' });
    expect(
      within(errors)
        .getAllByRole('row')
        .slice(1)
        .map((row) => row.textContent),
    ).toEqual(['4Unknown location "south".', '5counted must be a whole number, 0 or more (got "lots").']);
    const rows = screen.getByRole('table', { name: 'Rows and what they change' });
    await waitFor(() => expect(within(rows).getAllByText('Blue Mug')).toHaveLength(2));
    expect(
      within(rows)
        .getAllByRole('row')
        .slice(1)
        .map((row) => [...row.querySelectorAll('th, td')].map((cell) => cell.textContent)),
    ).toEqual([
      ['2', 'Blue Mug', 'North warehouse', '4', '7', '+3'],
      ['3', 'Blue Mug', 'Main store', '10', '10', 'no change'],
    ]);
    expect(screen.getByRole('button', { name: 'Apply 2 rows' })).toBeDisabled();
    expect(fake.requests.filter((r) => r.path.endsWith('/imports')).map((r) => r.search)).toEqual([
      '?dryRun=true',
    ]);
    expect(fake.cellOf('mug', 'north').onHand).toBe(4);
  });

  it('applies a clean file once; the same file again changes nothing', async () => {
    const { user, inventory: fake } = renderApp('/admin/import', { admin: true, products, inventory });
    const file = csv('productId,locationId,counted\nmug,north,7\ntea,default,2\n');
    await user.upload(await screen.findByLabelText('CSV file'), file);
    await user.click(screen.getByRole('button', { name: 'Preview changes' }));
    await waitFor(() => expect(summary()).toHaveTextContent('2 rows: 2 changes, 0 errors.'));
    await user.click(screen.getByRole('button', { name: 'Apply 2 rows' }));
    const heading = await screen.findByRole('heading', { name: 'Applied counts.csv' });
    await waitFor(() => expect(heading).toHaveFocus());
    await waitFor(() => expect(summary()).toHaveTextContent('2 rows: 2 changes, 0 errors. Applied.'));
    expect(fake.cellOf('mug', 'north').onHand).toBe(7);
    expect(fake.cellOf('tea', 'default').onHand).toBe(2);
    expect(fake.movements.filter((m) => m.reason === 'counted')).toHaveLength(2);

    await user.click(screen.getByRole('button', { name: 'Preview changes' }));
    await user.click(await screen.findByRole('button', { name: 'Apply 2 rows' }));
    await waitFor(() =>
      expect(summary()).toHaveTextContent(
        '2 rows: 0 changes, 0 errors. This file was applied before: nothing changed now.',
      ),
    );
    expect(fake.movements.filter((m) => m.reason === 'counted')).toHaveLength(2);
    expect(fake.requests.filter((r) => r.path.endsWith('/imports')).map((r) => r.body)).toEqual(
      Array(4).fill('productId,locationId,counted\nmug,north,7\ntea,default,2\n'),
    );
    // Then products: the choice moves on from an applied file.
    await user.click(screen.getByRole('radio', { name: 'Products' }));
    expect(screen.getByRole('radio', { name: 'Products' })).toBeChecked();
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Import products');
    expect(summary()).toBeNull();
  });
});

describe('admin CSV import of products', () => {
  const shop = [
    product({ id: 'mug', name: 'Blue Mug', sku: 'MUG-1', priceCents: 900 }),
    product({ id: 'tea', name: 'Green Tea', sku: 'TEA-1', priceCents: 500 }),
  ];
  const file = (text: string) => new File([text], 'products.csv', { type: 'text/csv' });

  it('posts to catalog, previews creates, updates and errors by line, then applies once', async () => {
    const { user, shop: fake } = renderApp('/admin/import', { admin: true, products: shop, inventory });
    await user.click(await screen.findByRole('radio', { name: 'Products' }));
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Import products');
    expect(screen.getByLabelText('CSV file')).toHaveAccessibleDescription(/sku,name,priceCents,currency/);
    const text =
      'sku,name,priceCents,currency\nMUG-1,Blue Mug,1100,EUR\nTEA-1,Green Tea,500,EUR\nCAP-1,Cap,x,EUR\n';
    await user.upload(screen.getByLabelText('CSV file'), file(text));
    await user.click(screen.getByRole('button', { name: 'Preview changes' }));
    await waitFor(() => expect(summary()).toHaveTextContent('3 rows: 1 change, 1 error.'));
    const errors = screen.getByRole('table', { name: 'Rows with errors' });
    expect(within(errors).getAllByRole('row')[1]).toHaveTextContent(
      '4priceCents must be a whole number of cents, not "x"',
    );
    const rows = screen.getByRole('table', { name: 'Rows and what they change' });
    expect(
      within(rows)
        .getAllByRole('row')
        .map((row) => [...row.querySelectorAll('th, td')].map((cell) => cell.textContent)),
    ).toEqual([
      ['Line', 'SKU', 'Change', 'Fields'],
      ['2', 'MUG-1', 'update', 'priceCents: 900 → 1100'],
      ['3', 'TEA-1', 'no change', ''],
    ]);
    expect(screen.getByRole('button', { name: 'Apply 2 rows' })).toBeDisabled();

    const clean = 'sku,name,priceCents,currency\nMUG-1,Blue Mug,1100,EUR\nCAP-1,Cap,700,EUR\n';
    await user.upload(screen.getByLabelText('CSV file'), file(clean));
    await user.click(screen.getByRole('button', { name: 'Preview changes' }));
    await waitFor(() => expect(summary()).toHaveTextContent('2 rows: 2 changes, 0 errors.'));
    expect(screen.getByRole('table', { name: 'Rows and what they change' })).toHaveTextContent(
      'CAP-1createname: Cap; priceCents: 700; currency: EUR',
    );
    await user.click(screen.getByRole('button', { name: 'Apply 2 rows' }));
    await waitFor(() => expect(summary()).toHaveTextContent('2 rows: 2 changes, 0 errors. Applied.'));
    expect(fake.products.get('mug')?.priceCents).toBe(1100);
    expect([...fake.products.values()].find((p) => p.sku === 'CAP-1')).toMatchObject({
      name: 'Cap',
      priceCents: 700,
    });
    const posted = fake.requests.filter((r) => r.path.endsWith('/imports'));
    expect(posted.map((r) => `${r.path}${new URL(r.url).search}`)).toEqual([
      '/api/catalog/imports?dryRun=true',
      '/api/catalog/imports?dryRun=true',
      '/api/catalog/imports?dryRun=false',
    ]);
  });

  it('tells a viewer that importing is a clerk’s', async () => {
    renderApp('/admin/import', { staff: 'viewer', products, inventory });
    expect(await screen.findByText(/Importing stock counts needs a clerk or a manager/)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'stock board' })).toHaveAttribute('href', '/admin/board');
    expect(screen.queryByLabelText('CSV file')).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Preview changes' })).not.toBeInTheDocument();
  });

  it('shows a clerk the file picker', async () => {
    renderApp('/admin/import', { staff: 'clerk', products, inventory });
    expect(await screen.findByRole('button', { name: 'Preview changes' })).toBeInTheDocument();
    expect(screen.getByLabelText('CSV file')).toBeInTheDocument();
    expect(screen.queryByText(/needs a clerk or a manager/)).not.toBeInTheDocument();
  });
});
