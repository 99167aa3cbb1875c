/**
 * @module Bundles a function's entry into one small ESM file for Node (what its image runs and what
 * `npm start` runs). The Firestore client stays external: it is loaded from node_modules on first
 * use, so a cold start does not pay for it.
 */
import { isBuiltin } from 'node:module';
import { build } from 'esbuild';

export const EXTERNAL = ['@google-cloud/firestore'];

export interface BundleResult {
  /** Bytes of what a cold start loads: main.mjs and the chunks it imports statically. */
  bytes: number;
  /** Bytes of main.mjs and every chunk. */
  totalBytes: number;
  /** The npm packages the bundle imports at run time (left external), e.g. `@google-cloud/firestore`. */
  externals: string[];
}

/**
 * Writes `<outdir>/main.mjs` and its chunks (code split at dynamic imports; code shared by main and
 * a lazy chunk goes to a chunk main imports).
 * Returns their sizes and the packages the output still imports from node_modules.
 */
export async function bundleFunction(entry: string, outdir: string): Promise<BundleResult> {
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
  const { outputs } = result.metafile;
  let totalBytes = 0;
  const externals = new Set<string>();
  for (const [path, output] of Object.entries(outputs)) {
    if (!path.endsWith('.mjs')) continue;
    totalBytes += output.bytes;
    for (const imported of output.imports) {
      if (imported.external && !isNodeBuiltin(imported.path)) externals.add(packageName(imported.path));
    }
  }
  // A cold start loads main.mjs and every chunk it imports statically, however deep (code shared
  // by main and a lazy chunk lands in a chunk of its own that main imports).
  const loaded = new Set<string>();
  const load = (path: string) => {
    if (loaded.has(path)) return;
    loaded.add(path);
    for (const imported of outputs[path]!.imports) {
      if (!imported.external && imported.kind === 'import-statement') load(imported.path);
    }
  };
  // The entry's output (lazy chunks are entry points too, of their dynamic imports).
  const main = Object.keys(outputs).find(
    (path) => /(^|\/)main\.mjs$/.test(path) && outputs[path]!.entryPoint !== undefined,
  );
  if (!main) throw new Error(`esbuild wrote no entry point for ${entry}`);
  load(main);
  const bytes = [...loaded].reduce((sum, path) => sum + outputs[path]!.bytes, 0);
  return { bytes, totalBytes, externals: [...externals].sort() };
}

/**
 * A module of Node itself. `node:` names count whatever this Node knows: undici's optional cache
 * store names `node:sqlite` (Node 22.5+), which it only loads when asked for.
 */
const isNodeBuiltin = (specifier: string) => specifier.startsWith('node:') || isBuiltin(specifier);

/** `@scope/name/sub/path` -> `@scope/name`; `name/sub` -> `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}
