/**
 * The answers web's page preloads (server/preloads.ts) or carries (server/first-answers.ts) are the
 * very URLs the shop asks for first: either is used only by an ask for the same URL, so any drift
 * would fetch everything twice.
 */
import { screen } from '@solidjs/testing-library';
import { describe, expect, it } from 'vitest';
import { answersTag } from '../../server/first-answers.ts';
import { preloadedAnswers } from '../../server/preloads.ts';
import { product } from '../test/fake-shop.ts';
import { renderApp } from '../test/render.tsx';

// A colon: an id the app must URL-encode, as the preload does.
const lamp = product({ id: 'sku:lamp', name: 'Desk Lamp', priceCents: 3900, category: 'Lighting' });
const mug = product({ id: 'mug', name: 'Blue Mug', priceCents: 1250, category: 'Kitchen' });

const asked = (requests: Array<{ method: string; url: string }>) =>
  requests
    .filter((request) => request.method === 'GET')
    .map(({ url }) => url.slice(new URL(url).origin.length));

describe("web's preloads", () => {
  it("are the front page's first requests", async () => {
    const { shop } = renderApp('/', { products: [lamp, mug], stock: { 'sku:lamp': 4, mug: 2 } });
    await screen.findByText('Blue Mug');
    const preloaded = preloadedAnswers('/', '');
    expect(preloaded.length).toBeGreaterThan(0);
    expect(asked(shop.requests)).toEqual(expect.arrayContaining(preloaded));
  });

  it("are a product page's first requests", async () => {
    const { shop } = renderApp(`/products/${encodeURIComponent(lamp.id)}`, {
      products: [lamp],
      stock: { 'sku:lamp': 4 },
    });
    await screen.findByRole('heading', { level: 1, name: 'Desk Lamp' });
    await screen.findByText('Only 4 left');
    const preloaded = preloadedAnswers(`/products/${encodeURIComponent(lamp.id)}`, '');
    expect(preloaded).toHaveLength(2);
    expect(asked(shop.requests)).toEqual(expect.arrayContaining(preloaded));
  });

  it('are taken from the page when web put them in it, once, with no request', async () => {
    const [products, categories] = preloadedAnswers('/', '');
    // What web's server puts in the page; the page's own answer differs from the shop's on purpose.
    document.head.insertAdjacentHTML(
      'beforeend',
      answersTag({ [products!]: { items: [lamp], nextCursor: null }, [categories!]: ['Lighting'] }),
    );
    const { shop } = renderApp('/', { products: [lamp, mug], stock: { 'sku:lamp': 4, mug: 2 } });
    await screen.findByText('Desk Lamp');
    expect(screen.queryByText('Blue Mug')).toBeNull();
    expect(asked(shop.requests)).not.toContain(products);
    expect(asked(shop.requests)).not.toContain(categories);
    // Taken once: the page's block is gone, and the next ask goes to the server.
    expect(document.getElementById('first-answers')).toBeNull();
    const { listProducts } = await import('../lib/api.ts');
    expect((await listProducts({ limit: 8 })).items.map((p) => p.name)).toEqual(['Desk Lamp', 'Blue Mug']);
  });
});
