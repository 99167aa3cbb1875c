/**
 * @module catalog: the products shoppers browse and inventory managers keep. Reads are public;
 * creating, changing and archiving need a manager, and each is announced as an
 * `io.stockflow.product.*` event, with its actor, committed with the change (transactional outbox);
 * a manager may also import products from CSV (dry run first, then applied in chunks, once per file).
 */
import { randomUUID } from 'node:crypto';
import {
  type Actor,
  ImportQuery,
  NewProduct,
  Product,
  ProductChanges,
  type ProductImportResult,
  ProductQuery,
} from '@stockflow/contracts';
import {
  actorOf,
  type ConfigOf,
  conflict,
  defineFunction,
  notFound,
  readJson,
  readQuery,
  requireRole,
  unprocessable,
  withActor,
} from '@stockflow/kit';
import { chunksOf, csvBody } from '@stockflow/kit/csv';
import { catalogEvents } from './events.ts';
import {
  IMPORT_CHUNK_ROWS,
  type ImportRow,
  planRow,
  previewImport,
  type RowOutcome,
  readImport,
} from './imports.ts';
import {
  archiveProduct,
  changeProduct,
  createProduct,
  ProductArchivedError,
  type ProductChange,
  SkuChangeError,
  SkuTakenError,
  skuKey,
} from './product.ts';
import { CatalogStore } from './store.ts';

/** The domain's refusals as HTTP answers. */
function asProblem(error: unknown): never {
  if (error instanceof SkuTakenError) throw conflict(error.message, { sku: error.sku });
  if (error instanceof ProductArchivedError) throw conflict(error.message);
  if (error instanceof SkuChangeError) throw unprocessable(error.message);
  throw error;
}

const now = () => new Date().toISOString();

export type CatalogConfig = ConfigOf<Record<never, never>>;

/** What one catalog instance works with. */
export interface CatalogServices {
  store: CatalogStore;
}

export const catalog = defineFunction({
  name: 'catalog',
  // CSV imports (a 10,000-row file is over 256 KiB); every other route keeps the JSON limit.
  uploads: /^\/imports\/?$/,
  services: (rt): CatalogServices => ({ store: new CatalogStore(() => rt.db()) }),
  events: catalogEvents,
  routes(app, rt, { store }) {
    const manager = requireRole('manager');

    /** The `:id` of a request; ids that cannot exist are simply not found. */
    const productId = (param: string) => {
      if (!Product.shape.id.safeParse(param).success) throw notFound(`No product ${param}.`);
      return param;
    };

    /** Applies a command to a stored product; the change and its event (with its actor) commit together. */
    const commit = (id: string, actor: Actor, command: (product: Product) => ProductChange) =>
      rt
        .transact(async (work) => {
          const before = await store.read(work, id);
          if (!before) throw notFound(`No product ${id}.`);
          const { product, event } = command(before);
          if (event) {
            await store.replace(work, before, product);
            work.emit(withActor(event, actor));
          }
          return product;
        })
        .catch(asProblem);

    app.get('/products', async (c) => c.json(await store.list(readQuery(c, ProductQuery))));

    app.get('/products/:id', async (c) => {
      const id = productId(c.req.param('id'));
      const product = await store.product(id);
      if (!product) throw notFound(`No product ${id}.`);
      return c.json(product);
    });

    app.get('/categories', async (c) => c.json({ items: await store.categories() }));

    app.post('/products', manager, async (c) => {
      const input = await readJson(c, NewProduct);
      const product = await rt
        .transact(async (work) => {
          const { product, event } = createProduct(randomUUID(), input, now());
          await store.insert(work, product);
          work.emit(withActor(event, actorOf(c)));
          return product;
        })
        .catch(asProblem);
      return c.json(product, 201);
    });

    app.patch('/products/:id', manager, async (c) => {
      const id = productId(c.req.param('id'));
      const changes = await readJson(c, ProductChanges);
      return c.json(await commit(id, actorOf(c), (product) => changeProduct(product, changes, now())));
    });

    app.post('/products/:id/archive', manager, async (c) => {
      const id = productId(c.req.param('id'));
      return c.json(await commit(id, actorOf(c), (product) => archiveProduct(product, now())));
    });

    /**
     * One chunk of an import in one transaction, at most once (its `hash:index` record commits
     * with it): its rows are planned again against what the transaction reads, so a product
     * changed since the preview is updated from its current state. Answers the chunk's rows, or
     * undefined when the chunk was applied before.
     */
    const applyChunk = (fileHash: string, index: number, rows: readonly ImportRow[], actor: Actor) =>
      rt.transact(async (work) => {
        const key = `${fileHash}:${index}`;
        if (await store.importApplied(key, work)) return undefined;
        const bySku = await store.bySku(
          rows.map((row) => row.sku),
          work,
        );
        const at = now();
        const outcomes = rows.map((row) => planRow(row, bySku.get(skuKey(row.sku)), randomUUID, at));
        const refused = outcomes.find((outcome) => 'message' in outcome);
        if (refused) throw conflict(`Line ${refused.line} changed since the preview: ${refused.message}.`);
        const applied = outcomes.filter((outcome): outcome is RowOutcome => !('message' in outcome));
        await store.writeMany(
          work,
          applied.flatMap(({ before, after }) => (after ? [[before, after] as const] : [])),
        );
        for (const { events } of applied) for (const event of events) work.emit(withActor(event, actor));
        await store.markImportApplied(key, { rows: rows.length, actor }, work);
        return applied.map(({ planned, after }) => ({
          ...planned,
          productId: after?.id ?? planned.productId,
        }));
      });

    app.post('/imports', manager, async (c) => {
      const dryRun = readQuery(c, ImportQuery).dryRun === 'true';
      const body = csvBody(c);
      const read = await readImport(body);
      const bySku = await store.bySku(read.rows.map((row) => row.sku));
      const result: ProductImportResult = {
        fileHash: read.fileHash,
        dryRun,
        applied: false,
        alreadyApplied: false,
        ...previewImport(read, bySku, now()),
      };
      if (dryRun) return c.json(result);
      // A file applied before is answered as such, whatever its rows would do to today's catalog.
      if (await store.importApplied(read.fileHash)) return c.json({ ...result, alreadyApplied: true });
      if (result.errors.length) throw unprocessable('The file has errors: nothing was applied.', result);
      const actor = actorOf(c);
      // Chunks one after another: in parallel they would contend on the category counts they share.
      // A chunk applied by an earlier, interrupted request answers as its rows stand now (previewed).
      const previewed = new Map(result.rows.map((row) => [row.line, row]));
      const rows = [];
      for (const [index, chunk] of chunksOf(read.rows, IMPORT_CHUNK_ROWS).entries()) {
        const applied = await applyChunk(read.fileHash, index, chunk, actor);
        rows.push(...(applied ?? chunk.map((row) => previewed.get(row.line)!)));
      }
      await store.markImportApplied(read.fileHash, { rows: read.rows.length, actor });
      return c.json({ ...result, rows, applied: true });
    });
  },
});
