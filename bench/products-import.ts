/**
 * @module Products import: a CSV of 10,000 products (every column, 7 categories) streamed in chunks
 * to catalog's `POST /imports` (the function in this process, app.request, on the Firestore
 * emulator): the dry run (parse, check, preview every row), the apply (10,000 creates, each with
 * its `product.created` in the outbox, 100 rows per transaction), the same file again (nothing
 * applied), and a second file changing every price (10,000 updates). Target: the apply within 60 s.
 */
import type { ProductImportResult } from '@stockflow/contracts';
import { OUTBOX_COLLECTION } from '@stockflow/kit';
import { startFirestoreEmulator } from '@stockflow/kit/emulator';
import { asStaff, testEnv } from '@stockflow/kit/testing';
import { catalog } from '../functions/catalog/src/app.ts';
import { postCsv } from './inventory-import.ts';
import { round } from './stats.ts';

const ROWS = 10_000;

function productsFile(priceStep: number): string {
  const lines = ['sku,name,priceCents,currency,category,description,imageUrl,status'];
  for (let i = 0; i < ROWS; i++) {
    const sku = `SKU-${String(i).padStart(5, '0')}`;
    lines.push(
      `${sku},"Product ${i}, size ${i % 5}",${100 + i * priceStep},EUR,Category ${i % 7},A product for the bench,https://img.example/${sku}.png,active`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export async function run() {
  const emulator = await startFirestoreEmulator();
  process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
  const manager = await asStaff('catalog', 'manager');
  const fn = catalog.create({
    env: testEnv('products-import-bench', { LOG_LEVEL: 'error', BODY_LIMIT_BYTES: '16777216' }),
  });
  try {
    const send = (file: string, dryRun: boolean) =>
      postCsv<ProductImportResult>(fn.app, `/imports?dryRun=${dryRun}`, manager, file);
    const file = productsFile(1);
    const dry = await send(file, true);
    if (dry.body.rows.length !== ROWS || dry.body.errors.length) {
      throw new Error(`dry run: ${dry.body.rows.length} rows, ${dry.body.errors.length} errors`);
    }
    const apply = await send(file, false);
    const again = await send(file, false);
    if (!apply.body.applied || !again.body.alreadyApplied)
      throw new Error('the import did not apply exactly once');
    const update = await send(productsFile(2), false);
    if (update.body.rows.filter((row) => row.change === 'update').length !== ROWS - 1)
      throw new Error('the second file did not update every changed price');

    const db = await fn.rt.db();
    const products = (await db.collection('products').count().get()).data().count;
    const events = (await db.collection(OUTBOX_COLLECTION).count().get()).data().count;
    console.log(
      `${ROWS} products (8 columns, 7 categories), streamed in 64 KiB chunks to catalog's POST /imports (in process, emulator ${emulator.host})`,
    );
    console.log(
      `dry run ${dry.ms.toFixed(0)} ms; apply ${apply.ms.toFixed(0)} ms (${products} products, ${events} events); same file again ${again.ms.toFixed(0)} ms; every price changed ${update.ms.toFixed(0)} ms`,
    );
    if (products !== ROWS || events !== 2 * ROWS - 1) process.exitCode = 1;
    return {
      rows: ROWS,
      dryRunMs: Math.round(dry.ms),
      applyMs: Math.round(apply.ms),
      reapplyMs: Math.round(again.ms),
      updateMs: Math.round(update.ms),
      rowsPerSec: round(ROWS / (apply.ms / 1000), 0),
    };
  } finally {
    await fn.rt.outbox.drain(1_000).catch(() => {});
    await fn.rt.close();
    if (emulator.owned) await emulator.stop();
  }
}
