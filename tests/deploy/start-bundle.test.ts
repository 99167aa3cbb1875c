/**
 * What a cold start loads: each deployable's bundle, followed from `main.mjs` through its static
 * imports only. The Firestore client (and the other heavy packages the kit loads on first use) must
 * not be among them: a value import of `@google-cloud/firestore` anywhere in the kit's start path
 * made every function load the gRPC client before listening (coldstart 72 → 223 ms).
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleFunction } from '../../scripts/bundle.ts';
import { listDeployables, ROOT } from '../../scripts/deployables.ts';

/** Loaded on first use, never at start (the kit's firestore.ts, jose.ts, cloudevents.ts). */
const LAZY = ['@google-cloud/firestore', 'jose', 'cloudevents', 'undici'];

/** Every module specifier `file` imports statically (minified ESM: `import…from"x"`, `import"x"`). */
function staticImports(source: string): string[] {
  const specifiers: string[] = [];
  for (const match of source.matchAll(/\bimport\s*(?:[\w$*{}\s,]+?\s*from\s*)?["']([^"']+)["']/g)) {
    specifiers.push(match[1]!);
  }
  return specifiers;
}

/** The packages and files a process loads before running `main.mjs`'s first line. */
function loadedAtStart(main: string): { packages: Set<string>; files: string[] } {
  const packages = new Set<string>();
  const files: string[] = [];
  const queue = [main];
  while (queue.length) {
    const file = queue.pop()!;
    if (files.includes(file)) continue;
    files.push(file);
    for (const specifier of staticImports(readFileSync(file, 'utf8'))) {
      if (specifier.startsWith('.')) queue.push(join(dirname(file), specifier));
      else if (!specifier.startsWith('node:')) packages.add(specifier);
    }
  }
  return { packages, files };
}

describe.each(listDeployables().filter((d) => d.kind === 'function'))(
  "$name's start bundle",
  ({ name, entry }) => {
    it('loads the Firestore client and the other lazy packages only on first use', async () => {
      const out = join(ROOT, '.artifacts', 'tests', 'start-bundle', name);
      await bundleFunction(join(ROOT, entry), out);
      const { packages, files } = loadedAtStart(join(out, 'main.mjs'));
      expect(files.length).toBeGreaterThan(0);
      for (const lazy of LAZY) expect([...packages], `${lazy} is loaded at start`).not.toContain(lazy);
      // …and they are in the bundle all the same, to load later.
      const all = readFileSync(join(out, 'main.mjs'), 'utf8');
      expect(all).toMatch(/import\("@google-cloud\/firestore"\)/);
    });
  },
);

describe.each(listDeployables())("$name's start size", ({ name, entry }) => {
  it('counts main.mjs and every chunk it imports statically, as a cold start loads them', async () => {
    const out = join(ROOT, '.artifacts', 'tests', 'start-size', name);
    const { bytes, totalBytes } = await bundleFunction(join(ROOT, entry), out);
    const { files } = loadedAtStart(join(out, 'main.mjs'));
    expect(bytes).toBe(files.reduce((sum, file) => sum + statSync(file).size, 0));
    expect(bytes).toBeLessThan(totalBytes);
  });
});
