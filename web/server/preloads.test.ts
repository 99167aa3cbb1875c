import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PUBLIC_DIR } from '../build.ts';
import { ROUTE_PRELOADS, readManifest } from './preloads.ts';

const ROUTES = readFileSync(new URL('../src/routes.tsx', import.meta.url), 'utf8');

describe('the preloaded routes', () => {
  it('are the routes routes.tsx gives those pages', () => {
    for (const { route, module } of ROUTE_PRELOADS) {
      if (!module) {
        expect(ROUTES, route).toMatch(new RegExp(`path: '${route}', component: guarded\\(\\w+\\)`));
        continue;
      }
      const imported = `import('./${module.replace(/^src\//, '')}')`;
      expect(ROUTES, route).toContain(`path: '${route}', component: guarded(lazy(() => ${imported}))`);
    }
  });

  it.skipIf(!existsSync(PUBLIC_DIR))("are chunks of the build's manifest (npm run build)", () => {
    const manifest = readManifest(PUBLIC_DIR);
    expect(manifest).toBeDefined();
    for (const { module } of ROUTE_PRELOADS) if (module) expect(manifest![module], module).toBeDefined();
  });
});
