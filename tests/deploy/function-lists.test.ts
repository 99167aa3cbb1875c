import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FUNCTIONS } from '@stockflow/contracts';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { listDeployables, ROOT } from '../../scripts/deployables.ts';
import { cloudBuildImage, LISTING_FILES, listingFiles, upstreamEnv } from '../../scripts/function-lists.ts';
import { functionDeployable } from './fixtures.ts';

describe('the lists of every deployable (scripts/function-lists.ts, npm run generate)', () => {
  it.each(Object.entries(listingFiles()))('has written %s as it would write it now', (path, text) => {
    expect(readFileSync(join(ROOT, path), 'utf8'), `${path} is stale: run npm run generate`).toBe(text);
  });

  it('names every function folder in packages/contracts FUNCTIONS, which web forwards to', () => {
    const functions = listDeployables().filter((d) => d.kind === 'function');
    expect([...FUNCTIONS]).toEqual(functions.map((d) => d.name));
  });

  it("sets every UPSTREAM_<FN> web's config reads, and no other", async () => {
    const { web } = await import('../../web/server/app.ts');
    const read = Object.keys(web.spec.env ?? {}).filter((name) => name.startsWith('UPSTREAM_'));
    const functions = listDeployables().filter((d) => d.kind === 'function');
    expect(read.sort()).toEqual(functions.map((d) => upstreamEnv(d.name)).sort());
  });

  it('rewrites only the list: a new folder appears in each file, and nothing else changes', () => {
    const deployables = [...listDeployables(), functionDeployable('pricing')].sort((a, b) =>
      a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'web' ? 1 : -1,
    );
    const files = listingFiles(ROOT, deployables);
    const yaml = (path: string) => parse(files[path]!);
    expect(yaml(LISTING_FILES.kustomization).resources).toContain('pricing.yaml');
    expect(yaml(LISTING_FILES.skaffold).build.artifacts).toContainEqual({
      image: 'pricing',
      context: '.',
      docker: { dockerfile: 'Dockerfile', buildArgs: { FUNCTION: 'pricing' } },
    });
    expect(yaml(LISTING_FILES.cloudbuild).images).toContain(cloudBuildImage('pricing'));
    expect(files[LISTING_FILES.web]).toContain(
      '- name: UPSTREAM_PRICING\n              value: http://pricing.default.svc.cluster.local\n',
    );
    expect(files[LISTING_FILES.networkPolicies]).toMatch(/values: \[.*\bpricing\b.*\]/);
    expect(files[LISTING_FILES.contracts]).toContain("'pricing'");
    // One line more in each YAML file (two in web's env, six in skaffold's artifact), the rest as written.
    const added = (path: string) =>
      files[path]!.split('\n').length - readFileSync(join(ROOT, path), 'utf8').split('\n').length;
    expect(added(LISTING_FILES.kustomization)).toBe(1);
    expect(added(LISTING_FILES.skaffold)).toBe(6);
    expect(added(LISTING_FILES.cloudbuild)).toBe(1);
    expect(added(LISTING_FILES.web)).toBe(2);
    expect(added(LISTING_FILES.networkPolicies)).toBe(0);
  });
});
