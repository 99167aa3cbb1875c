/**
 * @module inventory: stock per product and location (onHand, reserved, available, in transit, a
 * low-stock threshold), a reservation per order with the locations holding it, transfers between
 * locations, and every onHand change as a movement. It allocates every line of a placed order across
 * locations or none, releases on cancel, commits per shipment, takes goods received from other
 * systems and returned goods once inspected (events.ts), and clerks' adjustments, counts and imports
 * (recorded with their actor); every change goes
 * through one group-committing writer and commits with its movements and the events it causes. The
 * staff routes for locations, movements, transfers and CSV are in admin.ts.
 */
import {
  type LowStockCount,
  MAX_STOCK_IDS,
  Product,
  StockAdjustment,
  StockCount,
  StockQuery,
  StockSettings,
} from '@stockflow/contracts';
import {
  actorOf,
  authorize,
  badRequest,
  type ConfigOf,
  defineFunction,
  envInt,
  readJson,
  readQuery,
  requireRole,
  staffOf,
} from '@stockflow/kit';
import type { Context } from 'hono';
import * as z from 'zod/mini';
import { asProblem, mountAdminRoutes } from './admin.ts';
import { inventoryEvents, recordActor } from './events.ts';
import {
  adjustStock,
  available,
  type Change,
  countStock,
  type StockItem,
  setLowStockThreshold,
  stockLevel,
  type TransitionContext,
} from './stock.ts';
import { InventoryStore } from './store.ts';
import { StockWriter } from './writer.ts';

const env = {
  /** The low-stock threshold a new stock item starts with. */
  LOW_STOCK_THRESHOLD: z._default(envInt({ min: 0 }), 5),
  /** Least time between two commits (group commit): caps each stock document's write rate. */
  STOCK_COMMIT_INTERVAL_MS: z._default(envInt({ min: 0, max: 10_000 }), 0),
  /** Stock changes that may wait for a commit; more are refused with 503 and Retry-After. */
  STOCK_QUEUE_LIMIT: z._default(envInt({ min: 1, max: 1_000_000 }), 2_000),
  /** How a placed order's lines are spread over locations: by priority, or most available first. */
  ALLOCATION_STRATEGY: z._default(z.enum(['priority', 'most-stock']), 'priority'),
};

export type InventoryConfig = ConfigOf<typeof env>;

const MAX_IDS = MAX_STOCK_IDS;

/** The product ids of `?ids=a,b,c`: distinct, valid, at most MAX_IDS. */
function productIds(list: string): string[] {
  const ids = [...new Set(list.split(',').map((id) => id.trim()))].filter(Boolean);
  if (!ids.length || ids.length > MAX_IDS) throw badRequest(`ids must name 1 to ${MAX_IDS} products.`);
  const invalid = ids.filter((id) => !Product.shape.id.safeParse(id).success);
  if (invalid.length) throw badRequest('Some ids cannot be product ids.', { ids: invalid });
  return ids;
}

/** The `:productId` of a request. */
function productId(param: string): string {
  if (!Product.shape.id.safeParse(param).success) throw badRequest(`${param} cannot be a product id.`);
  return param;
}

/** What one inventory instance works with. */
export interface InventoryServices {
  store: InventoryStore;
  /** The instance's one writer: group commit needs every change of the process in one queue. */
  writer: StockWriter;
}

export const inventory = defineFunction({
  name: 'inventory',
  // CSV imports (a 10,000-row file is over 256 KiB); every other route keeps the JSON limit.
  uploads: /^\/imports\/?$/,
  env,
  services: (rt): InventoryServices => ({
    store: new InventoryStore(() => rt.db()),
    writer: new StockWriter(rt, {
      commitIntervalMs: rt.config.STOCK_COMMIT_INTERVAL_MS,
      defaultLowStockThreshold: rt.config.LOW_STOCK_THRESHOLD,
      maxQueued: rt.config.STOCK_QUEUE_LIMIT,
      strategy: rt.config.ALLOCATION_STRATEGY,
    }),
  }),
  events: inventoryEvents,
  routes(app, rt, { store, writer }) {
    const clerk = requireRole('clerk');
    const levelOf = (id: string, item: StockItem | undefined) =>
      stockLevel(id, item, rt.config.LOW_STOCK_THRESHOLD);
    const availability = (id: string, item: StockItem | undefined) => ({
      productId: id,
      available: item ? available(item) : 0,
    });

    /** Applies a clerk's change to one product's stock, as the clerk; answers its new levels. */
    const change = async (
      c: Context,
      id: string,
      decide: (item: StockItem | undefined, ctx: TransitionContext) => Change,
    ) => {
      const actor = actorOf(c);
      const applied = await writer
        .submit({
          productIds: [id],
          orderIds: [],
          actor,
          decide: (state, ctx) => recordActor(decide(state.stock(id), ctx), actor),
        })
        .catch(asProblem);
      return levelOf(id, applied!.items[0]);
    };

    app.get('/stock', async (c) => {
      const query = readQuery(c, StockQuery);
      if (query.ids !== undefined) {
        const ids = productIds(query.ids);
        const items = await store.items(ids);
        return c.json({ items: ids.map((id) => availability(id, items.get(id))) });
      }
      // Anyone may ask for ?ids=; the full listing is staff's.
      await authorize(c, 'viewer');
      const page = await store.list({ low: query.low === 'true', limit: query.limit, cursor: query.cursor });
      return c.json({
        items: page.items.map((item) => levelOf(item.productId, item)),
        nextCursor: page.nextCursor,
      });
    });

    // The admin overview's tile: three segments, so never a product id.
    app.get('/stock/low/count', requireRole('viewer'), async (c) =>
      c.json({ count: await store.countLow() } satisfies LowStockCount),
    );

    app.get('/stock/:productId', async (c) => {
      const id = productId(c.req.param('productId'));
      const item = (await store.items([id])).get(id);
      return c.json((await staffOf(c)) ? levelOf(id, item) : availability(id, item));
    });

    app.patch('/stock/:productId', clerk, async (c) => {
      const id = productId(c.req.param('productId'));
      const { lowStockThreshold } = await readJson(c, StockSettings);
      return c.json(
        await change(c, id, (item, ctx) => setLowStockThreshold(id, item, lowStockThreshold, ctx)),
      );
    });

    app.post('/stock/:productId/adjustments', clerk, async (c) => {
      const id = productId(c.req.param('productId'));
      const adjustment = await readJson(c, StockAdjustment);
      return c.json(await change(c, id, (item, ctx) => adjustStock(id, item, adjustment, ctx)));
    });

    app.post('/stock/:productId/counts', clerk, async (c) => {
      const id = productId(c.req.param('productId'));
      const count = await readJson(c, StockCount);
      return c.json(await change(c, id, (item, ctx) => countStock(id, item, count, ctx)));
    });

    mountAdminRoutes(app, { store, writer });
  },
});
