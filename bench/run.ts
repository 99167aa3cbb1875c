/**
 * @module `npm run bench [-- name...]`: runs the named benchmarks (all when none is named). Each
 * bench prints its figures and, as its last stdout line, one JSON object with its ratios.
 */
const BENCHES: Record<string, () => Promise<{ run(): Promise<Record<string, unknown>> }>> = {
  bundle: () => import('./bundle.ts'),
  coldstart: () => import('./coldstart.ts'),
  'hot-sku': () => import('./hot-sku.ts'),
  ledger: () => import('./ledger.ts'),
  mesh: () => import('./mesh.ts'),
  orders: () => import('./orders.ts'),
  web: () => import('./web.ts'),
};

const asked = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const names = asked.length ? asked : Object.keys(BENCHES);
for (const name of names) {
  const load = BENCHES[name];
  if (!load) {
    console.error(`unknown bench "${name}"; known: ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
  const result = await (await load()).run();
  console.log(JSON.stringify({ bench: name, ...result }));
}

export {};
