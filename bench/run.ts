/**
 * @module `npm run bench [-- name...]`: runs the named benchmarks, or all of them. Each bench prints
 * its figures and, as its last stdout line, one JSON object with them. Run all, the figures go to
 * bench/RESULTS.md beside their targets and the machine (a bench that fails is reported there and
 * the run exits 1); run by name, the targets are printed and RESULTS.md is left as it was, so the
 * report always comes from one run on one machine.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { check, describeMachine, type Outcome, renderReport } from './report.ts';

const BENCHES: Record<string, () => Promise<{ run(): Promise<Record<string, unknown>> }>> = {
  bundle: () => import('./bundle.ts'),
  coldstart: () => import('./coldstart.ts'),
  'first-answer': () => import('./first-answer.ts'),
  'hot-sku': () => import('./hot-sku.ts'),
  'inventory-import': () => import('./inventory-import.ts'),
  'products-import': () => import('./products-import.ts'),
  ledger: () => import('./ledger.ts'),
  mesh: () => import('./mesh.ts'),
  orders: () => import('./orders.ts'),
  verify: () => import('./verify.ts'),
  web: () => import('./web.ts'),
  e2e: () => import('./e2e.ts'),
  vitals: () => import('./vitals.ts'),
};

const asked = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const unknown = asked.filter((name) => !BENCHES[name]);
if (unknown.length) {
  console.error(`unknown bench "${unknown.join('", "')}"; known: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}
const all = asked.length === 0;
const machine = describeMachine();
const startedAt = new Date();
const outcomes: Outcome[] = [];
for (const name of all ? Object.keys(BENCHES) : asked) {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  try {
    const figures = await (await BENCHES[name]!()).run();
    outcomes.push({ bench: name, seconds: seconds(), figures });
    for (const c of check(name, figures).filter((c) => c.target)) {
      console.error(`${name} ${c.figure} ${c.value} (target ${c.target}): ${c.met ? 'met' : 'MISSED'}`);
    }
    console.log(JSON.stringify({ bench: name, ...figures }));
  } catch (error) {
    // Run alone, a failing bench stops the run; in the full run the others still run and report.
    if (!all) throw error;
    console.error(`bench ${name} failed:`, error);
    outcomes.push({ bench: name, seconds: seconds(), error: (error as Error).message.split('\n')[0] });
    process.exitCode = 1;
  }
}

if (all) {
  const file = new URL('RESULTS.md', import.meta.url);
  writeFileSync(file, renderReport({ outcomes, startedAt, machine, loadAtEnd: loadavg() }));
  // Biome formats Markdown too (its table alignment): written as `npm test`'s biome ci expects it.
  const biome = new URL('../node_modules/.bin/biome', import.meta.url).pathname;
  spawnSync(biome, ['format', '--write', file.pathname], { stdio: 'inherit' });
  console.error(`wrote ${file.pathname}`);
}
