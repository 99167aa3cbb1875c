/**
 * @module Stages what one deployable's container image holds, for the Dockerfile and the tests alike:
 * `node --import tsx scripts/image.ts <name> <outdir>` writes the bundle (`main.mjs` and its chunks,
 * no source maps), the static assets it serves, and a package.json + package-lock.json naming only
 * the packages the bundle leaves external, at the versions the repo's lockfile pins, so that
 * `npm ci --omit=dev` in `<outdir>` installs production dependencies and nothing else.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { bundleFunction } from './bundle.ts';
import { type Deployable, findDeployable, ROOT } from './deployables.ts';

export interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  optional?: boolean;
  dev?: boolean;
  devOptional?: boolean;
  link?: boolean;
  [field: string]: unknown;
}

export interface Lockfile {
  name?: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockEntry>;
}

/** The same name for every image's manifest, so images with the same externals share a build cache layer. */
const IMAGE_PACKAGE = 'stockflow-image';

export class LockfileError extends Error {
  override name = 'LockfileError';
}

/**
 * Where Node would find `dependency` when required from the package installed at `from` (a lockfile
 * path such as `node_modules/a/node_modules/b`): its own node_modules, then each parent's.
 */
function resolveIn(lock: Lockfile, from: string, dependency: string): string | undefined {
  const segments = from ? from.split('/') : [];
  for (let end = segments.length; end >= 0; end--) {
    const base = segments.slice(0, end).join('/');
    if (base.endsWith('node_modules')) continue;
    const candidate = `${base ? `${base}/` : ''}node_modules/${dependency}`;
    if (lock.packages[candidate] && !lock.packages[candidate].link) return candidate;
  }
  return undefined;
}

/**
 * A lockfile holding only `externals` and everything they need at run time, at the exact versions
 * and paths of `lock` (the repo's workspace lockfile). Throws when an external is not locked.
 */
export function productionLockfile(lock: Lockfile, externals: readonly string[]): Lockfile {
  const workspaces = Object.keys(lock.packages).filter((path) => path && !path.includes('node_modules'));
  const dependencies: Record<string, string> = {};
  const packages: Record<string, LockEntry> = {};
  const queue: string[] = [];

  for (const external of externals) {
    const found = resolveIn(lock, '', external);
    if (!found) {
      const nested = workspaces
        .map((ws) => `${ws}/node_modules/${external}`)
        .find((path) => lock.packages[path]);
      throw new LockfileError(
        nested
          ? `${external} is locked at ${nested}, not hoisted to node_modules/: align its version across workspaces`
          : `${external} is not in package-lock.json: add it to the dependencies of the workspace that imports it`,
      );
    }
    dependencies[external] = lock.packages[found]!.version!;
    queue.push(found);
  }

  while (queue.length) {
    const path = queue.pop()!;
    if (packages[path]) continue;
    const { dev: _dev, devOptional: _devOptional, ...entry } = lock.packages[path]!;
    packages[path] = entry;
    const optional = new Set([
      ...Object.keys(entry.optionalDependencies ?? {}),
      ...Object.entries(entry.peerDependenciesMeta ?? {})
        .filter(([, meta]) => meta.optional)
        .map(([dep]) => dep),
    ]);
    const needed = [
      ...Object.keys(entry.dependencies ?? {}),
      ...Object.keys(entry.optionalDependencies ?? {}),
      ...Object.keys(entry.peerDependencies ?? {}),
    ];
    for (const dependency of needed) {
      const resolved = resolveIn(lock, path, dependency);
      if (resolved) queue.push(resolved);
      else if (!optional.has(dependency)) {
        throw new LockfileError(`${path} needs ${dependency}, which package-lock.json does not hold`);
      }
    }
  }

  const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => a.localeCompare(b)));
  return {
    name: IMAGE_PACKAGE,
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: IMAGE_PACKAGE, dependencies }, ...sorted },
  };
}

export interface StagedImage {
  deployable: Deployable;
  dir: string;
  /** Bytes of main.mjs, and of main.mjs plus chunks. */
  bytes: number;
  totalBytes: number;
  externals: string[];
}

function removeSourceMaps(dir: string): void {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) removeSourceMaps(path);
    else if (entry.endsWith('.map')) rmSync(path);
  }
}

/** Writes `deployable`'s image contents (before `npm ci --omit=dev`) into `outdir`, replacing it. */
export async function stageImage(deployable: Deployable, outdir: string, root = ROOT): Promise<StagedImage> {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const { bytes, totalBytes, externals } = await bundleFunction(join(root, deployable.entry), outdir);
  // Source maps would only load under --enable-source-maps, which parses them at start (cold start).
  removeSourceMaps(outdir);
  if (deployable.assets) {
    const from = join(root, deployable.assets.from);
    if (!existsSync(from))
      throw new Error(`${deployable.assets.from} is missing: run \`npm run build\` first`);
    cpSync(from, join(outdir, deployable.assets.to), { recursive: true });
  }
  const lock = productionLockfile(
    JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')),
    externals,
  );
  const manifest = {
    name: IMAGE_PACKAGE,
    private: true,
    type: 'module',
    dependencies: lock.packages['']!.dependencies,
  };
  writeFileSync(join(outdir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(outdir, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  return { deployable, dir: outdir, bytes, totalBytes, externals };
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const [name, outdir] = process.argv.slice(2);
  if (!name || !outdir) {
    console.error('usage: node --import tsx scripts/image.ts <function|web> <outdir>');
    process.exit(2);
  }
  const staged = await stageImage(findDeployable(name), outdir);
  console.log(
    `staged ${name} in ${outdir}: ${(staged.bytes / 1024).toFixed(1)} KiB at start, ` +
      `${(staged.totalBytes / 1024).toFixed(1)} KiB in all; externals: ${staged.externals.join(', ') || 'none'}`,
  );
}
