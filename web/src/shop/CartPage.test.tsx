import { screen, within } from '@solidjs/testing-library';
import { describe, expect, it } from 'vitest';
import { cart } from '../lib/cart.ts';
import { product } from '../test/fake-shop.ts';
import { renderApp } from '../test/render.tsx';

const mug = product({ id: 'mug', name: 'Blue Mug', priceCents: 1250 });
const tea = product({ id: 'tea', name: 'Green Tea', priceCents: 499 });

describe('cart page', () => {
  it('lists the lines with totals in the currency, and edits quantities', async () => {
    cart.add(mug, 2);
    cart.add(tea, 1);
    const { user } = renderApp('/cart', { products: [mug, tea], stock: { mug: 10, tea: 10 } });
    const lines = await screen.findByRole('list', { name: 'Items in your cart' });
    expect(within(lines).getAllByRole('listitem')).toHaveLength(2);
    expect(screen.getByText('€29.99')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'One more Blue Mug' }));
    expect(screen.getByText('€42.49')).toBeInTheDocument();
    const quantity = screen.getByRole('spinbutton', { name: 'Quantity of Green Tea' });
    await user.clear(quantity);
    await user.type(quantity, '4');
    await user.tab();
    expect(cart.quantityOf('tea')).toBe(4);
    expect(screen.getByText('€57.46')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Remove Blue Mug' }));
    expect(within(lines).getAllByRole('listitem')).toHaveLength(1);
    expect(screen.getByRole('link', { name: 'Cart, 4 items' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Checkout' })).toHaveAttribute('href', '/checkout');
  });

  it('warns about lines with more than is available', async () => {
    cart.add(mug, 5);
    renderApp('/cart', { products: [mug], stock: { mug: 2 } });
    expect(await screen.findByText('Only 2 available right now')).toBeInTheDocument();
  });

  it('refuses to check out a cart in two currencies', async () => {
    cart.add(mug, 1);
    cart.add({ ...tea, currency: 'USD' }, 1);
    renderApp('/cart', { products: [mug, tea] });
    expect(await screen.findByText(/An order is paid in one currency/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Checkout' })).toBeDisabled();
    expect(screen.getByText('Total (USD)')).toBeInTheDocument();
  });

  it('shows an empty cart as such', async () => {
    renderApp('/cart');
    expect(await screen.findByText('Your cart is empty')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Browse products' })).toHaveAttribute('href', '/');
  });
});
