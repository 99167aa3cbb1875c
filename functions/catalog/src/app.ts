/**
 * @module catalog: the products shoppers browse and inventory managers keep. Reads are public;
 * creating, changing and archiving need a manager, and each is announced as an
 * `io.stockflow.product.*` event, with its actor, committed with the change (transactional outbox).
 */
import { randomUUID } from 'node:crypto';
import { type Actor, NewProduct, Product, ProductChanges } from '@stockflow/contracts';
import {
  actorOf,
  conflict,
  defineFunction,
  notFound,
  pageLimit,
  readJson,
  readQuery,
  requireRole,
  unprocessable,
  withActor,
} from '@stockflow/kit';
import * as z from 'zod/mini';
import {
  archiveProduct,
  changeProduct,
  createProduct,
  ProductArchivedError,
  type ProductChange,
  SkuChangeError,
  SkuTakenError,
} from './product.ts';
import { CatalogStore } from './store.ts';

const ListQuery = z.object({
  q: z.optional(z.string().check(z.maxLength(200))),
  category: z.optional(z.string().check(z.maxLength(100))),
  limit: pageLimit(),
  cursor: z.optional(z.string().check(z.maxLength(1000))),
});

/** The domain's refusals as HTTP answers. */
function asProblem(error: unknown): never {
  if (error instanceof SkuTakenError) throw conflict(error.message, { sku: error.sku });
  if (error instanceof ProductArchivedError) throw conflict(error.message);
  if (error instanceof SkuChangeError) throw unprocessable(error.message);
  throw error;
}

const now = () => new Date().toISOString();

export const catalog = defineFunction({
  name: 'catalog',
  // Consumes no event types; `/events` still answers the PingSource that sweeps the outbox.
  events: {},
  routes(app, rt) {
    const store = new CatalogStore(() => rt.db());
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

    app.get('/products', async (c) => c.json(await store.list(readQuery(c, ListQuery))));

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
  },
});
