/**
 * `npm run new-function -- demo` in a copy of the repository (its files, and a node_modules whose
 * workspace links point into the copy), then what `npm test` would say of the result: the new
 * function's own tests, the deploy checks, the generated files and docs current, Biome and tsc.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../../scripts/deployables.ts';
import { nameProblem, newFunction, type Scaffolded } from '../../scripts/new-function.ts';

/** The repository's files as git sees them (tracked or new, never ignored), copied under `to`. */
function copyRepository(to: string): void {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((path) => path && existsSync(join(ROOT, path)));
  for (const path of files) {
    mkdirSync(dirname(join(to, path)), { recursive: true });
    cpSync(join(ROOT, path), join(to, path));
  }
  // node_modules: every installed package by link, the workspace links (relative) as they are, so
  // that `@stockflow/*` resolves inside the copy.
  mkdirSync(join(to, 'node_modules', '@stockflow'), { recursive: true });
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (entry !== '@stockflow')
      symlinkSync(join(ROOT, 'node_modules', entry), join(to, 'node_modules', entry));
  }
  cpSync(join(ROOT, 'node_modules', '@stockflow'), join(to, 'node_modules', '@stockflow'), {
    recursive: true,
    verbatimSymlinks: true,
  });
  // Biome reads .gitignore through git (biome.json: vcs): the copy is a repository of its own.
  execFileSync('git', ['init', '-q'], { cwd: to });
}

const run = (root: string, command: string, args: string[]) =>
  spawnSync(command, args, {
    cwd: root,
    encoding: 'utf8',
    // Not this run's own vitest settings: the copy's vitest is a run of its own.
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST'))),
      FORCE_COLOR: '0',
      NO_COLOR: '1',
    },
    timeout: 240_000,
  });

describe('a new function name', () => {
  it('is 4 to 16 lowercase letters and digits, not taken', () => {
    expect(nameProblem('demo')).toBeUndefined();
    expect(nameProblem('pricing2')).toBeUndefined();
    for (const bad of ['Demo', 'de', 'my-fn', 'my_fn', '9lives', 'averyveryverylongname', ''])
      expect(nameProblem(bad), bad).toMatch(/is no function name/);
    for (const taken of ['orders', 'mesh', 'broker']) expect(nameProblem(taken)).toMatch(/is taken/);
  });
});

describe('npm run new-function -- demo, in a copy of the repository', () => {
  let root: string;
  let scaffolded: Scaffolded;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'stockflow-new-function-'));
    copyRepository(root);
    scaffolded = newFunction('demo', root);
  }, 120_000);
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('writes the function in the one shape and its Knative objects', () => {
    const shape = ['main', 'app', 'events', 'demo', 'store'].map((m) => `functions/demo/src/${m}.ts`);
    expect(scaffolded.written).toEqual(expect.arrayContaining([...shape, 'knative/base/demo.yaml']));
    const kinds = readFileSync(join(root, 'knative/base/demo.yaml'), 'utf8').match(/^kind: \w+/gm);
    expect(kinds).toEqual(['kind: ServiceAccount', 'kind: Service', 'kind: Trigger']);
  });

  it('adds it to every list of deployables, web forwarding, docs/events.md and the lockfile', () => {
    const read = (path: string) => readFileSync(join(root, path), 'utf8');
    expect(parse(read('knative/base/kustomization.yaml')).resources).toContain('demo.yaml');
    expect(parse(read('skaffold.yaml')).build.artifacts.map((a: { image: string }) => a.image)).toContain(
      'demo',
    );
    expect(read('cloudbuild.yaml')).toContain('/demo:$SHORT_SHA');
    expect(read('knative/base/web.yaml')).toContain('UPSTREAM_DEMO');
    expect(read('knative/overlays/gke/network-policies.yaml')).toMatch(/values: \[.*\bdemo\b/);
    expect(read('packages/contracts/src/functions.ts')).toContain("'demo'");
    expect(read('docs/events.md')).toMatch(/io\.stockflow\.order\.placed.*\bdemo\b/);
    // Its route is in the HTTP contract, so in docs/openapi.json and docs/api.md.
    expect(read('packages/contracts/src/routes.ts')).toContain("path: '/api/demo/tallies/:day'");
    expect(JSON.parse(read('docs/openapi.json')).paths).toHaveProperty(['/api/demo/tallies/{day}']);
    expect(scaffolded.generated).toContain('wrote knative/base/kustomization.yaml');
    // The lockfile names the new workspace, as `npm install` would write it: `npm ci` accepts it.
    const lock = JSON.parse(read('package-lock.json'));
    expect(lock.packages['functions/demo']).toEqual({ name: '@stockflow/demo', version: '0.1.0' });
    expect(lock.packages['node_modules/@stockflow/demo']).toEqual({ resolved: 'functions/demo', link: true });
    const ci = run(root, 'npm', [
      'ci',
      '--dry-run',
      '--offline',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
    ]);
    expect(ci.status, ci.stderr).toBe(0);
  });

  it("passes its own tests, the deploy checks and the generated files' and docs' checks", () => {
    const vitest = run(root, 'npx', [
      'vitest',
      'run',
      '--project',
      'node',
      'functions/demo',
      'tests/deploy/knative.test.ts',
      'tests/deploy/pipeline.test.ts',
      'tests/deploy/eventing.test.ts',
      'tests/deploy/function-lists.test.ts',
      'packages/contracts/src/event-docs.test.ts',
      'packages/contracts/src/openapi.test.ts',
      'tests/deploy/function-shape.test.ts',
      'web/server/proxy.test.ts',
    ]);
    expect(vitest.status, `${vitest.stdout}\n${vitest.stderr}`).toBe(0);
    expect(vitest.stdout).toMatch(/functions\/demo\/src\/app\.test\.ts/);
  }, 240_000);

  it('passes Biome and the type checker', () => {
    const biome = run(root, 'npx', ['biome', 'ci', '--colors=off', '.']);
    expect(biome.status, `${biome.stdout}\n${biome.stderr}`).toBe(0);
    // The type check of what the new function and the lists touch (the whole repo takes minutes).
    writeFileSync(
      join(root, 'tsconfig.demo.json'),
      JSON.stringify({
        extends: './tsconfig.json',
        include: ['functions/demo', 'web/server', 'scripts', 'packages/contracts'],
      }),
    );
    const tsc = run(root, 'npx', ['tsc', '-p', 'tsconfig.demo.json']);
    expect(tsc.status, `${tsc.stdout}\n${tsc.stderr}`).toBe(0);
  }, 240_000);

  it('refuses the same name twice, and writes nothing then', () => {
    expect(() => newFunction('demo', root)).toThrow(/"demo" is taken/);
  });
});
