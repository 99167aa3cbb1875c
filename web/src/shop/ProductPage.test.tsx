import { screen } from '@solidjs/testing-library';
import { HttpResponse, http } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cart } from '../lib/cart.ts';
import { product } from '../test/fake-shop.ts';
import { renderApp } from '../test/render.tsx';
import { AVAILABILITY_REFRESH_MS } from './ProductPage.tsx';

const lamp = product({
  id: 'lamp',
  name: 'Desk Lamp',
  priceCents: 3900,
  category: 'Lighting',
  description: 'A warm light for late evenings.',
});

afterEach(() => {
  vi.useRealTimers();
});

describe('product page', () => {
  it('shows the product with availability and adds the chosen quantity to the cart', async () => {
    const { user } = renderApp('/products/lamp', { products: [lamp], stock: { lamp: 4 } });
    expect(await screen.findByRole('heading', { level: 1, name: 'Desk Lamp' })).toBeInTheDocument();
    expect(screen.getByText('€39.00')).toBeInTheDocument();
    expect(screen.getByText('A warm light for late evenings.')).toBeInTheDocument();
    expect(await screen.findByText('Only 4 left')).toBeInTheDocument();
    const quantity = screen.getByRole('spinbutton', { name: 'Quantity' });
    await user.clear(quantity);
    await user.type(quantity, '3');
    await user.click(screen.getByRole('button', { name: 'Add to cart' }));
    expect(cart.quantityOf('lamp')).toBe(3);
    expect(screen.getByRole('status')).toHaveTextContent('Added 3 to your cart.');
    expect(screen.getByRole('link', { name: 'Cart, 3 items' })).toBeInTheDocument();
    // Only one more is left beyond what the cart holds.
    await user.clear(quantity);
    await user.type(quantity, '2');
    expect(screen.getByText('You can add at most 1 more.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Add to cart' })).toBeDisabled();
  });

  it('refreshes availability while open', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true, toFake: ['setInterval', 'clearInterval'] });
    const { shop } = renderApp('/products/lamp', { products: [lamp], stock: { lamp: 10 } });
    expect(await screen.findByText('In stock')).toBeInTheDocument();
    // Others buy: the page learns on its next refresh, without a reload.
    shop.setStock('lamp', 2);
    await vi.advanceTimersByTimeAsync(AVAILABILITY_REFRESH_MS);
    expect(await screen.findByText('Only 2 left')).toBeInTheDocument();
  });

  it('cannot add an out-of-stock or archived product', async () => {
    renderApp('/products/lamp', { products: [lamp], stock: { lamp: 0 } });
    expect(await screen.findByRole('button', { name: 'Out of stock' })).toBeDisabled();
    screen.getByText('Out of stock', { selector: '.badge' });
  });

  it('says when a product is no longer sold', async () => {
    renderApp('/products/lamp', { products: [{ ...lamp, status: 'archived' }], stock: { lamp: 3 } });
    expect(await screen.findByText('This product is no longer sold.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Add to cart' })).not.toBeInTheDocument();
  });

  it('answers an unknown product with a way back to the shop', async () => {
    renderApp('/products/nope');
    expect(
      await screen.findByRole('heading', { name: 'We could not find that product' }),
    ).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Back to the shop' })).toHaveAttribute('href', '/');
  });

  it('shows a failure to load with a retry', async () => {
    let fail = true;
    const flaky = http.get('*/api/catalog/products/:id', () => {
      if (!fail) return undefined;
      fail = false;
      return HttpResponse.error();
    });
    const { user } = renderApp('/products/lamp', { products: [lamp], overrides: [flaky] });
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('You seem to be offline');
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Desk Lamp' })).toBeInTheDocument();
  });

  it('keeps selling when availability is unknown', async () => {
    const down = http.get('*/api/inventory/stock/:id', () => new HttpResponse(null, { status: 503 }));
    renderApp('/products/lamp', { products: [lamp], overrides: [down] });
    expect(await screen.findByText('Availability unknown right now')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Add to cart' })).toBeEnabled();
  });
});
