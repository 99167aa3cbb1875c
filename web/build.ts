/**
 * @module Building web: the SPA with Vite into web/dist/public (hashed assets, each also written
 * gzip- and brotli-compressed for the server to send as is), and the server bundled with esbuild
 * into web/dist/server/main.mjs, the process `npm start` and the image run.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'vite';
import { bundleFunction } from '../scripts/bundle.ts';

const WEB = new URL('.', import.meta.url).pathname;
export const PUBLIC_DIR = join(WEB, 'dist', 'public');
export const SERVER_DIR = join(WEB, 'dist', 'server');

const COMPRESSIBLE = /\.(js|css|svg|json|txt|webmanifest)$/;

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}

/** Writes `<file>.gz` and `<file>.br` beside every compressible file worth compressing. */
function precompress(dir: string): void {
  for (const file of files(dir)) {
    // .vite/ holds the build's manifest, which only the server reads.
    if (!COMPRESSIBLE.test(file) || file.includes('/.vite/') || statSync(file).size < 512) continue;
    const body = readFileSync(file);
    writeFileSync(`${file}.gz`, gzipSync(body, { level: 9 }));
    writeFileSync(
      `${file}.br`,
      brotliCompressSync(body, {
        params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
      }),
    );
  }
}

export async function buildSpa(outDir = PUBLIC_DIR): Promise<void> {
  await build({ configFile: join(WEB, 'vite.config.ts'), logLevel: 'warn', build: { outDir } });
  precompress(outDir);
}

export async function buildServer(outDir = SERVER_DIR) {
  return bundleFunction(join(WEB, 'server', 'main.ts'), outDir);
}
