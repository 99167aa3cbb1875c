import type { Page, Product, ProductImportResult } from '@stockflow/contracts';
import { asStaff, testEnv } from '@stockflow/kit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { catalog } from './app.ts';
import { outboxRecords } from './testing.ts';

const MANAGER = await asStaff('catalog', 'manager');
const CLERK = await asStaff('catalog', 'clerk');
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

const HEADER = 'sku,name,priceCents,currency,category,description,imageUrl,status';

function start() {
  // The manifest's body limit: a file of 10,000 rows is above the kit's 256 KiB default.
  const fn = catalog.create({ env: testEnv('catalog', { BODY_LIMIT_BYTES: '16777216' }) });
  cleanup.push(async () => {
    await fn.rt.outbox.drain(1_000);
    await fn.rt.close();
  });
  const post = (csv: string, dryRun: boolean, headers: Record<string, string> = MANAGER) =>
    fn.app.request(`/imports?dryRun=${dryRun}`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', ...headers },
      body: csv,
    });
  return {
    fn,
    post,
    result: async (csv: string, dryRun: boolean, status = 200) => {
      const res = await post(csv, dryRun);
      expect(res.status).toBe(status);
      const body = (await res.json()) as ProductImportResult & { result?: ProductImportResult };
      return body;
    },
    create: async (body: Record<string, unknown>) => {
      const res = await fn.app.request('/products', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...MANAGER },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(201);
      return (await res.json()) as Product;
    },
    list: async () => ((await (await fn.app.request('/products?limit=100')).json()) as Page<Product>).items,
    categories: async () =>
      ((await (await fn.app.request('/categories')).json()) as { items: string[] }).items,
    emitted: () => outboxRecords(fn.rt),
  };
}

const TEE = { sku: 'TEE-1', name: 'Tee', priceCents: 1000, currency: 'EUR', category: 'Shirts' };

const lines = (...rows: string[]) => `${[HEADER, ...rows].join('\n')}\n`;

describe('products import', () => {
  it('previews every row (create, update with the fields that change, unchanged) and changes nothing', async () => {
    const api = start();
    const tee = await api.create(TEE);
    await api.create({ sku: 'MUG-1', name: 'Mug', priceCents: 500, currency: 'EUR' });
    const csv = lines(
      'tee-1,Tee,1200,EUR,Shirts,Soft cotton,,active',
      'MUG-1,Mug,500,EUR,,,,',
      'CAP-1,Cap,900,EUR,Hats,,https://img.example/cap.png,',
    );
    const before = await api.emitted();
    const preview = await api.result(csv, true);
    expect(preview).toMatchObject({ dryRun: true, applied: false, alreadyApplied: false, errors: [] });
    expect(preview.fileHash).toMatch(/^[0-9a-f]{64}$/);
    expect(preview.rows).toEqual([
      {
        line: 2,
        sku: 'tee-1',
        productId: tee.id,
        change: 'update',
        fields: { priceCents: { before: 1000, after: 1200 }, description: { after: 'Soft cotton' } },
      },
      { line: 3, sku: 'MUG-1', productId: expect.any(String), change: 'unchanged', fields: {} },
      {
        line: 4,
        sku: 'CAP-1',
        change: 'create',
        fields: {
          name: { after: 'Cap' },
          priceCents: { after: 900 },
          currency: { after: 'EUR' },
          category: { after: 'Hats' },
          imageUrl: { after: 'https://img.example/cap.png' },
          status: { after: 'active' },
        },
      },
    ]);
    expect((await api.list()).map((p) => [p.sku, p.priceCents])).toEqual([
      ['MUG-1', 500],
      ['TEE-1', 1000],
    ]);
    expect(await api.emitted()).toHaveLength(before.length);
  });

  it('answers every error with its line number; applying a file with errors changes nothing (422)', async () => {
    const api = start();
    await api.create({ sku: 'OLD-1', name: 'Old', priceCents: 100, currency: 'EUR' });
    const csv = lines(
      'OK-1,Fine,100,EUR,,,,',
      ',No sku,100,EUR,,,,',
      'BAD-2,Bad price,12.50,EUR,,,,',
      'BAD-3,Bad currency,100,euro,,,,',
      'ok-1,Again,100,EUR,,,,',
      'BAD-5,Few fields,100',
      'BAD-6,Bad status,100,EUR,,,,gone',
      'BAD-7,Bad url,100,EUR,,,not a url,',
      'NEW-8,Archived new,100,EUR,,,,archived',
    );
    const preview = await api.result(csv, true);
    expect(preview.rows.map((row) => row.line)).toEqual([2]);
    expect(preview.errors.map((error) => error.line)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(preview.errors[1]!.message).toMatch(/priceCents/);
    expect(preview.errors[3]!.message).toMatch(/line 2/);

    const res = await api.post(csv, false);
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    expect((await res.json()).errors).toHaveLength(8);
    expect((await api.list()).map((p) => p.sku)).toEqual(['OLD-1']);
  });

  it('refuses a bad header, an empty file and a body that is not text/csv', async () => {
    const api = start();
    expect((await api.result('sku,name,price\nA,B,1\n', true)).errors).toEqual([
      { line: 1, message: expect.stringMatching(/unknown column price/) },
    ]);
    expect((await api.result('name,sku\n', true)).errors).toEqual([
      { line: 1, message: 'the header must name priceCents, currency' },
    ]);
    expect((await api.result('', true)).errors).toEqual([{ line: 1, message: 'the file is empty' }]);
    const json = await api.fn.app.request('/imports?dryRun=true', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...MANAGER },
      body: '{}',
    });
    expect(json.status).toBe(415);
  });

  it('applies creates and updates with their actor, in a new version, once per file', async () => {
    const api = start();
    const tee = await api.create(TEE);
    // Columns in the order a shop's export has them; the columns left out stay as they are.
    const csv = 'name,sku,currency,priceCents,status\nTee,TEE-1,EUR,1500,archived\nCap,CAP-1,USD,900,\n';
    const already = (await api.emitted()).length;
    const applied = await api.result(csv, false);
    expect(applied).toMatchObject({ applied: true, alreadyApplied: false, errors: [] });
    expect(applied.rows.map((row) => [row.sku, row.change])).toEqual([
      ['TEE-1', 'update'],
      ['CAP-1', 'create'],
    ]);
    const capId = applied.rows[1]!.productId!;
    expect(capId).toBeTruthy();

    const updated = (await (await api.fn.app.request(`/products/${tee.id}`)).json()) as Product;
    expect(updated).toMatchObject({ priceCents: 1500, category: 'Shirts', status: 'archived', version: 3 });
    const cap = (await (await api.fn.app.request(`/products/${capId}`)).json()) as Product;
    expect(cap).toMatchObject({ sku: 'CAP-1', name: 'Cap', priceCents: 900, currency: 'USD', version: 1 });
    expect(await api.categories()).toEqual([]);

    const events = (await api.emitted()).slice(already);
    // One transaction's events share a commit time: their order in the outbox is not theirs.
    expect(events.map((event) => [event.type, event.subject]).sort()).toEqual([
      ['io.stockflow.product.archived', tee.id],
      ['io.stockflow.product.created', capId],
      ['io.stockflow.product.updated', tee.id],
    ]);
    for (const event of events) {
      expect((event.data as { actor: { subject: string } }).actor.subject).toBe('test-manager');
    }

    // The same file again: nothing changes, and the answer says so.
    const again = await api.result(csv, false);
    expect(again).toMatchObject({ applied: false, alreadyApplied: true, errors: [] });
    expect(await api.emitted()).toHaveLength(already + 3);
    expect((await api.list()).map((p) => p.sku)).toEqual(['CAP-1']);
  });

  it('resumes an interrupted apply: chunks applied before are not applied again', async () => {
    const api = start();
    const csv = lines(...Array.from({ length: 150 }, (_, i) => `R-${i},Row ${i},${i},EUR,,,,`));
    const first = await api.result(csv, false);
    expect(first.applied).toBe(true);
    const events = (await api.emitted()).length;
    expect(events).toBe(150);
    // As if the request had died after its chunks committed, before the file's record.
    const db = await api.fn.rt.db();
    await db.collection('imports').doc(first.fileHash).delete();
    const resumed = await api.result(csv, false);
    expect(resumed).toMatchObject({ applied: true, alreadyApplied: false, errors: [] });
    expect(resumed.rows).toHaveLength(150);
    expect(resumed.rows.every((row) => row.change === 'unchanged')).toBe(true);
    expect(await api.emitted()).toHaveLength(events);
    expect((await db.collection('products').count().get()).data().count).toBe(150);
  });

  it('removes an optional field for an empty cell and refuses to change an archived product', async () => {
    const api = start();
    await api.create({
      sku: 'A-1',
      name: 'A',
      priceCents: 1,
      currency: 'EUR',
      category: 'Cat',
      description: 'x',
    });
    const applied = await api.result(lines('A-1,A,1,EUR,,,,'), false);
    expect(applied.rows[0]).toMatchObject({
      change: 'update',
      fields: { category: { before: 'Cat' }, description: { before: 'x' } },
    });
    expect(await api.categories()).toEqual([]);
    await api.result(lines('A-1,A,1,EUR,,,,archived'), false);
    const refused = await api.result(lines('A-1,A,2,EUR,,,,archived'), true);
    expect(refused.errors).toEqual([{ line: 2, message: 'A-1 is archived and cannot change' }]);
    // The archived product's row as it stands (a file exported and imported again) is no error.
    const same = await api.result(lines('A-1,A,1,EUR,,,,archived'), true);
    expect(same).toMatchObject({ errors: [], rows: [{ change: 'unchanged', fields: {} }] });
  });

  it('is a manager’s: a clerk and an anonymous caller are refused', async () => {
    const api = start();
    const csv = lines('A-1,A,1,EUR,,,,');
    expect((await api.post(csv, true, CLERK)).status).toBe(403);
    expect((await api.post(csv, false, {})).status).toBe(401);
    expect(await api.list()).toEqual([]);
  });

  it('applies 10,000 rows in chunks, each product with its event', { timeout: 180_000 }, async () => {
    const api = start();
    const rows = Array.from(
      { length: 10_000 },
      (_, i) => `SKU-${i},Product ${i},${100 + i},EUR,Cat ${i % 7},,,`,
    );
    const csv = lines(...rows);
    const started = performance.now();
    const applied = await api.result(csv, false);
    const ms = performance.now() - started;
    expect(applied.rows).toHaveLength(10_000);
    expect(applied.rows.every((row) => row.change === 'create' && row.productId)).toBe(true);
    const db = await api.fn.rt.db();
    expect((await db.collection('products').count().get()).data().count).toBe(10_000);
    expect((await api.emitted()).filter((e) => e.type === 'io.stockflow.product.created')).toHaveLength(
      10_000,
    );
    expect(await api.categories()).toHaveLength(7);
    console.log(`products import: 10,000 rows applied in ${Math.round(ms)} ms`);
  });
});
