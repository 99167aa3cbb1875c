/**
 * @module The shop's first load: build the SPA, take what index.html makes the browser download
 * before the first page can run (the entry script, its modulepreloads and their static imports;
 * not the lazy route chunks), gzip each as the server would, print per-file sizes. Target: ≤ 50 KB.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildSpa } from '../web/build.ts';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, '.artifacts', 'bench', 'web');
export const TARGET_KB = 50;

/** `src`/`href` of the entry scripts and modulepreloads in index.html, as site paths. */
function firstPageScripts(html: string): string[] {
  const paths = [
    ...html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g),
    ...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g),
  ].map((match) => match[1]!);
  return [...new Set(paths)];
}

/** Static `import … from "./x.js"` / `import "./x.js"` of a built chunk (never `import(…)`). */
function staticImports(code: string, from: string): string[] {
  const found: string[] = [];
  for (const match of code.matchAll(/(?:^|[;\s}])import\s*(?:[\w$*{}\s,]+?\s*from\s*)?["']([^"']+)["']/g)) {
    found.push(posix.join(posix.dirname(from), match[1]!));
  }
  return found;
}

export async function run() {
  await buildSpa(out);
  const html = readFileSync(join(out, 'index.html'), 'utf8');
  const queue = firstPageScripts(html);
  const seen = new Set<string>();
  const rows: Array<{ file: string; bytes: number; gzipBytes: number }> = [];
  while (queue.length) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const code = readFileSync(join(out, path), 'utf8');
    rows.push({ file: path, bytes: Buffer.byteLength(code), gzipBytes: gzipSync(code, { level: 9 }).length });
    queue.push(...staticImports(code, path));
  }
  const css = [...html.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g)].map((m) => m[1]!);
  const cssGzip = css.reduce(
    (sum, path) => sum + gzipSync(readFileSync(join(out, path)), { level: 9 }).length,
    0,
  );
  for (const row of rows) {
    console.log(
      `${row.file.padEnd(40)} ${(row.bytes / 1024).toFixed(1).padStart(6)} KB  gzip ${(row.gzipBytes / 1024).toFixed(1).padStart(5)} KB`,
    );
  }
  const totalGzip = rows.reduce((sum, row) => sum + row.gzipBytes, 0);
  const firstLoadJsGzipKb = Number((totalGzip / 1024).toFixed(1));
  console.log(`first-load JS: ${rows.length} files, ${firstLoadJsGzipKb} KB gzip (target ≤ ${TARGET_KB} KB)`);
  console.log(
    `first-load CSS: ${(cssGzip / 1024).toFixed(1)} KB gzip; built into ${dirname(join(out, 'index.html'))}`,
  );
  return {
    firstLoadJsGzipKb,
    targetKb: TARGET_KB,
    ratioToTarget: Number((firstLoadJsGzipKb / TARGET_KB).toFixed(2)),
  };
}
