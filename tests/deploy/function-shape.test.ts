import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listDeployables, ROOT } from '../../scripts/deployables.ts';
import { fileProblems, moduleProblems, SHAPE_FILES } from './function-shape.ts';

const functions = listDeployables().filter((d) => d.kind === 'function');

describe('every function has the one shape', () => {
  it('finds the functions', () => {
    expect(functions.map((f) => f.name)).toEqual(
      expect.arrayContaining(['catalog', 'inventory', 'ledger', 'notifications', 'orders', 'payments']),
    );
  });

  it.each(functions.map((f) => [f.name, f.dir]))(
    '%s: src/{main,app,events,<domain>,store}.ts',
    (name, dir) => {
      expect(fileProblems(join(ROOT, dir, 'src'), name)).toEqual([]);
    },
  );

  it.each(functions.map((f) => [f.name, f.dir]))(
    '%s: app.ts exports one defineFunction of its name, its events are events.ts',
    async (name, dir) => {
      const app = await import(pathToFileURL(join(ROOT, dir, 'src/app.ts')).href);
      const events = await import(pathToFileURL(join(ROOT, dir, 'src/events.ts')).href);
      expect(moduleProblems(name, app, events)).toEqual([]);
    },
  );
});

describe('the shape check', () => {
  const folder = () => {
    const src = join(mkdtempSync(join(tmpdir(), 'shape-')), 'src');
    mkdirSync(src);
    for (const file of SHAPE_FILES) writeFileSync(join(src, file), '');
    writeFileSync(join(src, 'main.ts'), "import { demo } from './app.ts';\n");
    return src;
  };

  it('fails a function without events.ts, with handlers in app.ts or handlers.ts, or a WeakMap singleton', () => {
    const src = folder();
    try {
      expect(fileProblems(src, 'demo')).toEqual([]);
      rmSync(join(src, 'events.ts'));
      writeFileSync(join(src, 'handlers.ts'), '');
      writeFileSync(join(src, 'app.ts'), 'const e = { x: applyOnce(Data, async () => {}) };\n');
      writeFileSync(join(src, 'store.ts'), 'const stores = new WeakMap<Runtime, Store>();\n');
      expect(fileProblems(src, 'demo')).toEqual([
        'demo: src/events.ts is missing',
        'demo: src/handlers.ts: its handlers belong in events.ts',
        'demo: src/app.ts declares event handlers (events.ts)',
        'demo: src/store.ts keeps a WeakMap<Runtime, …>: use the services slot',
      ]);
    } finally {
      rmSync(join(src, '..'), { recursive: true, force: true });
    }
  });

  it('fails a domain module that does I/O', () => {
    const src = folder();
    try {
      writeFileSync(join(src, 'order.ts'), "import { Firestore } from '@google-cloud/firestore';\n");
      expect(fileProblems(src, 'orders')).toContain(
        'orders: src/order.ts is the pure domain but imports @google-cloud/firestore',
      );
    } finally {
      rmSync(join(src, '..'), { recursive: true, force: true });
    }
  });

  it('fails an app.ts of another name, of two functions, or whose events live elsewhere', () => {
    const fn = (name: string, events: object) => ({ name, create: () => undefined, spec: { events } });
    const handlers = {};
    expect(
      moduleProblems('demo-shop', { demoShop: fn('demo-shop', handlers) }, { demoShopEvents: handlers }),
    ).toEqual([]);
    expect(moduleProblems('demo', { demo: fn('other', handlers) }, { demoEvents: handlers })).toEqual([
      "demo: src/app.ts defines 'other'",
    ]);
    expect(moduleProblems('demo', { demo: fn('demo', {}), b: fn('demo', {}) }, {})).toContain(
      'demo: src/app.ts exports 2 defineFunction values, not one',
    );
    expect(moduleProblems('demo', { demo: fn('demo', {}) }, { demoEvents: handlers })).toEqual([
      "demo: its events are not src/events.ts's demoEvents",
    ]);
  });
});
