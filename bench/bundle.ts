/**
 * @module Bundle size: every deployable bundled as its image carries it (scripts/bundle.ts, no
 * source maps): what a cold start loads (main.mjs and the chunks it imports statically) and
 * everything with the chunks loaded on demand, in KiB. Target: a cold start loads at most 128 KiB of
 * bundle; the rest (the CloudEvents SDK, metrics, tracing) loads on first use.
 */
import { join } from 'node:path';
import { bundleFunction } from '../scripts/bundle.ts';
import { listDeployables, ROOT } from '../scripts/deployables.ts';
import { round } from './stats.ts';

const kib = (bytes: number) => round(bytes / 1024, 1);

export async function run() {
  const sizes: { name: string; startKb: number; totalKb: number; externals: string[] }[] = [];
  for (const deployable of listDeployables()) {
    const outdir = join(ROOT, '.artifacts', 'bench', 'bundle', deployable.name);
    const { bytes, totalBytes, externals } = await bundleFunction(join(ROOT, deployable.entry), outdir);
    sizes.push({ name: deployable.name, startKb: kib(bytes), totalKb: kib(totalBytes), externals });
    console.log(
      `${deployable.name}: ${kib(bytes)} KiB at start, ${kib(totalBytes)} KiB in all; ` +
        `external: ${externals.join(', ') || 'none'}`,
    );
  }
  const largest = sizes.reduce((a, b) => (b.totalKb > a.totalKb ? b : a));
  const largestStart = sizes.reduce((a, b) => (b.startKb > a.startKb ? b : a));
  return {
    largestFunctionKb: largest.totalKb,
    largestFunction: largest.name,
    largestStartKb: largestStart.startKb,
    // The share of the largest function's code a cold start loads.
    startShare: round(largest.startKb / largest.totalKb),
  };
}
