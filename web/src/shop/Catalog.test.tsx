import { screen, waitFor, within } from '@solidjs/testing-library';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { CATALOG_FIRST_PAGE } from '../lib/first-page.ts';
import { product } from '../test/fake-shop.ts';
import { renderApp } from '../test/render.tsx';

const mug = product({
  id: 'mug',
  name: 'Blue Mug',
  priceCents: 1250,
  category: 'Kitchen',
  imageUrl: 'https://img.example/mug.jpg',
});
const kettle = product({ id: 'kettle', name: 'Kettle', priceCents: 4999, category: 'Kitchen' });
const towel = product({ id: 'towel', name: 'Bath Towel', priceCents: 899, category: 'Bath' });

describe('catalog', () => {
  it('shows products with price, picture or placeholder, and availability', async () => {
    renderApp('/', { products: [mug, kettle, towel], stock: { mug: 20, kettle: 2, towel: 0 } });
    const grid = await screen.findByRole('list', { name: 'Products' });
    const cards = within(grid).getAllByRole('listitem');
    expect(cards).toHaveLength(3);
    const mugCard = within(grid).getByText('Blue Mug').closest('li')!;
    expect(within(mugCard).getByText('€12.50')).toBeInTheDocument();
    // The picture sits in the link beside the name: an empty alt, so the link says the name once.
    const picture = mugCard.querySelector('img')!;
    expect(picture).toHaveAttribute('src', 'https://img.example/mug.jpg');
    expect(picture).toHaveAttribute('alt', '');
    expect(within(mugCard).getByRole('link', { name: 'Blue Mug' })).toBeInTheDocument();
    expect(await within(mugCard).findByText('In stock')).toBeInTheDocument();
    const kettleCard = within(grid).getByText('Kettle').closest('li')!;
    // No image: a placeholder (its initials), hidden from assistive technology like the picture.
    expect(kettleCard.querySelector('.product-placeholder')).toHaveAttribute('aria-hidden', 'true');
    expect(within(kettleCard).queryByRole('img')).not.toBeInTheDocument();
    expect(within(kettleCard).getByRole('link', { name: 'Kettle' })).toBeInTheDocument();
    expect(await within(kettleCard).findByText('Only 2 left')).toBeInTheDocument();
    const towelCard = within(grid).getByText('Bath Towel').closest('li')!;
    expect(await within(towelCard).findByRole('button', { name: 'Out of stock: Bath Towel' })).toBeDisabled();
  });

  it('searches by name as the shopper types and keeps the search in the URL', async () => {
    const { user, path } = renderApp('/', { products: [mug, kettle, towel] });
    await screen.findByText('Blue Mug');
    await user.type(screen.getByRole('searchbox', { name: 'Search products' }), 'ket');
    await waitFor(() => expect(path()).toBe('/?q=ket'));
    await waitFor(() => expect(screen.queryByText('Blue Mug')).not.toBeInTheDocument());
    expect(await screen.findByText('Kettle')).toBeInTheDocument();
  });

  it('filters by category', async () => {
    const { user } = renderApp('/', { products: [mug, kettle, towel] });
    await screen.findByText('Blue Mug');
    const select = screen.getByRole('combobox', { name: 'Category' });
    await screen.findByRole('option', { name: 'Bath' });
    await user.selectOptions(select, 'Bath');
    await waitFor(() => expect(screen.queryByText('Kettle')).not.toBeInTheDocument());
    expect(await screen.findByText('Bath Towel')).toBeInTheDocument();
    expect(screen.getByRole('heading', { level: 1, name: 'Bath' })).toBeInTheDocument();
  });

  it('pages with the cursor: more products load on demand', async () => {
    const many = Array.from({ length: 30 }, (_, i) =>
      product({ id: `p${i}`, name: `Product ${String(i).padStart(2, '0')}` }),
    );
    const { user, shop } = renderApp('/', { products: many });
    const grid = await screen.findByRole('list', { name: 'Products' });
    // A small first page paints sooner (its first screen, then the rest); the next is a full page (24).
    await waitFor(() => expect(within(grid).getAllByRole('listitem')).toHaveLength(CATALOG_FIRST_PAGE));
    await user.click(screen.getByRole('button', { name: 'Load more products' }));
    await waitFor(() => expect(within(grid).getAllByRole('listitem')).toHaveLength(30));
    expect(screen.queryByRole('button', { name: 'Load more products' })).not.toBeInTheDocument();
    const pages = shop.requests.filter((r) => r.path === '/api/catalog/products');
    expect(pages).toHaveLength(2);
  });

  it('says so when nothing matches, and offers to clear the filters', async () => {
    const { user } = renderApp('/?q=zzz', { products: [mug] });
    expect(await screen.findByText('No products match your search')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    expect(await screen.findByText('Blue Mug')).toBeInTheDocument();
  });

  it('shows an empty shop as such', async () => {
    renderApp('/');
    expect(await screen.findByText('No products yet')).toBeInTheDocument();
  });

  it('shows a failure with a retry that works', async () => {
    let failures = 1;
    const failOnce = http.get('*/api/catalog/products', () => {
      if (failures-- > 0) {
        return HttpResponse.json(
          { title: 'Service Unavailable', status: 503, detail: 'The catalog is restarting.' },
          { status: 503, headers: { 'content-type': 'application/problem+json' } },
        );
      }
      return undefined;
    });
    const { user } = renderApp('/', { products: [mug], overrides: [failOnce] });
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The catalog is restarting.');
    await user.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('Blue Mug')).toBeInTheDocument();
  });

  it('still sells when inventory does not answer: no badges, no error', async () => {
    renderApp('/', {
      products: [mug],
      overrides: [http.get('*/api/inventory/stock', () => HttpResponse.error())],
    });
    expect(await screen.findByText('Blue Mug')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Add to cart: Blue Mug' })).toBeEnabled();
  });

  it('opens a product: the title names it and focus moves to its heading', async () => {
    const { user, path } = renderApp('/', { products: [mug] });
    expect(document.title).toBe('Stockflow');
    await user.click(await screen.findByRole('link', { name: /Blue Mug/ }));
    const heading = await screen.findByRole('heading', { level: 1, name: 'Blue Mug' });
    expect(path()).toBe('/products/mug');
    expect(document.title).toBe('Blue Mug · Stockflow');
    await waitFor(() => expect(heading).toHaveFocus());
  });

  it('adds to the cart: the header counts it and it survives a reload', async () => {
    const { user } = renderApp('/', { products: [mug], stock: { mug: 5 } });
    const add = await screen.findByRole('button', { name: 'Add to cart: Blue Mug' });
    await user.click(add);
    await user.click(add);
    expect(screen.getByRole('link', { name: 'Cart, 2 items' })).toBeInTheDocument();
    const stored = JSON.parse(localStorage.getItem('stockflow.cart')!);
    expect(stored).toEqual([expect.objectContaining({ productId: 'mug', quantity: 2, priceCents: 1250 })]);
  });
});
