// @vitest-environment jsdom
/**
 * @module The demo shop's data and pictures, without a stack: every product is one catalog accepts,
 * every picture a well-formed SVG that a browser reads as an image, the same on every run, and the
 * stock looks like a shop's (plenty, some low, two out). `SEED` reads as `npm start` documents.
 */
import { NewProduct } from '@stockflow/contracts';
import { MAX_LINE_CHARS } from '@stockflow/kit/csv';
import { describe, expect, it } from 'vitest';
import { stackOptionsFromEnv } from '../../cli/settings.ts';
import { DEMO_CURRENCY, DEMO_LOCATIONS, DEMO_PRODUCTS } from './catalog.ts';
import { initialsOf, productImageUrl, productSvg } from './images.ts';
import { describeSeed } from './seed.ts';

const total = (stock: readonly number[]) => stock.reduce((sum, units) => sum + units, 0);
/** inventory's default LOW_STOCK_THRESHOLD. */
const LOW = 5;

describe('the demo catalog', () => {
  it('has a few dozen products with unique SKUs in several categories, each one catalog accepts', () => {
    expect(DEMO_PRODUCTS.length).toBeGreaterThanOrEqual(30);
    expect(new Set(DEMO_PRODUCTS.map((p) => p.sku.toLowerCase())).size).toBe(DEMO_PRODUCTS.length);
    expect(new Set(DEMO_PRODUCTS.map((p) => p.category)).size).toBeGreaterThanOrEqual(5);
    for (const p of DEMO_PRODUCTS) {
      const parsed = NewProduct.safeParse({ ...p, currency: DEMO_CURRENCY, imageUrl: productImageUrl(p) });
      expect(parsed.error, p.sku).toBeUndefined();
      expect(p.priceCents, p.sku).toBeGreaterThan(0);
      expect(p.description.length, p.sku).toBeGreaterThan(20);
    }
  });

  it('stocks most products well, a few low and two not at all, at three locations', () => {
    expect(DEMO_LOCATIONS.map((l) => l.id)).toEqual(['default', 'store-amsterdam', 'store-lyon']);
    const totals = DEMO_PRODUCTS.map((p) => total(p.stock));
    expect(totals.filter((units) => units === 0)).toHaveLength(2);
    expect(totals.filter((units) => units > 0 && units <= LOW).length).toBeGreaterThanOrEqual(3);
    expect(totals.filter((units) => units > LOW * 4).length).toBeGreaterThan(DEMO_PRODUCTS.length / 2);
  });
});

describe("a demo product's picture", () => {
  // jsdom's (this file's environment): what a browser does with an SVG document.
  const parser = new DOMParser();

  it('is a well-formed SVG document with the product initials', () => {
    for (const p of DEMO_PRODUCTS) {
      const doc = parser.parseFromString(productSvg(p), 'image/svg+xml');
      expect(doc.getElementsByTagName('parsererror'), p.sku).toHaveLength(0);
      expect(doc.documentElement.namespaceURI).toBe('http://www.w3.org/2000/svg');
      expect(doc.querySelector('text')?.textContent).toBe(initialsOf(p.name));
    }
    expect(initialsOf('Chef’s Knife 20 cm')).toBe('CK');
    expect(initialsOf('<&> "x"')).toBe('X');
    expect(initialsOf('<&>')).toBe('?');
  });

  it('is the same for the same SKU, and differs from product to product', () => {
    const urls = DEMO_PRODUCTS.map(productImageUrl);
    expect(DEMO_PRODUCTS.map(productImageUrl)).toEqual(urls);
    expect(new Set(urls).size).toBe(urls.length);
  });

  it('is a data URL a client fetches as image/svg+xml, small enough for a CSV import line', async () => {
    for (const p of DEMO_PRODUCTS) {
      const url = productImageUrl(p);
      const res = await fetch(url);
      expect(res.headers.get('content-type')).toBe('image/svg+xml');
      expect(await res.text()).toBe(productSvg(p));
      expect(url.length + p.description.length + p.name.length + 100).toBeLessThan(MAX_LINE_CHARS);
    }
  });
});

describe('SEED', () => {
  it('is demo unless set to none, and refuses anything else', () => {
    expect(stackOptionsFromEnv({}).seed).toBe('demo');
    expect(stackOptionsFromEnv({ SEED: 'demo' }).seed).toBe('demo');
    expect(stackOptionsFromEnv({ SEED: 'none' }).seed).toBe('none');
    expect(() => stackOptionsFromEnv({ SEED: 'yes' })).toThrow(/SEED must be demo or none/);
  });

  it("is said on npm start's line", () => {
    expect(describeSeed({ seeded: false, reason: 'SEED=none' })).toBe('not seeded (SEED=none)');
    expect(
      describeSeed({ seeded: true, products: 36, categories: 6, locations: 3, units: 1200, outOfStock: 2 }),
    ).toMatch(/^seeded 36 products in 6 categories, 1200 units at 3 locations/);
  });
});
