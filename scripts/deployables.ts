/**
 * @module Stockflow's deployables, found from the folders: one name everywhere (folder, image, skaffold
 * artifact, Knative Service, CloudEvent source, Firestore database). A function is
 * `functions/<name>/` with `src/app.ts`; `web` is the SPA and the server that serves it.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = new URL('..', import.meta.url).pathname;

export interface Deployable {
  name: string;
  kind: 'function' | 'web';
  /** The folder, relative to the repo root. */
  dir: string;
  /** The process entry that scripts/bundle.ts bundles into the image's `main.mjs`. */
  entry: string;
  /** The module exporting its `defineFunction(...)` value (web is one too). */
  app: string;
  /** Static files the image serves next to `main.mjs` (built by `npm run build`). */
  assets?: { from: string; to: string };
}

export function listDeployables(root = ROOT): Deployable[] {
  const functionsDir = join(root, 'functions');
  const functions: Deployable[] = readdirSync(functionsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(functionsDir, entry.name, 'src', 'app.ts')))
    .map((entry) => ({
      name: entry.name,
      kind: 'function' as const,
      dir: `functions/${entry.name}`,
      entry: `functions/${entry.name}/src/main.ts`,
      app: `functions/${entry.name}/src/app.ts`,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const web: Deployable[] = existsSync(join(root, 'web'))
    ? [
        {
          name: 'web',
          kind: 'web',
          dir: 'web',
          entry: 'web/server/main.ts',
          app: 'web/server/app.ts',
          assets: { from: 'web/dist/public', to: 'public' },
        },
      ]
    : [];
  return [...functions, ...web];
}

export function findDeployable(name: string, root = ROOT): Deployable {
  const found = listDeployables(root).find((d) => d.name === name);
  if (!found) {
    const known = listDeployables(root).map((d) => d.name);
    throw new Error(`no deployable named "${name}"; known: ${known.join(', ')}`);
  }
  return found;
}
