/**
 * @module Inventory's admin routes beyond a product's stock: locations, the movements (audit trail),
 * transfers, the reorder view, CSV exports (streamed) and the CSV import of stock counts (dry run,
 * then apply once per file). Every change goes through the stock writer as the admin's command.
 */
import { randomUUID } from 'node:crypto';
import {
  ImportQuery,
  type ImportResult,
  LocationChanges,
  LocationId,
  type MovementActor,
  MovementListQuery,
  MovementQuery,
  NewLocation,
  NewTransfer,
  ReceiveTransfer,
  type ReorderEntry,
  type Transfer,
  TransferQuery,
} from '@stockflow/contracts';
import {
  actorOf,
  conflict,
  notFound,
  readJson,
  readQuery,
  requireRole,
  type StockflowApp,
  unprocessable,
} from '@stockflow/kit';
import { chunksOf, csvBody } from '@stockflow/kit/csv';
import type { Context } from 'hono';
import { csvResponse } from './csv.ts';
import { IMPORT_CHUNK_ROWS, type ImportRow, previewImport, readImport } from './imports.ts';
import { createLocation, DefaultLocationError, LocationExistsError, updateLocation } from './locations.ts';
import {
  available,
  type Change,
  countStock,
  inTransit,
  locationsOf,
  StockBelowReservedError,
  type StockItem,
  type TransitionContext,
  UnknownLocationError,
} from './stock.ts';
import type { InventoryStore } from './store.ts';
import {
  cancelTransfer,
  dispatchTransfer,
  receiveTransfer,
  requestTransfer,
  TransferRefusedError,
  TransferShortError,
  TransferStateError,
} from './transfers.ts';
import type { Command, InventoryState, StockWriter } from './writer.ts';

/** No transfer by that id. */
class TransferNotFoundError extends Error {
  constructor(readonly transferId: string) {
    super(`No transfer ${transferId}.`);
    this.name = 'TransferNotFoundError';
  }
}

/** The domain's refusals as HTTP answers (problem+json); anything else is a bug (500). */
export function asProblem(error: unknown): never {
  if (error instanceof StockBelowReservedError) {
    const { onHand, reserved } = error.item;
    throw conflict(error.message, {
      onHand,
      reserved,
      available: onHand - reserved,
      locationId: error.locationId,
    });
  }
  if (error instanceof UnknownLocationError) {
    throw unprocessable(error.message, { locationId: error.locationId });
  }
  if (error instanceof LocationExistsError) throw conflict(error.message, { locationId: error.locationId });
  if (error instanceof DefaultLocationError || error instanceof TransferRefusedError) {
    throw unprocessable(error.message);
  }
  if (error instanceof TransferStateError) throw conflict(error.message, { state: error.transfer.state });
  if (error instanceof TransferShortError) throw conflict(error.message, { shortages: error.shortages });
  if (error instanceof TransferNotFoundError) throw notFound(error.message);
  throw error;
}

/** A transfer command: reads the transfer `id` (and its products) and moves it along. */
function transferCommand(
  id: string,
  decide: (transfer: Transfer, state: InventoryState, ctx: TransitionContext) => Change,
): Omit<Command, 'actor'> {
  return {
    productIds: [],
    orderIds: [],
    transferIds: [id],
    decide: (state, ctx) => {
      const transfer = state.transfer(id);
      if (!transfer) throw new TransferNotFoundError(id);
      return decide(transfer, state, ctx);
    },
  };
}

/** A product to reorder: available plus what is in transit at or below its threshold. */
export function reorderEntry(item: StockItem): ReorderEntry | undefined {
  const free = available(item);
  const incoming = inTransit(item);
  if (item.archived || free + incoming > item.lowStockThreshold) return undefined;
  return {
    productId: item.productId,
    available: free,
    inTransit: incoming,
    lowStockThreshold: item.lowStockThreshold,
    suggested: item.lowStockThreshold + 1 - free - incoming,
    lowAt: Object.entries(locationsOf(item))
      .filter(([, at]) => at.onHand - at.reserved <= item.lowStockThreshold)
      .map(([locationId]) => locationId),
  };
}

type CsvValues = Array<string | number | undefined>;

/** Pages of CSV rows from pages of records. */
async function* mapPages<T>(pages: AsyncIterable<T[]>, rows: (record: T) => CsvValues[]) {
  for await (const page of pages) yield page.flatMap(rows);
}

const actorName = (actor: MovementActor) => ('system' in actor ? `system:${actor.system}` : actor.name);

/** One chunk of an import as a command, deduplicated like a consumed event by (file hash, index). */
function importChunk(fileHash: string, index: number, rows: ImportRow[], actor: MovementActor): Command {
  return {
    event: { source: '/inventory/imports', id: `${fileHash}:${index}`, type: 'io.stockflow.import.chunk' },
    productIds: rows.map((row) => row.productId),
    orderIds: [],
    actor,
    decide: (state, ctx) => {
      const items = new Map<string, StockItem>();
      const all: Required<Pick<Change, 'movements'>> & Change = { items: [], movements: [], events: [] };
      for (const row of rows) {
        const counted = countStock(
          row.productId,
          items.get(row.productId) ?? state.stock(row.productId),
          {
            counted: row.counted,
            locationId: row.locationId,
            reference: `import ${fileHash.slice(0, 12)} line ${row.line}`,
          },
          ctx,
        );
        items.set(row.productId, counted.items[0]!);
        all.movements.push(...(counted.movements ?? []));
        all.events.push(...counted.events);
      }
      return { ...all, items: [...items.values()] };
    },
  };
}

export function mountAdminRoutes(
  app: StockflowApp,
  { store, writer }: { store: InventoryStore; writer: StockWriter },
): void {
  // Staff roles (docs/security.md): viewers read, clerks move stock, managers set up locations.
  const viewer = requireRole('viewer');
  const clerk = requireRole('clerk');
  const manager = requireRole('manager');
  /** Submits a staff member's command (as its actor); the domain's refusals become problems. */
  const submit = (c: Context, command: Omit<Command, 'actor'>) =>
    writer.submit({ ...command, actor: actorOf(c) }).catch(asProblem);

  /** Moves the transfer `:id` along its saga; answers the transfer. */
  const moveTransfer = async (
    c: Context,
    decide: (transfer: Transfer, state: InventoryState, ctx: TransitionContext) => Change,
  ) => {
    const applied = await submit(c, transferCommand(c.req.param('id')!, decide));
    return c.json(applied!.transfer);
  };

  app.get('/locations', viewer, async (c) => c.json({ items: await store.locations() }));

  app.post('/locations', manager, async (c) => {
    const request = await readJson(c, NewLocation);
    const applied = await submit(c, {
      productIds: [],
      orderIds: [],
      decide: (_state, ctx) => createLocation(request, ctx),
    });
    return c.json(
      applied!.locations!.find((location) => location.id === request.id),
      201,
    );
  });

  app.patch('/locations/:id', manager, async (c) => {
    const id = c.req.param('id');
    if (!LocationId.safeParse(id).success) throw notFound(`There is no location ${id}.`);
    const changes = await readJson(c, LocationChanges);
    const applied = await writer
      .submit({
        productIds: [],
        orderIds: [],
        actor: actorOf(c),
        decide: (_state, ctx) => updateLocation(id, changes, ctx),
      })
      .catch((error) => {
        // The location in the path does not exist: the resource is missing, not the body wrong.
        if (error instanceof UnknownLocationError) throw notFound(error.message);
        return asProblem(error);
      });
    return c.json(applied!.locations!.find((location) => location.id === id));
  });

  app.get('/movements', viewer, async (c) => {
    return c.json(await store.movements(readQuery(c, MovementListQuery)));
  });

  app.get('/transfers', viewer, async (c) => c.json(await store.transfers(readQuery(c, TransferQuery))));

  app.get('/transfers/:id', viewer, async (c) => {
    const transfer = await store.transfer(c.req.param('id'));
    if (!transfer) throw notFound(`No transfer ${c.req.param('id')}.`);
    return c.json(transfer);
  });

  app.post('/transfers', clerk, async (c) => {
    const request = await readJson(c, NewTransfer);
    const id = randomUUID();
    const applied = await submit(c, {
      productIds: [],
      orderIds: [],
      decide: (_state, ctx) => requestTransfer(id, request, ctx),
    });
    return c.json(applied!.transfer, 201);
  });

  app.post('/transfers/:id/dispatch', clerk, (c) =>
    moveTransfer(c, (transfer, state, ctx) => dispatchTransfer(transfer, state.stock, ctx)),
  );

  app.post('/transfers/:id/receive', clerk, async (c) => {
    // The body is optional: without it everything arrived as dispatched.
    const receipt = (await c.req.text()) ? await readJson(c, ReceiveTransfer) : {};
    return moveTransfer(c, (transfer, state, ctx) => receiveTransfer(transfer, receipt, state.stock, ctx));
  });

  app.post('/transfers/:id/cancel', clerk, (c) =>
    moveTransfer(c, (transfer, _state, ctx) => cancelTransfer(transfer, ctx)),
  );

  app.get('/reorder', viewer, async (c) => {
    const items: ReorderEntry[] = [];
    for await (const page of store.scan<StockItem>('stock')) {
      for (const item of page) {
        const entry = reorderEntry(item);
        if (entry) items.push(entry);
      }
    }
    return c.json({ items });
  });

  app.get('/export/stock.csv', viewer, () =>
    csvResponse(
      'stock.csv',
      ['productId', 'locationId', 'onHand', 'reserved', 'available', 'inTransit', 'lowStockThreshold'],
      mapPages(store.scan<StockItem>('stock'), (item) =>
        Object.entries(locationsOf(item)).map(([locationId, at]) => [
          item.productId,
          locationId,
          at.onHand,
          at.reserved,
          at.onHand - at.reserved,
          at.inTransit,
          item.lowStockThreshold,
        ]),
      ),
    ),
  );

  app.get('/export/movements.csv', viewer, (c) => {
    const { productId, locationId, since } = readQuery(c, MovementQuery);
    return csvResponse(
      'movements.csv',
      [
        'at',
        'productId',
        'locationId',
        'delta',
        'reason',
        'before',
        'after',
        'reference',
        'note',
        'actor',
        'id',
      ],
      mapPages(store.movementPages({ productId, locationId, since }), (m) => [
        [
          m.at,
          m.productId,
          m.locationId,
          m.delta,
          m.reason,
          m.before,
          m.after,
          m.reference,
          m.note,
          actorName(m.actor),
          m.id,
        ],
      ]),
    );
  });

  app.post('/imports', clerk, async (c) => {
    const dryRun = readQuery(c, ImportQuery).dryRun === 'true';
    const body = csvBody(c);
    const read = await readImport(body, await store.locations());
    const items = await store.items([...new Set(read.rows.map((row) => row.productId))]);
    const result: ImportResult = {
      fileHash: read.fileHash,
      dryRun,
      applied: false,
      alreadyApplied: false,
      ...previewImport(read, items),
    };
    if (dryRun) return c.json(result);
    if (result.errors.length) throw unprocessable('The file has errors: nothing was applied.', result);
    if (await store.importApplied(read.fileHash)) return c.json({ ...result, alreadyApplied: true });
    const actor = actorOf(c);
    await Promise.all(
      chunksOf(read.rows, IMPORT_CHUNK_ROWS).map((rows, index) =>
        writer.submit(importChunk(read.fileHash, index, rows, actor)).catch(asProblem),
      ),
    );
    await store.markImportApplied(read.fileHash, { rows: read.rows.length, actor });
    return c.json({ ...result, applied: true });
  });
}
