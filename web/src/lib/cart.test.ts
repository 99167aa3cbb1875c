import { describe, expect, it } from 'vitest';
import { cart, MAX_QUANTITY } from './cart.ts';

const mug = { id: 'mug', name: 'Mug', priceCents: 1250, currency: 'EUR' };
const tea = { id: 'tea', name: 'Tea', priceCents: 499, currency: 'EUR' };

describe('cart', () => {
  it('adds, merges lines, bounds quantities and totals by currency', () => {
    cart.add(mug, 2);
    cart.add(mug, 1);
    cart.add(tea);
    expect(cart.lines().map((line) => [line.productId, line.quantity])).toEqual([
      ['mug', 3],
      ['tea', 1],
    ]);
    expect(cart.count()).toBe(4);
    expect(cart.totals()).toEqual([{ currency: 'EUR', cents: 3 * 1250 + 499 }]);
    cart.setQuantity('mug', 1000);
    expect(cart.quantityOf('mug')).toBe(MAX_QUANTITY);
    cart.setQuantity('mug', 0);
    expect(cart.quantityOf('mug')).toBe(0);
    cart.add({ id: 'usd', name: 'Import', priceCents: 100, currency: 'USD' });
    expect(cart.totals()).toEqual([
      { currency: 'EUR', cents: 499 },
      { currency: 'USD', cents: 100 },
    ]);
  });

  it('is kept in localStorage and read back; damaged storage yields an empty cart', () => {
    cart.add(mug, 2);
    const saved = localStorage.getItem('stockflow.cart');
    cart.clear();
    localStorage.setItem('stockflow.cart', saved!);
    cart.reload();
    expect(cart.quantityOf('mug')).toBe(2);
    localStorage.setItem('stockflow.cart', '{not json');
    cart.reload();
    expect(cart.lines()).toEqual([]);
    localStorage.setItem(
      'stockflow.cart',
      JSON.stringify([{ productId: 'x', quantity: -1 }, { name: 'no id' }]),
    );
    cart.reload();
    expect(cart.lines()).toEqual([]);
  });

  it('follows changes made in another tab', () => {
    localStorage.setItem(
      'stockflow.cart',
      JSON.stringify([{ productId: 'tea', name: 'Tea', priceCents: 499, currency: 'EUR', quantity: 4 }]),
    );
    window.dispatchEvent(new StorageEvent('storage', { key: 'stockflow.cart' }));
    expect(cart.count()).toBe(4);
  });
});
