import { ImportResult, Location, Movement, ReorderEntry, StockLevel, Transfer } from '@stockflow/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import type * as z from 'zod/mini';
import { ADMIN, adminJson, events, openInventory, type TestInventory } from './testing.ts';

const open: TestInventory[] = [];
afterEach(async () => {
  for (const inv of open.splice(0)) await inv.close();
});

/** An inventory with locations north (priority 1) and south (priority 2) besides the default (0, deactivated). */
async function start(env: Record<string, string> = {}) {
  const inv = await openInventory(env);
  open.push(inv);
  const call = (path: string, init: RequestInit = { headers: ADMIN }) => inv.fn.app.request(path, init);
  const ok = async <T>(path: string, init?: RequestInit, status = 200): Promise<T> => {
    const res = await call(path, init);
    expect(res.status, `${init?.method ?? 'GET'} ${path}: ${await res.clone().text()}`).toBe(status);
    return (await res.json()) as T;
  };
  await ok('/locations', adminJson('POST', { id: 'north', name: 'North', priority: 1 }), 201);
  await ok('/locations', adminJson('POST', { id: 'south', name: 'South', priority: 2 }), 201);
  const stockAt = (productId: string, locationId: string, delta: number) =>
    ok(`/stock/${productId}/adjustments`, adminJson('POST', { delta, reason: 'count', locationId }));
  const level = (productId: string) => ok<StockLevel>(`/stock/${productId}`);
  const at = async (productId: string, locationId: string) =>
    (await level(productId)).locations.find((l) => l.locationId === locationId);
  return { inv, call, ok, stockAt, level, at };
}

describe('locations', () => {
  it('lists the default location and those added; changes one; refuses duplicates and bad bodies', async () => {
    const { ok, call } = await start();
    const { items } = await ok<{ items: Location[] }>('/locations');
    expect(items.map((l) => [l.id, l.priority, l.active])).toEqual([
      ['default', 0, true],
      ['north', 1, true],
      ['south', 2, true],
    ]);
    expect(await ok('/locations/south', adminJson('PATCH', { active: false, name: 'South hall' }))).toEqual({
      id: 'south',
      name: 'South hall',
      priority: 2,
      active: false,
    });
    expect((await call('/locations', adminJson('POST', { id: 'north', name: 'Again' }))).status).toBe(409);
    expect((await call('/locations', adminJson('POST', { id: 'a/b', name: 'x' }))).status).toBe(400);
    expect((await call('/locations/nowhere', adminJson('PATCH', { name: 'x' }))).status).toBe(404);
    expect((await call('/locations/default', adminJson('PATCH', { active: false }))).status).toBe(422);
    expect((await call('/locations', { headers: {} })).status).toBe(401);
  });
});

describe('stock per location', () => {
  it('adjusts and counts at a location; the product totals roll up; unknown locations are 422', async () => {
    const { stockAt, level, ok, call } = await start();
    await stockAt('a', 'north', 6);
    await stockAt('a', 'south', 3);
    await ok('/stock/a/adjustments', adminJson('POST', { delta: 2, reason: 'found', kind: 'returned' }));
    const counted = await ok<StockLevel>(
      '/stock/a/counts',
      adminJson('POST', { counted: 1, locationId: 'south' }),
    );
    expect(counted).toMatchObject({ onHand: 9, reserved: 0, available: 9 });
    expect(counted.locations).toEqual([
      { locationId: 'default', onHand: 2, reserved: 0, available: 2, inTransit: 0, low: true },
      { locationId: 'north', onHand: 6, reserved: 0, available: 6, inTransit: 0, low: false },
      { locationId: 'south', onHand: 1, reserved: 0, available: 1, inTransit: 0, low: true },
    ]);
    // The shop still reads the product's total.
    expect(await (await call('/stock/a', {})).json()).toEqual({ productId: 'a', available: 9 });
    const before = await level('a');
    const refused = await call(
      '/stock/a/adjustments',
      adminJson('POST', { delta: 1, reason: 'x', locationId: 'east' }),
    );
    expect(refused.status).toBe(422);
    expect(await level('a')).toEqual(before);
    expect((await call('/stock/a/counts', adminJson('POST', { counted: -1 }))).status).toBe(400);
  });

  it('takes goods received at their location, and version 1 events (no location) at the default one', async () => {
    const { inv, at } = await start();
    expect((await inv.deliver(events.goodsReceived('a', 4, 'PO-1', undefined, 'south'))).status).toBe(202);
    expect((await inv.deliver(events.goodsReceived('a', 6, 'PO-2'))).status).toBe(202);
    expect(await at('a', 'south')).toMatchObject({ onHand: 4 });
    expect(await at('a', 'default')).toMatchObject({ onHand: 6 });
    expect(await inv.audit()).toEqual([]);
  });
});

describe('allocation across locations', () => {
  it('takes a line from locations in priority order, splitting it when one is short', async () => {
    const { inv, stockAt, at } = await start();
    await stockAt('a', 'north', 3);
    await stockAt('a', 'south', 10);
    await inv.deliver(events.placed('o1', [{ productId: 'a', quantity: 5 }]));
    const [reserved] = await inv.emitted('io.stockflow.stock.reserved');
    expect(reserved!.data).toMatchObject({
      allocations: [
        { productId: 'a', locationId: 'north', quantity: 3 },
        { productId: 'a', locationId: 'south', quantity: 2 },
      ],
    });
    expect(await at('a', 'north')).toMatchObject({ reserved: 3, available: 0 });
    expect(await at('a', 'south')).toMatchObject({ reserved: 2, available: 8 });
    expect(await inv.audit()).toEqual([]);
  });

  it('with most-stock, takes the location with most available first', async () => {
    const { inv, stockAt } = await start({ ALLOCATION_STRATEGY: 'most-stock' });
    await stockAt('a', 'north', 3);
    await stockAt('a', 'south', 10);
    await inv.deliver(events.placed('o1', [{ productId: 'a', quantity: 5 }]));
    const [reserved] = await inv.emitted('io.stockflow.stock.reserved');
    expect(reserved!.data).toMatchObject({
      allocations: [{ productId: 'a', locationId: 'south', quantity: 5 }],
    });
  });

  it('rejects the whole order when all active locations together are short; inactive ones do not count', async () => {
    const { inv, stockAt, ok, level } = await start();
    await stockAt('a', 'north', 3);
    await stockAt('a', 'south', 10);
    await stockAt('b', 'north', 5);
    await ok('/locations/south', adminJson('PATCH', { active: false }));
    const before = await level('b');
    await inv.deliver(
      events.placed('o1', [
        { productId: 'b', quantity: 1 },
        { productId: 'a', quantity: 5 },
      ]),
    );
    const [rejected] = await inv.emitted('io.stockflow.stock.rejected');
    expect(rejected!.data).toEqual({
      orderId: 'o1',
      shortages: [{ productId: 'a', requested: 5, available: 3 }],
    });
    expect(await level('b')).toEqual(before);
  });

  it('commits one shipment per location; the whole order shipped commits what is left', async () => {
    const { inv, stockAt, at, ok } = await start();
    await stockAt('a', 'north', 3);
    await stockAt('a', 'south', 10);
    await inv.deliver(events.placed('o1', [{ productId: 'a', quantity: 5 }]));
    await inv.deliver(events.shipmentShipped('o1', 'south', [{ productId: 'a', quantity: 2 }], 's1'));
    await inv.deliver(events.shipmentShipped('o1', 'south', [{ productId: 'a', quantity: 2 }], 's1'));
    expect(await at('a', 'south')).toMatchObject({ onHand: 8, reserved: 0 });
    expect(await at('a', 'north')).toMatchObject({ onHand: 3, reserved: 3 });
    await inv.deliver(events.shipped('o1'));
    expect(await at('a', 'north')).toMatchObject({ onHand: 0, reserved: 0 });
    const committed = await inv.emitted('io.stockflow.stock.committed');
    expect(committed.map((e) => e.data)).toEqual([
      { orderId: 'o1', items: [{ productId: 'a', quantity: 2 }], locationId: 'south', shipmentId: 'south' },
      { orderId: 'o1', items: [{ productId: 'a', quantity: 3 }] },
    ]);
    const { items } = await ok<{ items: Movement[] }>('/movements?productId=a');
    expect(items.filter((m) => m.reason === 'sold').map((m) => [m.locationId, m.delta, m.reference])).toEqual(
      [
        ['north', -3, 'o1'],
        ['south', -2, 'o1'],
      ],
    );
    expect(await inv.audit()).toEqual([]);
  });

  it('releases every location of a cancelled order', async () => {
    const { inv, stockAt, level } = await start();
    await stockAt('a', 'north', 3);
    await stockAt('a', 'south', 10);
    await inv.deliver(events.placed('o1', [{ productId: 'a', quantity: 5 }]));
    await inv.deliver(events.cancelled('o1'));
    expect(await level('a')).toMatchObject({ onHand: 13, reserved: 0 });
    expect(await inv.audit()).toEqual([]);
  });
});

describe('transfers', () => {
  it('requested → dispatched (leaves the source, in transit) → received with a difference and its reason', async () => {
    const { stockAt, ok, call, at, level, inv } = await start();
    await stockAt('a', 'north', 10);
    const requested = await ok<Transfer>(
      '/transfers',
      adminJson('POST', { from: 'north', to: 'south', lines: [{ productId: 'a', quantity: 6 }] }),
      201,
    );
    expect(requested).toMatchObject({ state: 'requested', from: 'north', to: 'south' });
    expect(await at('a', 'north')).toMatchObject({ onHand: 10 });
    const dispatched = await ok<Transfer>(`/transfers/${requested.id}/dispatch`, adminJson('POST'));
    expect(dispatched.state).toBe('dispatched');
    expect(await at('a', 'north')).toMatchObject({ onHand: 4 });
    expect(await at('a', 'south')).toMatchObject({ onHand: 0, inTransit: 6 });
    expect(await level('a')).toMatchObject({ onHand: 4, inTransit: 6 });
    expect((await call(`/transfers/${requested.id}/dispatch`, adminJson('POST'))).status).toBe(409);
    // A different quantity needs a reason.
    const noReason = await call(
      `/transfers/${requested.id}/receive`,
      adminJson('POST', { lines: [{ productId: 'a', quantity: 5 }] }),
    );
    expect(noReason.status).toBe(422);
    const received = await ok<Transfer>(
      `/transfers/${requested.id}/receive`,
      adminJson('POST', { lines: [{ productId: 'a', quantity: 5 }], reason: 'one broken in transit' }),
    );
    expect(received).toMatchObject({
      state: 'received',
      received: [{ productId: 'a', quantity: 5 }],
      discrepancies: [{ productId: 'a', dispatched: 6, received: 5, reason: 'one broken in transit' }],
    });
    expect(received.history.map((h) => h.state)).toEqual(['requested', 'dispatched', 'received']);
    expect(received.history[1]!.actor).toEqual({ subject: 'test-manager', name: 'Test Manager' });
    expect(await at('a', 'south')).toMatchObject({ onHand: 5, inTransit: 0 });
    const { items } = await ok<{ items: Transfer[] }>('/transfers?state=received');
    expect(items.map((t) => t.id)).toEqual([requested.id]);
    expect(await inv.audit()).toEqual([]);
  });

  it('refuses a dispatch the source cannot cover, cancels a requested one, 404s an unknown one', async () => {
    const { stockAt, ok, call } = await start();
    await stockAt('a', 'north', 2);
    const body = { from: 'north', to: 'south', lines: [{ productId: 'a', quantity: 3 }] };
    const t = await ok<Transfer>('/transfers', adminJson('POST', body), 201);
    expect((await call(`/transfers/${t.id}/dispatch`, adminJson('POST'))).status).toBe(409);
    expect((await ok<Transfer>(`/transfers/${t.id}/cancel`, adminJson('POST'))).state).toBe('cancelled');
    expect((await call(`/transfers/${t.id}/cancel`, adminJson('POST'))).status).toBe(409);
    expect((await call('/transfers/nope/dispatch', adminJson('POST'))).status).toBe(404);
    expect((await call('/transfers', adminJson('POST', { ...body, to: 'north' }))).status).toBe(422);
    expect((await call('/transfers', adminJson('POST', { ...body, to: 'east' }))).status).toBe(422);
    expect((await call('/transfers', adminJson('POST', { ...body, lines: [] }))).status).toBe(400);
  });
});

describe('movements', () => {
  it('records who, when, where, why, before and after; filters and pages; a crafted cursor is a 400', async () => {
    const { stockAt, ok, call } = await start();
    await stockAt('a', 'north', 5);
    await stockAt('a', 'south', 2);
    await stockAt('b', 'north', 1);
    await stockAt('a', 'north', -1);
    const all = await ok<{ items: Movement[]; nextCursor: string | null }>('/movements?productId=a');
    expect(all.items.map((m) => [m.locationId, m.delta, m.before, m.after, m.reason])).toEqual([
      ['north', -1, 5, 4, 'adjusted'],
      ['south', 2, 0, 2, 'adjusted'],
      ['north', 5, 0, 5, 'adjusted'],
    ]);
    expect(all.items[0]).toMatchObject({
      actor: { subject: 'test-manager', name: 'Test Manager' },
      note: 'count',
      at: expect.any(String),
    });
    const north = await ok<{ items: Movement[] }>('/movements?locationId=north');
    expect(north.items).toHaveLength(3);
    const first = await ok<{ items: Movement[]; nextCursor: string }>('/movements?limit=2');
    expect(first.items).toHaveLength(2);
    const second = await ok<{ items: Movement[]; nextCursor: string | null }>(
      `/movements?limit=2&cursor=${first.nextCursor}`,
    );
    expect(second.items).toHaveLength(2);
    expect(second.nextCursor).toBeNull();
    const since = await ok<{ items: Movement[] }>(`/movements?since=${encodeURIComponent(all.items[0]!.at)}`);
    expect(since.items.map((m) => m.id)).toContain(all.items[0]!.id);
    expect((await call('/movements?cursor=bm90LW91cnM')).status).toBe(400);
    expect((await call('/movements?limit=0')).status).toBe(400);
    expect((await call('/movements?since=yesterday')).status).toBe(400);
  });
});

describe('reorder view', () => {
  it('lists products at or below threshold, counting what is in transit', async () => {
    const { stockAt, ok } = await start();
    await stockAt('low', 'north', 2);
    await stockAt('fine', 'north', 50);
    await stockAt('moving', 'north', 8);
    const t = await ok<Transfer>(
      '/transfers',
      adminJson('POST', { from: 'north', to: 'south', lines: [{ productId: 'moving', quantity: 4 }] }),
      201,
    );
    await ok(`/transfers/${t.id}/dispatch`, adminJson('POST'));
    const { items } = await ok<{ items: Array<{ productId: string }> }>('/reorder');
    expect(items).toEqual([
      { productId: 'low', available: 2, inTransit: 0, lowStockThreshold: 5, suggested: 4, lowAt: ['north'] },
    ]);
  });
});

describe('CSV', () => {
  const csv = (text: string, dryRun: boolean): RequestInit & { path: string } => ({
    path: `/imports?dryRun=${dryRun}`,
    method: 'POST',
    headers: { ...ADMIN, 'content-type': 'text/csv' },
    body: text,
  });
  const post = (
    call: (p: string, i: RequestInit) => Response | Promise<Response>,
    r: ReturnType<typeof csv>,
  ) => call(r.path, r);

  it('exports stock per location and movements, streamed as text/csv', async () => {
    const { stockAt, call } = await start();
    await stockAt('a', 'north', 5);
    await stockAt('a', 'south', 2);
    const stock = await call('/export/stock.csv');
    expect(stock.headers.get('content-type')).toMatch(/^text\/csv/);
    expect((await stock.text()).split('\r\n')).toEqual([
      'productId,locationId,onHand,reserved,available,inTransit,lowStockThreshold',
      'a,north,5,0,5,0,5',
      'a,south,2,0,2,0,5',
      '',
    ]);
    const movements = (await (await call('/export/movements.csv')).text()).split('\r\n');
    expect(movements[0]).toBe('at,productId,locationId,delta,reason,before,after,reference,note,actor,id');
    expect(movements.slice(1, -1).map((line) => line.split(',').slice(1, 7))).toEqual([
      ['a', 'south', '2', 'adjusted', '0', '2'],
      ['a', 'north', '5', 'adjusted', '0', '5'],
    ]);
  });

  it('previews every row and every error with its line number, applying nothing', async () => {
    const { stockAt, call, level, inv } = await start();
    await stockAt('a', 'north', 5);
    await inv.deliver(events.placed('o1', [{ productId: 'a', quantity: 4 }]));
    const file = [
      'productId,locationId,counted',
      'a,north,7',
      'b,,3',
      'a/x,north,1',
      'c,east,1',
      'd,south,-2',
      'a,north,8',
      'e,south',
      '"f",south,"2"',
    ].join('\n');
    const before = await level('a');
    const res = await post(call, csv(file, true));
    expect(res.status).toBe(200);
    const preview = (await res.json()) as ImportResult;
    expect(preview).toMatchObject({
      dryRun: true,
      applied: false,
      fileHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(preview.rows).toEqual([
      { line: 2, productId: 'a', locationId: 'north', before: 5, after: 7, delta: 2 },
      { line: 3, productId: 'b', locationId: 'default', before: 0, after: 3, delta: 3 },
      { line: 9, productId: 'f', locationId: 'south', before: 0, after: 2, delta: 2 },
    ]);
    expect(preview.errors.map((e) => e.line)).toEqual([4, 5, 6, 7, 8]);
    expect(preview.errors[3]!.message).toMatch(/line 2 already/);
    // Applying a file with errors applies nothing.
    const refused = await post(call, csv(file, false));
    expect(refused.status).toBe(422);
    expect(await level('a')).toEqual(before);
    // A count below what is reserved is an error of its row.
    const below = (await (
      await post(call, csv('productId,locationId,counted\na,north,3', true))
    ).json()) as ImportResult;
    expect(below.errors).toEqual([{ line: 2, message: expect.stringMatching(/4 reserved/) }]);
    expect((await call('/imports?dryRun=true', { method: 'POST', headers: ADMIN, body: 'x' })).status).toBe(
      415,
    );
    const header = (await (await post(call, csv('sku,qty\nx,1', true))).json()) as ImportResult;
    expect(header.errors).toEqual([{ line: 1, message: expect.stringMatching(/header/) }]);
  });

  it('applies a file once: counted movements, and the same file again changes nothing', async () => {
    const { stockAt, call, at, ok, inv } = await start();
    await stockAt('a', 'north', 5);
    const file = 'productId,locationId,counted\r\na,north,7\r\nb,south,3\r\n';
    const applied = (await (await post(call, csv(file, false))).json()) as ImportResult;
    expect(applied).toMatchObject({ applied: true, alreadyApplied: false });
    expect(await at('a', 'north')).toMatchObject({ onHand: 7 });
    expect(await at('b', 'south')).toMatchObject({ onHand: 3 });
    const again = (await (await post(call, csv(file, false))).json()) as ImportResult;
    expect(again).toMatchObject({ alreadyApplied: true });
    expect(await at('a', 'north')).toMatchObject({ onHand: 7 });
    const { items } = await ok<{ items: Movement[] }>('/movements?productId=a&locationId=north');
    expect(items[0]).toMatchObject({ reason: 'counted', delta: 2, before: 5, after: 7 });
    expect(items[0]!.reference).toMatch(/^import [0-9a-f]{12} line 2$/);
    expect(await inv.audit()).toEqual([]);
  });
});

describe('the contract', () => {
  it('answers bodies that parse with the schemas in packages/contracts (what the admin UI uses)', async () => {
    const { stockAt, ok, call } = await start();
    const conforms = <S extends z.ZodMiniType>(schema: S, body: unknown) => {
      const result = schema.safeParse(body);
      expect(result.success, JSON.stringify(result.error?.issues)).toBe(true);
    };
    conforms(StockLevel, await stockAt('a', 'north', 2));
    for (const l of (await ok<{ items: unknown[] }>('/locations')).items) conforms(Location, l);
    const t = await ok<Transfer>(
      '/transfers',
      adminJson('POST', { from: 'north', to: 'south', lines: [{ productId: 'a', quantity: 1 }] }),
      201,
    );
    conforms(Transfer, t);
    conforms(Transfer, await ok(`/transfers/${t.id}/dispatch`, adminJson('POST')));
    for (const m of (await ok<{ items: unknown[] }>('/movements')).items) conforms(Movement, m);
    for (const r of (await ok<{ items: unknown[] }>('/reorder')).items) conforms(ReorderEntry, r);
    const res = await call('/imports?dryRun=true', {
      method: 'POST',
      headers: { ...ADMIN, 'content-type': 'text/csv' },
      body: 'productId,locationId,counted\na,north,3\nb,x/y,1\n',
    });
    conforms(ImportResult, await res.json());
  });
});
