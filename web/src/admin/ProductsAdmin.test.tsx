import { screen, waitFor, within } from '@solidjs/testing-library';
import { describe, expect, it } from 'vitest';
import { product } from '../test/fake-shop.ts';
import { renderApp } from '../test/render.tsx';

const mug = product({ id: 'mug', name: 'Blue Mug', sku: 'MUG-1', priceCents: 1250, category: 'Kitchen' });
const tea = product({ id: 'tea', name: 'Green Tea', sku: 'TEA-1', priceCents: 499 });

describe('admin products', () => {
  it('lists products and archives one after a confirmation', async () => {
    const { user, shop } = renderApp('/admin/products', { admin: true, products: [mug, tea] });
    const table = await screen.findByRole('table');
    expect(within(table).getByRole('link', { name: 'Blue Mug' })).toHaveAttribute(
      'href',
      '/admin/products/mug',
    );
    expect(within(table).getByText('MUG-1')).toBeInTheDocument();
    expect(within(table).getByText('€12.50')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Archive Blue Mug' }));
    await user.click(screen.getByRole('button', { name: 'Yes, archive' }));
    await waitFor(() => expect(screen.queryByText('Blue Mug')).not.toBeInTheDocument());
    expect(shop.products.get('mug')!.status).toBe('archived');
  });

  it('creates a product, with errors next to the fields first', async () => {
    const { user, shop, path } = renderApp('/admin/products/new', { admin: true, products: [mug] });
    await user.click(await screen.findByRole('button', { name: 'Create product' }));
    expect(screen.getByRole('textbox', { name: 'SKU' })).toHaveAccessibleDescription(
      'Enter a SKU (at most 64 characters).',
    );
    expect(screen.getByRole('textbox', { name: 'Name' })).toHaveAccessibleDescription(
      'Enter a name (at most 200 characters).',
    );
    expect(screen.getByRole('textbox', { name: 'Price' })).toHaveAccessibleDescription(
      'Enter a price such as 12.50.',
    );
    expect(screen.getByRole('textbox', { name: 'SKU' })).toHaveFocus();
    expect(shop.requests.filter((r) => r.method === 'POST')).toHaveLength(0);

    await user.type(screen.getByRole('textbox', { name: 'SKU' }), 'MUG-1');
    await user.type(screen.getByRole('textbox', { name: 'Name' }), 'Red Mug');
    await user.type(screen.getByRole('textbox', { name: 'Price' }), '14,90');
    await user.type(screen.getByRole('textbox', { name: 'Category' }), 'Kitchen');
    await user.type(screen.getByRole('textbox', { name: 'Image address' }), 'not a url');
    await user.click(screen.getByRole('button', { name: 'Create product' }));
    expect(screen.getByRole('textbox', { name: 'Image address' })).toHaveAccessibleDescription(
      'Optional: an https:// link to a picture. Enter a full image address starting with https://.',
    );
    await user.clear(screen.getByRole('textbox', { name: 'Image address' }));
    await user.click(screen.getByRole('button', { name: 'Create product' }));
    // The SKU is taken: the server says so, next to the SKU.
    await waitFor(() =>
      expect(screen.getByRole('textbox', { name: 'SKU' })).toHaveAccessibleDescription(
        'A product with this SKU exists already.',
      ),
    );
    await user.clear(screen.getByRole('textbox', { name: 'SKU' }));
    await user.type(screen.getByRole('textbox', { name: 'SKU' }), 'MUG-2');
    await user.click(screen.getByRole('button', { name: 'Create product' }));
    await waitFor(() => expect(path()).toBe('/admin/products/p-new-1'));
    expect(shop.products.get('p-new-1')).toMatchObject({
      sku: 'MUG-2',
      name: 'Red Mug',
      priceCents: 1490,
      currency: 'EUR',
      category: 'Kitchen',
    });
    expect(await screen.findByText('Product created. Add its stock on the right.')).toBeInTheDocument();
  });

  it('edits a product and restocks it from its page', async () => {
    const { user, shop } = renderApp('/admin/products/mug', {
      admin: true,
      products: [mug],
      stock: { mug: 2 },
    });
    const name = await screen.findByRole('textbox', { name: 'Name' });
    expect(name).toHaveValue('Blue Mug');
    expect(screen.getByRole('textbox', { name: 'SKU' })).toBeDisabled();
    await user.clear(name);
    await user.type(name, 'Navy Mug');
    await user.clear(screen.getByRole('textbox', { name: 'Category' }));
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('Saved.')).toBeInTheDocument();
    expect(shop.products.get('mug')).toMatchObject({ name: 'Navy Mug', priceCents: 1250 });
    expect(shop.products.get('mug')!.category).toBeUndefined();
    const patch = shop.requests.find((r) => r.method === 'PATCH')!;
    expect(patch.body).not.toHaveProperty('sku');

    const stock = screen.getByRole('complementary', { name: 'Stock' });
    const onHand = async () => (await within(stock).findByText('On hand')).nextElementSibling;
    expect(await onHand()).toHaveTextContent('2');
    await user.type(within(stock).getByRole('textbox', { name: 'Change' }), '10');
    await user.type(within(stock).getByRole('textbox', { name: 'Reason' }), 'Delivery');
    await user.click(within(stock).getByRole('button', { name: 'Adjust' }));
    expect(await within(stock).findByText('Added 10. On hand now 12.')).toBeInTheDocument();
    expect(within(stock).getByRole('link', { name: 'Movements per location' })).toHaveAttribute(
      'href',
      '/admin/movements/mug',
    );
    expect(shop.levelOf('mug').onHand).toBe(12);
    expect(await onHand()).toHaveTextContent('12');

    const alert = within(stock).getByRole('form', { name: 'Low-stock alert' });
    const threshold = within(alert).getByRole('textbox', { name: 'Low at or below' });
    expect(threshold).toHaveValue('3');
    await user.clear(threshold);
    await user.type(threshold, '-1');
    await user.click(within(alert).getByRole('button', { name: 'Set' }));
    expect(threshold).toHaveAccessibleDescription('Enter a whole number, 0 or more.');
    await user.clear(threshold);
    await user.type(threshold, '15');
    await user.click(within(alert).getByRole('button', { name: 'Set' }));
    expect(await within(alert).findByText('Alert level saved.')).toBeInTheDocument();
    expect(shop.levelOf('mug')).toMatchObject({ lowStockThreshold: 15, low: true });
    expect(within(stock).getByText('Available').parentElement).toHaveClass('low');
  });

  it('opens a product whose id needs encoding from its link, asking the API with it encoded once', async () => {
    const odd = product({ id: 'mug:1', name: 'Odd Mug', sku: 'MUG-ODD' });
    const { shop } = renderApp(`/admin/products/${encodeURIComponent(odd.id)}`, {
      admin: true,
      products: [odd],
      stock: { 'mug:1': 3 },
    });
    expect(await screen.findByRole('textbox', { name: 'Name' })).toHaveValue('Odd Mug');
    expect(shop.requests.some((r) => r.path === '/api/catalog/products/mug%3A1')).toBe(true);
    expect(shop.requests.filter((r) => r.path.includes('%25'))).toEqual([]);
  });

  it('shows a product that cannot be loaded as an error with a retry', async () => {
    renderApp('/admin/products/nope', { admin: true });
    expect(await screen.findByRole('alert')).toHaveTextContent('No such product.');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });

  it('shows an empty catalog with a way to add the first product', async () => {
    renderApp('/admin/products', { admin: true });
    expect(await screen.findByText('No products yet')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Add the first product' })).toHaveAttribute(
      'href',
      '/admin/products/new',
    );
  });

  it('shows a viewer a product’s stock without the forms that change it', async () => {
    renderApp('/admin/products/mug', { staff: 'viewer', products: [mug], stock: { mug: 2 } });
    const stock = await screen.findByRole('complementary', { name: 'Stock' });
    expect((await within(stock).findByText('On hand')).nextElementSibling).toHaveTextContent('2');
    expect(within(stock).queryByRole('form')).not.toBeInTheDocument();
    expect(within(stock).queryByRole('button')).not.toBeInTheDocument();
    expect(within(stock).getByRole('link', { name: 'Movements per location' })).toBeInTheDocument();
  });

  it('gives a clerk a product’s stock forms', async () => {
    renderApp('/admin/products/mug', { staff: 'clerk', products: [mug], stock: { mug: 2 } });
    const stock = await screen.findByRole('complementary', { name: 'Stock' });
    expect(await within(stock).findByRole('form', { name: 'Low-stock alert' })).toBeInTheDocument();
    expect(within(stock).getByRole('form', { name: 'Adjust stock' })).toBeInTheDocument();
  });

  it('shows a clerk the catalog without the buttons that change it (a manager’s)', async () => {
    renderApp('/admin/products/mug', { staff: 'clerk', products: [mug], stock: { mug: 2 } });
    expect(await screen.findByText('Only a manager changes the catalog and its prices.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Save changes' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Archive product' })).not.toBeInTheDocument();
  });
});
