import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN, adjustment, events, openInventory, type TestInventory } from './testing.ts';

const open: TestInventory[] = [];
afterEach(async () => {
  for (const inv of open.splice(0)) await inv.close();
});

async function start() {
  const inv = await openInventory();
  open.push(inv);
  return inv;
}

const json = (method: string, body: unknown, headers: Record<string, string> = ADMIN): RequestInit => ({
  method,
  headers: { ...headers, 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

describe('GET /stock/:productId', () => {
  it('shows anyone what is available, and the admin every level', async () => {
    const inv = await start();
    await inv.fn.app.request('/stock/a/adjustments', adjustment({ delta: 9, reason: 'count' }));
    await inv.deliver(events.placed('o1', [{ productId: 'a', quantity: 2 }]));

    const pub = await inv.fn.app.request('/stock/a');
    expect(pub.status).toBe(200);
    expect(await pub.json()).toEqual({ productId: 'a', available: 7 });
    const wrongToken = await inv.fn.app.request('/stock/a', {
      headers: { authorization: 'Bearer not-the-admin-token' },
    });
    expect(await wrongToken.json()).toEqual({ productId: 'a', available: 7 });

    const admin = await inv.fn.app.request('/stock/a', { headers: ADMIN });
    expect(await admin.json()).toEqual({
      productId: 'a',
      onHand: 9,
      reserved: 2,
      available: 7,
      inTransit: 0,
      lowStockThreshold: 5,
      low: false,
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      locations: [{ locationId: 'default', onHand: 9, reserved: 2, available: 7, inTransit: 0, low: false }],
    });
  });

  it('answers zeros for a product it has no stock for, and 400 for an impossible id', async () => {
    const inv = await start();
    expect(await (await inv.fn.app.request('/stock/unknown')).json()).toEqual({
      productId: 'unknown',
      available: 0,
    });
    expect(await inv.level('unknown')).toMatchObject({
      onHand: 0,
      reserved: 0,
      available: 0,
      updatedAt: null,
    });
    const bad = await inv.fn.app.request('/stock/__bad__');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('GET /stock', () => {
  it('?ids= gives anyone the availability of each named product, in order', async () => {
    const inv = await start();
    await inv.fn.app.request('/stock/b/adjustments', adjustment({ delta: 4, reason: 'count' }));
    const res = await inv.fn.app.request('/stock?ids=b,ghost,b,a');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      items: [
        { productId: 'b', available: 4 },
        { productId: 'ghost', available: 0 },
        { productId: 'a', available: 0 },
      ],
    });
  });

  it.each([
    ['no id', '/stock?ids='],
    ['an impossible id', '/stock?ids=a,..'],
    ['more than 100 ids', `/stock?ids=${Array.from({ length: 101 }, (_, i) => `p${i}`).join(',')}`],
  ])('?ids= with %s is a 400', async (_name, url) => {
    const inv = await start();
    const res = await inv.fn.app.request(url);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('lists every level, or the low ones, to the admin only, a page at a time', async () => {
    const inv = await start();
    for (const [id, delta] of [
      ['p1', 3],
      ['p2', 50],
      ['p3', 1],
      ['p4', 2],
    ] as const) {
      await inv.fn.app.request(`/stock/${id}/adjustments`, adjustment({ delta, reason: 'count' }));
    }
    expect((await inv.fn.app.request('/stock')).status).toBe(401);
    expect((await inv.fn.app.request('/stock?low=true')).status).toBe(401);

    const all = (await (await inv.fn.app.request('/stock', { headers: ADMIN })).json()) as {
      items: Array<{ productId: string; low: boolean }>;
      nextCursor: string | null;
    };
    expect(all.items.map((i) => i.productId)).toEqual(['p1', 'p2', 'p3', 'p4']);
    expect(all.nextCursor).toBeNull();

    const seen: string[] = [];
    let url = '/stock?low=true&limit=2';
    for (;;) {
      const page = (await (await inv.fn.app.request(url, { headers: ADMIN })).json()) as typeof all;
      expect(page.items.every((i) => i.low)).toBe(true);
      seen.push(...page.items.map((i) => i.productId));
      if (!page.nextCursor) break;
      url = `/stock?low=true&limit=2&cursor=${page.nextCursor}`;
    }
    expect(seen).toEqual(['p1', 'p3', 'p4']);

    expect((await inv.fn.app.request('/stock?cursor=nonsense', { headers: ADMIN })).status).toBe(400);
    expect((await inv.fn.app.request('/stock?limit=0', { headers: ADMIN })).status).toBe(400);
  });
});

describe('POST /stock/:productId/adjustments', () => {
  it('corrects onHand and answers the new levels, even before the product exists', async () => {
    const inv = await start();
    const res = await inv.fn.app.request(
      '/stock/new/adjustments',
      adjustment({ delta: 8, reason: 'first count' }),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      productId: 'new',
      onHand: 8,
      reserved: 0,
      available: 8,
      low: false,
    });
    const down = await inv.fn.app.request(
      '/stock/new/adjustments',
      adjustment({ delta: -5, reason: 'broken' }),
    );
    expect(await down.json()).toMatchObject({ onHand: 3, available: 3, low: true });
    expect((await inv.emitted('io.stockflow.stock.adjusted')).map((e) => e.data)).toMatchObject([
      { delta: 8, reason: 'first count', onHand: 8 },
      { delta: -5, reason: 'broken', onHand: 3 },
    ]);
    expect((await inv.emitted('io.stockflow.stock.low')).map((e) => e.data)).toEqual([
      { productId: 'new', available: 3, threshold: 5 },
    ]);
  });

  it('refuses to take onHand below reserved with 409, changing nothing', async () => {
    const inv = await start();
    await inv.fn.app.request('/stock/a/adjustments', adjustment({ delta: 10, reason: 'count' }));
    await inv.deliver(events.placed('o1', [{ productId: 'a', quantity: 6 }]));
    const res = await inv.fn.app.request('/stock/a/adjustments', adjustment({ delta: -5, reason: 'lost' }));
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ status: 409, onHand: 10, reserved: 6, available: 4 });
    expect(await inv.level('a')).toMatchObject({ onHand: 10, reserved: 6 });
    expect(await inv.emitted('io.stockflow.stock.adjusted')).toHaveLength(1);
  });

  it('needs the admin token', async () => {
    const inv = await start();
    const res = await inv.fn.app.request(
      '/stock/a/adjustments',
      json('POST', { delta: 1, reason: 'x' }, { authorization: 'Bearer wrong-token-wrong' }),
    );
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(await inv.level('a')).toMatchObject({ onHand: 0, updatedAt: null });
  });

  it.each([
    ['a zero delta', { delta: 0, reason: 'x' }, ['delta']],
    ['a fractional delta', { delta: 1.5, reason: 'x' }, ['delta']],
    ['no reason', { delta: 3 }, ['reason']],
    ['an empty reason and a string delta', { delta: '3', reason: '' }, ['delta', 'reason']],
  ])('answers 400 to %s, changing nothing', async (_name, body, paths) => {
    const inv = await start();
    const res = await inv.fn.app.request('/stock/a/adjustments', adjustment(body));
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { errors: Array<{ path: string }> };
    expect(problem.errors.map((e) => e.path).sort()).toEqual(paths);
    expect(await inv.level('a')).toMatchObject({ onHand: 0, updatedAt: null });
    expect(await inv.emitted()).toEqual([]);
  });

  it('answers 415 to a body that is not JSON', async () => {
    const inv = await start();
    const res = await inv.fn.app.request('/stock/a/adjustments', {
      method: 'POST',
      headers: { ...ADMIN, 'content-type': 'text/plain' },
      body: '{"delta":1,"reason":"x"}',
    });
    expect(res.status).toBe(415);
    expect(await inv.level('a')).toMatchObject({ updatedAt: null });
  });
});

describe('PATCH /stock/:productId', () => {
  it('sets the low-stock threshold, announcing stock.low when that makes the product low', async () => {
    const inv = await start();
    await inv.fn.app.request('/stock/a/adjustments', adjustment({ delta: 10, reason: 'count' }));
    const res = await inv.fn.app.request('/stock/a', json('PATCH', { lowStockThreshold: 12 }));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ productId: 'a', onHand: 10, lowStockThreshold: 12, low: true });
    expect((await inv.emitted('io.stockflow.stock.low')).map((e) => e.data)).toEqual([
      { productId: 'a', available: 10, threshold: 12 },
    ]);
  });

  it('needs the admin token and a non-negative integer', async () => {
    const inv = await start();
    expect((await inv.fn.app.request('/stock/a', json('PATCH', { lowStockThreshold: 3 }, {}))).status).toBe(
      401,
    );
    for (const body of [{ lowStockThreshold: -1 }, { lowStockThreshold: 'many' }, {}]) {
      expect((await inv.fn.app.request('/stock/a', json('PATCH', body))).status).toBe(400);
    }
    expect(await inv.level('a')).toMatchObject({ lowStockThreshold: 5, updatedAt: null });
  });
});
