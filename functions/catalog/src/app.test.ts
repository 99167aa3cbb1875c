import type { Page, Product } from '@stockflow/contracts';
import { asStaff, startFakeSink, testEnv } from '@stockflow/kit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { catalog } from './app.ts';
import { outboxRecords } from './testing.ts';

const MANAGER = await asStaff('catalog', 'manager');
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

function start(extra: Record<string, string> = {}) {
  const fn = catalog.create({ env: testEnv('catalog', extra) });
  cleanup.push(async () => {
    await fn.rt.outbox.drain(1_000);
    await fn.rt.close();
  });
  const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fn.app.request(path, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const admin = MANAGER;
  return {
    fn,
    send,
    create: (body: unknown) => send('POST', '/products', body, admin),
    patch: (id: string, body: unknown) => send('PATCH', `/products/${id}`, body, admin),
    archive: (id: string) => send('POST', `/products/${id}/archive`, undefined, admin),
    list: async (query = '') => {
      const res = await fn.app.request(`/products${query}`);
      expect(res.status).toBe(200);
      return (await res.json()) as Page<Product>;
    },
    categories: async () =>
      ((await (await fn.app.request('/categories')).json()) as { items: string[] }).items,
    /** The events committed to the outbox, oldest first. */
    emitted: () => outboxRecords(fn.rt),
  };
}

const tee = {
  sku: 'TEE-BLUE-M',
  name: 'Blue T-shirt',
  priceCents: 1999,
  currency: 'EUR',
  category: 'Shirts',
};

async function created(res: Response): Promise<Product> {
  expect(res.status).toBe(201);
  return (await res.json()) as Product;
}

describe('creating products', () => {
  it('answers 201 with a server-chosen id, status and timestamps, and sends product.created', async () => {
    const sink = await startFakeSink();
    cleanup.push(() => sink.close());
    const api = start({ K_SINK: sink.url });
    const product = await created(
      await api.create({
        ...tee,
        id: 'mine',
        status: 'archived',
        version: 7,
        createdAt: '2000-01-01T00:00:00.000Z',
        color: 'blue',
      }),
    );
    expect(product).toMatchObject({ ...tee, status: 'active', version: 1 });
    expect(product.id).not.toBe('mine');
    expect(product).not.toHaveProperty('color');
    expect(Date.parse(product.createdAt)).toBeGreaterThan(Date.parse('2026-01-01'));
    expect(product.updatedAt).toBe(product.createdAt);
    const got = await api.fn.app.request(`/products/${product.id}`);
    expect(await got.json()).toEqual(product);

    const [event] = await sink.waitFor(1);
    expect(event).toMatchObject({
      type: 'io.stockflow.product.created',
      source: '/catalog',
      subject: product.id,
      // Who made the change (the staff token's subject and name) travels with it.
      data: { ...product, actor: { subject: 'test-manager', name: 'Test Manager' } },
    });
  });

  it('refuses a duplicate sku in any case with 409', async () => {
    const api = start();
    await created(await api.create(tee));
    const again = await api.create({ ...tee, sku: 'tee-blue-m', name: 'Another' });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toBe('application/problem+json');
    expect((await api.list()).items).toHaveLength(1);
    expect(await api.emitted()).toHaveLength(1);
  });

  it('keeps skus unique under concurrent creates', async () => {
    const api = start();
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => api.create({ ...tee, name: `Tee ${i}` })),
    );
    expect(answers.map((res) => res.status).sort()).toEqual([201, ...Array(7).fill(409)]);
    expect((await api.list()).items).toHaveLength(1);
    expect(await api.emitted()).toHaveLength(1);
  });

  it.each([
    ['no token', {}],
    ['a wrong token', { authorization: 'Bearer not-the-admin-token-at-all' }],
  ])('refuses admin operations with %s (401) and changes nothing', async (_name, headers) => {
    const api = start();
    const product = await created(await api.create(tee));
    const answers = [
      await api.send('POST', '/products', { ...tee, sku: 'OTHER' }, headers),
      await api.send('PATCH', `/products/${product.id}`, { priceCents: 1 }, headers),
      await api.send('POST', `/products/${product.id}/archive`, undefined, headers),
    ];
    for (const res of answers) {
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
    expect((await api.list()).items).toEqual([product]);
    expect(await api.emitted()).toHaveLength(1);
  });

  it.each([
    ['no name', { ...tee, name: undefined }, 400],
    ['a blank name', { ...tee, name: '   ' }, 400],
    ['a negative price', { ...tee, priceCents: -1 }, 400],
    ['a fractional price', { ...tee, priceCents: 19.99 }, 400],
    ['a lower-case currency', { ...tee, currency: 'eur' }, 400],
    ['an image that is no URL', { ...tee, imageUrl: 'picture' }, 400],
    ['a JSON array', [tee], 400],
  ])('answers 400 problem+json to %s and stores nothing', async (_name, body, status) => {
    const api = start();
    const res = await api.create(body);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect((await res.json()).errors.length).toBeGreaterThan(0);
    expect((await api.list()).items).toEqual([]);
    expect(await api.emitted()).toEqual([]);
  });

  it('answers 415 to a body that is not JSON and 400 to broken JSON', async () => {
    const api = start();
    const admin = MANAGER;
    const text = await api.fn.app.request('/products', {
      method: 'POST',
      headers: { ...admin, 'content-type': 'text/plain' },
      body: JSON.stringify(tee),
    });
    expect(text.status).toBe(415);
    const broken = await api.fn.app.request('/products', {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: '{"sku":',
    });
    expect(broken.status).toBe(400);
    expect((await api.list()).items).toEqual([]);
  });
});

describe('reading products', () => {
  it('answers 404 problem+json for an unknown or impossible id', async () => {
    const api = start();
    for (const id of ['nope', '..', '__x__', '%2F']) {
      const res = await api.fn.app.request(`/products/${id}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
  });

  it('pages through active products by name with opaque cursors', async () => {
    const api = start();
    const names = ['delta', 'Alpha', 'charlie', 'Bravo', 'echo'];
    for (const [i, name] of names.entries()) await created(await api.create({ ...tee, sku: `S${i}`, name }));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page<Product> = await api.list(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((p) => p.name));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(seen).toEqual(['Alpha', 'Bravo', 'charlie', 'delta', 'echo']);
    expect(pages).toBe(3);
    // A page that ends exactly at the end has no cursor.
    expect((await api.list('?limit=5')).nextCursor).toBeNull();
  });

  it('searches name and sku prefixes in any case, within a category, without archived products', async () => {
    const api = start();
    const blue = await created(await api.create(tee));
    const red = await created(await api.create({ ...tee, sku: 'TEE-RED-M', name: 'Red T-shirt' }));
    const mug = await created(
      await api.create({ ...tee, sku: 'MUG-1', name: 'Blue mug', category: 'Kitchen' }),
    );
    const ids = async (query: string) => (await api.list(query)).items.map((p) => p.id);
    expect(await ids('?q=blue')).toEqual([mug.id, blue.id]);
    expect(await ids('?q=SHIRT')).toEqual([blue.id, red.id]);
    expect(await ids('?q=tee-r')).toEqual([red.id]);
    expect(await ids('?q=blue&category=Shirts')).toEqual([blue.id]);
    expect(await ids('?category=Kitchen')).toEqual([mug.id]);
    expect(await ids('?q=%20%20')).toHaveLength(3);
    expect(await ids('?q=green')).toEqual([]);
    expect((await api.archive(blue.id)).status).toBe(200);
    expect(await ids('?q=blue')).toEqual([mug.id]);
    // An archived product is still readable by id.
    const archived = await api.fn.app.request(`/products/${blue.id}`);
    expect(await archived.json()).toMatchObject({ id: blue.id, status: 'archived' });
  });

  it.each(['?limit=0', '?limit=101', '?limit=ten', '?cursor=bm90LW91cnM', '?cursor=%%%'])(
    'answers 400 to %s',
    async (query) => {
      const api = start();
      const res = await api.fn.app.request(`/products${query}`);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    },
  );

  it('lists the categories of active products', async () => {
    const api = start();
    expect(await api.categories()).toEqual([]);
    const a = await created(await api.create({ ...tee, sku: 'A', category: 'Shirts' }));
    await created(await api.create({ ...tee, sku: 'B', category: 'Shirts' }));
    const c = await created(await api.create({ ...tee, sku: 'C', category: 'Kitchen' }));
    await created(await api.create({ ...tee, sku: 'D', category: undefined }));
    expect(await api.categories()).toEqual(['Kitchen', 'Shirts']);
    expect((await api.patch(c.id, { category: 'Garden' })).status).toBe(200);
    expect(await api.categories()).toEqual(['Garden', 'Shirts']);
    expect((await api.archive(a.id)).status).toBe(200);
    expect(await api.categories()).toEqual(['Garden', 'Shirts']);
    expect((await api.patch(c.id, { category: null })).status).toBe(200);
    expect(await api.categories()).toEqual(['Shirts']);
  });
});

describe('changing and archiving products', () => {
  it('applies a patch, bumps the version and emits product.updated', async () => {
    const api = start();
    const product = await created(await api.create(tee));
    const res = await api.patch(product.id, { priceCents: 1499, description: 'Cotton', status: 'archived' });
    expect(res.status).toBe(200);
    const updated = (await res.json()) as Product;
    expect(updated).toMatchObject({ priceCents: 1499, description: 'Cotton', status: 'active', version: 2 });
    expect(updated.createdAt).toBe(product.createdAt);
    const events = await api.emitted();
    expect(events.map((e) => e.type)).toEqual([
      'io.stockflow.product.created',
      'io.stockflow.product.updated',
    ]);
    expect(events[1]!.data).toEqual({ ...updated, actor: { subject: 'test-manager', name: 'Test Manager' } });
  });

  it('answers an empty patch with the product unchanged and emits nothing', async () => {
    const api = start();
    const product = await created(await api.create(tee));
    const res = await api.patch(product.id, {});
    expect(await res.json()).toEqual(product);
    expect(await api.emitted()).toHaveLength(1);
  });

  it('refuses another sku (422), an unknown product (404), bad fields (400), and changes nothing', async () => {
    const api = start();
    const product = await created(await api.create(tee));
    expect((await api.patch(product.id, { sku: 'OTHER' })).status).toBe(422);
    expect((await api.patch('unknown', { priceCents: 1 })).status).toBe(404);
    expect((await api.patch(product.id, { priceCents: 'free' })).status).toBe(400);
    expect(await (await api.fn.app.request(`/products/${product.id}`)).json()).toEqual(product);
    expect(await api.emitted()).toHaveLength(1);
  });

  it('archives once: 200 archived with product.archived, 200 unchanged again, then refuses patches with 409', async () => {
    const api = start();
    const product = await created(await api.create(tee));
    const first = await api.archive(product.id);
    expect(first.status).toBe(200);
    const archived = (await first.json()) as Product;
    expect(archived).toMatchObject({ status: 'archived', version: 2 });
    const second = await api.archive(product.id);
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual(archived);
    expect((await api.patch(product.id, { priceCents: 1 })).status).toBe(409);
    expect((await api.archive('unknown')).status).toBe(404);
    expect((await api.emitted()).map((e) => e.type)).toEqual([
      'io.stockflow.product.created',
      'io.stockflow.product.archived',
    ]);
  });
});
