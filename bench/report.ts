/**
 * @module The benchmark report: each bench's final figures beside its target (met or missed), the
 * machine they were measured on, written as bench/RESULTS.md by `npm run bench` when it runs them all.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

export type Figures = Record<string, unknown>;

/** What one bench produced: its final JSON figures, or the error that stopped it. */
export interface Outcome {
  bench: string;
  seconds: number;
  figures?: Figures;
  error?: string;
}

interface Target {
  figure: string;
  /** As the report states it, e.g. `≤ 2.0`. */
  text: string;
  met: (value: number) => boolean;
}

/** A limit as the issue writes it (`'2.0'`), so the report states it the same way. */
const atMost = (figure: string, limit: string): Target => ({
  figure,
  text: `≤ ${limit}`,
  met: (v) => v <= Number(limit),
});
const exactly = (figure: string, value: string): Target => ({
  figure,
  text: `= ${value}`,
  met: (v) => v === Number(value),
});
const atLeast = (figure: string, limit: string): Target => ({
  figure,
  text: `≥ ${limit}`,
  met: (v) => v >= Number(limit),
});

/** Each bench's targets (from its module comment and issue #8); other figures are stated as measured. */
export const TARGETS: Record<string, Target[]> = {
  coldstart: [atMost('ratio', '1.5')],
  'first-answer': [atMost('ratio', '1.25')],
  mesh: [atLeast('ratio', '0.6'), atMost('p50AddedMsAt200', '1.5')],
  'hot-sku': [
    atLeast('ratio', '0.5'),
    atLeast('ratio3', '0.5'),
    atLeast('ratio2', '0.5'),
    atLeast('ratio3x2', '0.5'),
    exactly('oversold', '0'),
  ],
  'inventory-import': [atMost('applyMs', '60000')],
  'products-import': [atMost('applyMs', '60000')],
  web: [atMost('firstLoadJsGzipKb', '50')],
  bundle: [atMost('largestStartKb', '128')],
  orders: [atMost('placeRatio', '2.5'), atMost('searchRatio', '2.5')],
  // consumeOnce's latency over the ledger's own path: above 1, the ledger's single create is faster.
  ledger: [atLeast('ratio', '1.0')],
  vitals: [atMost('worstRatio', '0.5'), exactly('accessibility', '100')],
};

/** What each figure means, for the table (figures not listed keep their own name). */
const LABELS: Record<string, string> = {
  'coldstart.ratio': 'function / bare node:http, first 2xx',
  'coldstart.functionMs': 'function first 2xx (ms)',
  'coldstart.bareMs': 'bare node:http first 2xx (ms)',
  'first-answer.ratio': 'slowest function / floor (Firestore client + node:http), first real answer',
  'first-answer.worstFunction': 'the function with the highest ratio',
  'first-answer.functionMs': 'its first answer needing Firestore, from spawn (ms)',
  'first-answer.floorMs': 'the floor: same read, client + node:http, from spawn (ms)',
  'mesh.ratio': 'through the mesh (identity on) / direct, events/s',
  'mesh.meshPerSec': 'through the mesh, identity on (events/s)',
  'mesh.directPerSec': 'direct to the subscriber (events/s)',
  'mesh.p50AddedMs': 'latency the mesh adds, p50 (ms)',
  'mesh.p99AddedMs': 'latency the mesh adds, p99 (ms)',
  'mesh.p50AddedMsAt200': 'latency the mesh adds at a steady 200 events/s, p50 (ms)',
  'mesh.insecurePerSec': 'through the mesh, identity off (events/s)',
  'mesh.insecureRatio': 'identity off / direct, events/s',
  'mesh.meshCpuUs': 'mesh CPU per event, identity on (µs)',
  'mesh.insecureCpuUs': 'mesh CPU per event, identity off (µs)',
  'mesh.verifyUs': 'ingress check per event: token + EventPolicy (µs)',
  'mesh.firstVerifyUs': "ingress check of a token's first event, RS256 signature included (µs)",
  'mesh.policyUs': 'of which the EventPolicy decision (µs)',
  'hot-sku.ratio': 'one hot product / 50 products, orders/s',
  'hot-sku.oversold': 'units oversold',
  'hot-sku.hotPerSec': 'one hot product (orders/s)',
  'hot-sku.spreadPerSec': '50 products (orders/s)',
  'hot-sku.ratio3': 'one hot product over 3 locations / 50 products, orders/s',
  'hot-sku.hot3PerSec': 'one hot product, stock over 3 locations (orders/s)',
  'hot-sku.ratio2': '2 inventory instances: one hot product / 50 products, orders/s',
  'hot-sku.ratio3x2': '2 inventory instances: one hot product over 3 locations / 50 products',
  'hot-sku.hotPerSec2': '2 inventory instances: one hot product (orders/s)',
  'hot-sku.hot3PerSec2': '2 inventory instances: one hot product, stock over 3 locations (orders/s)',
  'hot-sku.spreadPerSec2': '2 inventory instances: 50 products (orders/s)',
  'inventory-import.rows': 'rows in the file',
  'inventory-import.dryRunMs': 'dry run: parse, check, preview (ms)',
  'inventory-import.applyMs': 'apply: every row a counted movement (ms)',
  'inventory-import.reapplyMs': 'the same file again: nothing applied (ms)',
  'inventory-import.rowsPerSec': 'applied rows/s',
  'products-import.rows': 'products in the file',
  'products-import.dryRunMs': 'dry run: parse, check, preview (ms)',
  'products-import.applyMs': 'apply: every row a new product and its event (ms)',
  'products-import.reapplyMs': 'the same file again: nothing applied (ms)',
  'products-import.updateMs': 'a file changing every price: updates (ms)',
  'products-import.rowsPerSec': 'applied rows/s',
  'web.firstLoadJsGzipKb': 'first-load JS, gzip (KB)',
  'web.ratioToTarget': 'share of the budget',
  'bundle.largestStartKb': 'largest bundle a cold start loads (KiB)',
  'bundle.largestFunctionKb': 'largest function, all chunks (KiB)',
  'bundle.startShare': 'share of it loaded at start',
  'orders.placeRatio': 'place an order / smallest transaction',
  'orders.keyedPlaceRatio': 'place with Idempotency-Key / smallest transaction',
  'orders.searchRatio': 'catalog search / plain page',
  'orders.concurrentOrdersPerSecond': '100 concurrent orders (orders/s)',
  'ledger.ratio': 'consumeOnce / ledger create, median latency',
  'ledger.onEachMedianMs': 'ledger create, median (ms)',
  'ledger.consumeOnceMedianMs': 'consumeOnce, median (ms)',
  'orders.placeMs': 'place an order, median (ms)',
  'orders.keyedPlaceMs': 'place with Idempotency-Key, median (ms)',
  'orders.floorMs': 'smallest transaction, median (ms)',
  'orders.readByIdMs': 'catalog read by id, median (ms)',
  'orders.listMs': 'catalog page of 24, median (ms)',
  'orders.searchMs': 'catalog search, median (ms)',
  'web.targetKb': 'budget (KB)',
  'ledger.throughputRatio': 'ledger / consumeOnce, events/s',
  'e2e.ordersPerSec': 'confirmed, paid (orders/s, first POST to last confirmation)',
  'e2e.placedPerSec': 'placed through web (orders/s)',
  'e2e.p50Ms': 'POST → paid → confirmed, p50 (ms)',
  'e2e.p99Ms': 'POST → paid → confirmed, p99 (ms)',
  'e2e.placeP50Ms': 'POST → 202, p50 (ms)',
  'e2e.placeP99Ms': 'POST → 202, p99 (ms)',
  'e2e.soloPlaceP50Ms': 'one shopper alone: POST → 202, p50 (ms)',
  'e2e.soloP50Ms': 'one shopper alone: POST → paid → confirmed, p50 (ms)',
  'e2e.cpuMsPerOrder': 'CPU ms per confirmed order, every process (loaded phase, from /proc)',
  'e2e.nodeCpuMsPerOrder': 'CPU ms per confirmed order, ours: the emulator left out',
  'e2e.orders': 'orders timed',
  'e2e.shoppers': 'concurrent shoppers',
  'bundle.largestFunction': 'the largest function',
  'verify.verifyMedianUs': 'delivery token verification, median (µs)',
  'verify.verificationCostPerDeliveryUs': 'POST /events verified − unverified (µs)',
  'verify.deliveryVerifiedUs': 'POST /events, no-op handler, verified (µs)',
  'verify.deliveryUnverifiedUs': 'POST /events, no-op handler, unverified (µs)',
  'vitals.worstRatio': 'largest of LCP ÷ 2500 ms, TBT ÷ 200 ms, CLS ÷ 0.1 over the pages, medians',
  'vitals.worstAt': 'the page and metric of worstRatio',
  'vitals.accessibility': 'Lighthouse accessibility score, lowest page median',
  'vitals.bestPractices': 'Lighthouse best-practices score, lowest page median',
  'vitals.lcpMs': 'Largest Contentful Paint, slowest page median (ms)',
  'vitals.tbtMs': 'Total Blocking Time, worst page median (ms)',
  'vitals.cls': 'Cumulative Layout Shift, worst page median',
  'vitals.pages': 'pages measured',
  'vitals.runsPerPage': 'Lighthouse runs per page',
};

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  /** 1, 5 and 15 minute load averages. */
  load: number[];
}

export function describeMachine(): Machine {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    // Not Linux: os.cpus() named it.
  }
  return {
    cpu,
    cores: cpus().length,
    memoryGiB: Number((totalmem() / 1024 ** 3).toFixed(1)),
    node: process.version,
    load: loadavg().map((l) => Number(l.toFixed(2))),
  };
}

export interface Check {
  figure: string;
  value: unknown;
  target?: string;
  met?: boolean;
}

/** Every figure of a bench, those with a target first, each checked against it. */
export function check(bench: string, figures: Figures): Check[] {
  const targets = TARGETS[bench] ?? [];
  const checked: Check[] = targets.map((t) => {
    const value = figures[t.figure];
    return { figure: t.figure, value, target: t.text, met: typeof value === 'number' && t.met(value) };
  });
  const rest = Object.entries(figures)
    .filter(([figure]) => !targets.some((t) => t.figure === figure))
    .map(([figure, value]) => ({ figure, value }));
  return [...checked, ...rest];
}

const cell = (text: string) => text.replaceAll('|', '\\|');

export function renderReport({
  outcomes,
  startedAt,
  machine,
  loadAtEnd,
}: {
  outcomes: Outcome[];
  startedAt: Date;
  machine: Machine;
  loadAtEnd: number[];
}): string {
  const rows: string[] = [];
  let met = 0;
  let missed = 0;
  let failed = 0;
  for (const outcome of outcomes) {
    if (!outcome.figures) {
      rows.push(`| ${outcome.bench} | — | — | — | **failed**: ${cell(outcome.error ?? 'no figures')} |`);
      failed++;
      continue;
    }
    for (const c of check(outcome.bench, outcome.figures)) {
      const label = LABELS[`${outcome.bench}.${c.figure}`];
      const verdict = c.target === undefined ? 'measured' : c.met ? 'met' : '**missed**';
      if (c.target !== undefined) c.met ? met++ : missed++;
      rows.push(
        `| ${outcome.bench} | ${label ? `${cell(label)} ` : ''}\`${c.figure}\` | ${c.value} | ${c.target ?? '—'} | ${verdict} |`,
      );
    }
  }
  const jsonLines = outcomes
    .filter((o) => o.figures)
    .map((o) => JSON.stringify({ bench: o.bench, ...o.figures }));
  const seconds = outcomes.reduce((sum, o) => sum + o.seconds, 0);
  return `# Benchmark results

Written by \`npm run bench\` (every bench in one run); do not edit by hand. \`npm run bench -- <name>\`
runs one bench and prints its figures and targets without touching this file.

- **Date:** ${startedAt.toISOString()}
- **Machine:** ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB memory, Node ${machine.node}
- **Load average** (1, 5, 15 min): ${machine.load.join(', ')} at the start, ${loadAtEnd.join(', ')} at the end
- **Run time:** ${Math.round(seconds)} s (${outcomes.map((o) => `${o.bench} ${Math.round(o.seconds)} s`).join(', ')})

The machine is shared with other work and noisy: absolute figures (ms, per second) move from run to
run. Targets are ratios against a floor measured in the same run where a bench has one, so the load
weighs on both sides; the end-to-end figures have no target and are stated as measured.

**Targets: ${met} met, ${missed} missed${failed ? `; ${failed} bench${failed > 1 ? 'es' : ''} failed` : ''}.**

| bench | figure | value | target | |
| --- | --- | ---: | --- | --- |
${rows.join('\n')}

## What each bench measures

- **coldstart**: a kit-based function bundled as its image runs it, spawned with no warm cache, until its first 2xx, against a bare \`node:http\` server; medians of alternating runs.
- **first-answer**: each real function (catalog: a product list; orders: an order read; inventory: one \`/events\` delivery applied), bundled as its image runs it, spawned cold against the emulator until its first answer that needs Firestore, against a floor process that only imports the Firestore client, does the same read and answers over \`node:http\`; medians, the slowest function's figures.
- **mesh**: CloudEvents through the local mesh's broker ingress and a Trigger to a no-op subscriber, against the same events posted straight to it.
- **hot-sku**: 200 concurrent \`order.placed\` for one product (its stock in one location, or spread over 3) against the same load over 50 products, to the bundled inventory process; then the stock audit.
- **inventory-import**: a 10,000-row CSV of stock counts over 3 locations streamed to inventory's import: dry run, apply, and the same file again; then the audit and the rebuild from movements.
- **products-import**: a 10,000-row CSV of products (every column) streamed to catalog's import: dry run, apply (10,000 creates), the same file again, and a file changing every price (updates).
- **web**: what the shop's first page makes the browser download before it runs (entry, modulepreloads, their static imports), gzip.
- **bundle**: each deployable as its image carries it: what a cold start loads, and all chunks.
- **orders**: placing an order against the smallest Firestore transaction, and a catalog search against a plain page, on the emulator.
- **ledger**: the ledger's recording (one create) against recording through the kit's consumeOnce.
- **verify**: checking a delivery's OIDC token (RS256, JWKS warm) alone, and \`POST /events\` of a no-op handler in process with verification against without.
- **vitals**: Lighthouse (mobile emulation: a phone's screen, 4× CPU slowdown, slow 4G, simulated) in Debian's Chromium on the home page, a product page and checkout with a cart of the demo shop, each run from a cold cache, 5 runs each; each page's medians, the worst page's figures reported.
- **e2e**: the whole stack \`npm start\` runs; orders placed through web by concurrent shoppers, each watched on its SSE stream (\`GET /api/orders/:id/events\`) and paid with the approving test card (the payment sandbox's in-process \`pay\`) as soon as its payment step opens, until confirmed: a confirmation includes payments opening the checkout and the provider's signed webhook through web and payments. Every process of the stack (web, the functions, the mesh, the payment sandbox, the Firestore emulator) shares the machine's cores with the shoppers, so its figures are this machine's, not a cluster's.

## Final lines

\`\`\`
${jsonLines.join('\n')}
\`\`\`
`;
}
