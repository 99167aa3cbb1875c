/**
 * @module Bundles a function's entry into one small ESM file for Node (what its image runs and what
 * `npm start` runs). The Firestore client stays external: it is loaded from node_modules on first
 * use, so a cold start does not pay for it.
 */
import { build } from 'esbuild';

export const EXTERNAL = ['@google-cloud/firestore'];

/**
 * Writes `<outdir>/main.mjs` and the chunks it loads on demand (code split at dynamic imports).
 * Returns the size of what a cold start loads (main.mjs) and of everything.
 */
export async function bundleFunction(
  entry: string,
  outdir: string,
): Promise<{ bytes: number; totalBytes: number }> {
  const result = await build({
    entryPoints: { main: entry },
    outdir,
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    sourcemap: 'linked',
    metafile: true,
    legalComments: 'none',
    external: EXTERNAL,
    // CommonJS dependencies (the cloudevents SDK) call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'warning',
  });
  let bytes = 0;
  let totalBytes = 0;
  for (const [path, output] of Object.entries(result.metafile.outputs)) {
    if (!path.endsWith('.mjs')) continue;
    totalBytes += output.bytes;
    if (path.endsWith('/main.mjs')) bytes = output.bytes;
  }
  return { bytes, totalBytes };
}
