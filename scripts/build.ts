/** @module `npm run build`: bundles every function (functions/<name>/dist/main.mjs) and builds the SPA. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { bundleFunction } from './bundle.ts';

const root = new URL('..', import.meta.url).pathname;

for (const name of readdirSync(join(root, 'functions')).sort()) {
  const entry = join(root, 'functions', name, 'src', 'main.ts');
  if (!existsSync(entry)) continue;
  const { bytes, totalBytes } = await bundleFunction(entry, join(root, 'functions', name, 'dist'));
  console.log(
    `built ${name}: ${(bytes / 1024).toFixed(1)} KiB at start, ${(totalBytes / 1024).toFixed(1)} KiB in all`,
  );
}
if (existsSync(join(root, 'web', 'build.ts'))) {
  const { buildServer, buildSpa } = await import('../web/build.ts');
  await buildSpa();
  const { bytes, totalBytes } = await buildServer();
  console.log(
    `built web: SPA in web/dist/public, server ${(bytes / 1024).toFixed(1)} KiB at start, ${(totalBytes / 1024).toFixed(1)} KiB in all`,
  );
}
