import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url).pathname;

/** Every `stockflow_*` metric name the code defines (prom-client `name: '...'`). */
function definedMetrics(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      if (entry === 'node_modules' || entry === 'dist') continue;
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.endsWith('.test.ts')) {
        for (const match of readFileSync(path, 'utf8').matchAll(/name: '(stockflow_[a-z_]+)'/g))
          names.add(match[1]!);
      }
    }
  };
  walk(join(root, 'packages'));
  walk(join(root, 'functions'));
  return names;
}

describe('the Grafana dashboard', () => {
  it('queries only metrics that the code defines', () => {
    const dashboard = JSON.parse(readFileSync(join(root, 'ops/grafana/stockflow.json'), 'utf8')) as {
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    };
    const defined = definedMetrics();
    expect(defined.has('stockflow_http_requests_total')).toBe(true);
    const used = new Set<string>();
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        for (const match of target.expr.matchAll(/\b(stockflow_[a-z_]+)/g)) {
          used.add(match[1]!.replace(/_(bucket|sum|count)$/, ''));
        }
      }
    }
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((name) => !defined.has(name))).toEqual([]);
  });
});
