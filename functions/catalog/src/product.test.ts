import type { NewProduct } from '@stockflow/contracts';
import { describe, expect, it } from 'vitest';
import {
  archiveProduct,
  changeProduct,
  createProduct,
  ProductArchivedError,
  SkuChangeError,
  searchKey,
  searchPrefixes,
  skuKey,
} from './product.ts';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-02T00:00:00.000Z';
const input: NewProduct = { sku: 'TEE-BLUE-M', name: 'Blue T-shirt', priceCents: 1999, currency: 'EUR' };

describe('the product aggregate', () => {
  it('creates an active product at version 1 and announces it', () => {
    const { product, event } = createProduct('p1', { ...input, category: 'Shirts', description: '' }, T0);
    expect(product).toEqual({
      id: 'p1',
      sku: 'TEE-BLUE-M',
      name: 'Blue T-shirt',
      priceCents: 1999,
      currency: 'EUR',
      category: 'Shirts',
      status: 'active',
      version: 1,
      createdAt: T0,
      updatedAt: T0,
    });
    expect(event).toEqual({ type: 'io.stockflow.product.created', subject: 'p1', data: product });
  });

  it('changes fields, bumps the version and announces the whole product', () => {
    const { product } = createProduct('p1', { ...input, category: 'Shirts' }, T0);
    const change = changeProduct(product, { priceCents: 1499, category: null, description: 'Cotton' }, T1);
    expect(change.product).toMatchObject({
      priceCents: 1499,
      description: 'Cotton',
      version: 2,
      updatedAt: T1,
    });
    expect(change.product).not.toHaveProperty('category');
    expect(change.product.createdAt).toBe(T0);
    expect(change.event).toEqual({
      type: 'io.stockflow.product.updated',
      subject: 'p1',
      data: change.product,
    });
  });

  it('announces nothing when a patch changes nothing (same values, its own sku, removing what is absent)', () => {
    const { product } = createProduct('p1', input, T0);
    const change = changeProduct(product, { name: 'Blue T-shirt', sku: 'TEE-BLUE-M', imageUrl: null }, T1);
    expect(change).toEqual({ product });
  });

  it('refuses another sku and any change to an archived product', () => {
    const { product } = createProduct('p1', input, T0);
    expect(() => changeProduct(product, { sku: 'TEE-RED-M' }, T1)).toThrowError(SkuChangeError);
    const { product: archived } = archiveProduct(product, T1);
    expect(() => changeProduct(archived, { priceCents: 1 }, T1)).toThrowError(ProductArchivedError);
  });

  it('archives once: a second archive changes nothing', () => {
    const { product } = createProduct('p1', input, T0);
    const first = archiveProduct(product, T1);
    expect(first.product).toMatchObject({ status: 'archived', version: 2, updatedAt: T1 });
    expect(first.event?.type).toBe('io.stockflow.product.archived');
    expect(archiveProduct(first.product, '2026-01-03T00:00:00.000Z')).toEqual({ product: first.product });
  });
});

describe('search keys', () => {
  it('finds a product by any case of its name, a word of it, or its sku', () => {
    const prefixes = searchPrefixes({ name: 'Blue  T-Shirt', sku: 'TEE-BLUE-M' });
    for (const query of ['b', 'Blue', 'blue t', 'BLUE T-SH', 'shirt', 't-s', 'tee-b', 'TEE-BLUE-M']) {
      expect(prefixes).toContain(searchKey(query));
    }
    for (const query of ['lue', 'red', 'blue shirt', 'm-']) expect(prefixes).not.toContain(searchKey(query));
  });

  it('bounds what it stores for long names', () => {
    const prefixes = searchPrefixes({ name: 'x'.repeat(200), sku: 'S1' });
    expect(Math.max(...prefixes.map((p) => p.length))).toBe(64);
    expect(prefixes).toContain(searchKey('x'.repeat(100)));
  });

  it('compares skus without case', () => {
    expect(skuKey(' Tee-Blue-M ')).toBe(skuKey('TEE-BLUE-M'));
  });
});
