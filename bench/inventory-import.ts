/**
 * @module Inventory import: a CSV of 10,000 stock counts (3,334 products × 3 locations) streamed in
 * chunks to inventory's `POST /imports` (the function in this process, app.request, on the Firestore
 * emulator): the dry run (parse, check, preview every row), the apply (every row a `counted`
 * movement, in group commits of 100 rows), and the same file again (nothing applied). Then the
 * audit: the stock equation per location and the levels rebuilt from the movements.
 * Target: the apply within 60 s.
 */
import type { ImportResult } from '@stockflow/contracts';
import { startFirestoreEmulator } from '@stockflow/kit/emulator';
import { testEnv } from '@stockflow/kit/testing';
import { inventory } from '../functions/inventory/src/app.ts';
import { compareRebuild, rebuildLevels } from '../functions/inventory/src/rebuild.ts';
import { auditStock } from '../functions/inventory/src/stock.ts';
import { InventoryStore } from '../functions/inventory/src/store.ts';
import { ADMIN, managerJson } from '../functions/inventory/src/testing.ts';
import { round } from './stats.ts';

const ROWS = 10_000;
const LOCATIONS = ['default', 'north', 'south'];

/** The file as a stream of 64 KiB chunks, as a browser upload arrives. */
function csvStream(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + 65_536));
      offset += 65_536;
    },
  });
}

/** Posts a CSV file streamed as an upload arrives; answers how long it took and the 200's body. */
export async function postCsv<T>(
  app: { request(path: string, init: RequestInit): Response | Promise<Response> },
  path: string,
  headers: Record<string, string>,
  file: string,
): Promise<{ ms: number; body: T }> {
  const started = performance.now();
  const res = await app.request(path, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'text/csv' },
    body: csvStream(file),
    // Node's fetch needs this for a streamed body.
    duplex: 'half',
  } as RequestInit);
  const body = (await res.json()) as T;
  if (res.status !== 200)
    throw new Error(`import answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
  return { ms: performance.now() - started, body };
}

function importFile(): string {
  const lines = ['productId,locationId,counted'];
  for (let i = 0; lines.length <= ROWS; i++) {
    for (const locationId of LOCATIONS) {
      if (lines.length > ROWS) break;
      lines.push(
        `sku-${String(i).padStart(5, '0')},${locationId === 'default' ? '' : locationId},${(i * 7 + locationId.length) % 500}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

export async function run() {
  const emulator = await startFirestoreEmulator();
  process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
  const fn = inventory.create({ env: testEnv('import-bench', { LOG_LEVEL: 'error' }) });
  try {
    for (const [i, id] of LOCATIONS.slice(1).entries()) {
      const res = await fn.app.request('/locations', managerJson('POST', { id, name: id, priority: i + 1 }));
      if (res.status !== 201) throw new Error(`adding location ${id} answered ${res.status}`);
    }
    const file = importFile();
    const send = (dryRun: boolean) => postCsv<ImportResult>(fn.app, `/imports?dryRun=${dryRun}`, ADMIN, file);
    const dry = await send(true);
    if (dry.body.rows.length !== ROWS || dry.body.errors.length) {
      throw new Error(`dry run: ${dry.body.rows.length} rows, ${dry.body.errors.length} errors`);
    }
    const apply = await send(false);
    const again = await send(false);
    if (!apply.body.applied || !again.body.alreadyApplied)
      throw new Error('the import did not apply exactly once');

    const store = new InventoryStore(() => fn.rt.db());
    const { items, reservations, movements, transfers } = await store.everything();
    const problems = [
      ...auditStock(items, reservations),
      ...compareRebuild(items, rebuildLevels(movements, transfers)),
    ];
    const counted = movements.filter((m) => m.reason === 'counted').length;
    console.log(
      `${ROWS} rows (${items.length} products × ${LOCATIONS.length} locations), streamed in 64 KiB chunks to POST /imports (in process, emulator ${emulator.host})`,
    );
    console.log(
      `dry run ${dry.ms.toFixed(0)} ms; apply ${apply.ms.toFixed(0)} ms (${counted} counted movements); same file again ${again.ms.toFixed(0)} ms`,
    );
    console.log(
      `audit: stock equation and rebuild from movements ${problems.length ? `BROKEN: ${problems.slice(0, 5).join('; ')}` : 'hold'}`,
    );
    if (problems.length || counted !== ROWS) process.exitCode = 1;
    return {
      rows: ROWS,
      dryRunMs: Math.round(dry.ms),
      applyMs: Math.round(apply.ms),
      reapplyMs: Math.round(again.ms),
      rowsPerSec: round(ROWS / (apply.ms / 1000), 0),
    };
  } finally {
    await fn.rt.outbox.drain(1_000).catch(() => {});
    await fn.rt.close();
    if (emulator.owned) await emulator.stop();
  }
}
