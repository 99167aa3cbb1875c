/**
 * @module The one shape of a function (issue 16): what `functions/<name>/src`
 * must hold, checked from its files and from the modules themselves. Each check answers what it
 * found wrong, so a function that leaves the shape fails with a sentence saying how.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The modules every function has, beside its pure domain and whatever else it needs. */
export const SHAPE_FILES = ['main.ts', 'app.ts', 'events.ts', 'store.ts'] as const;

/** The pure domain (no I/O) of each function known today; a new one names its own. */
export const AGGREGATES: Readonly<Record<string, string>> = {
  catalog: 'product.ts',
  inventory: 'stock.ts',
  orders: 'order.ts',
  payments: 'payment.ts',
  notifications: 'messages.ts',
  ledger: 'records.ts',
};

/** Event handler declarations: they belong in events.ts, not in app.ts. */
const HANDLER_CALL = /\b(applyOnce|handleEachDelivery)\s*\(/;
/** A per-instance object kept beside the runtime instead of in the services slot. */
const RUNTIME_SINGLETON = /WeakMap\s*<\s*Runtime\b/;
/** What a pure domain module must not import (types aside): storage, network, files, the kit. */
const DOMAIN_IO =
  /^import\s+(?!type\b)[^;]*?from\s+'(@google-cloud\/firestore|node:(fs|http|https|net)|@stockflow\/kit)'/m;

/** `demo-shop` → `demoShop`: the name of a function's exports. */
export const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** What the files of `functions/<name>/src` get wrong (nothing: it has the shape). */
export function fileProblems(src: string, name: string): string[] {
  if (!existsSync(src)) return [`${name}: no src folder`];
  const problems: string[] = [];
  const files = readdirSync(src);
  for (const file of SHAPE_FILES) {
    if (!files.includes(file)) problems.push(`${name}: src/${file} is missing`);
  }
  if (files.includes('handlers.ts'))
    problems.push(`${name}: src/handlers.ts: its handlers belong in events.ts`);
  const aggregate = AGGREGATES[name];
  if (aggregate && !files.includes(aggregate))
    problems.push(`${name}: src/${aggregate} (its domain) is missing`);
  if (aggregate && files.includes(aggregate)) {
    const io = readFileSync(join(src, aggregate), 'utf8').match(DOMAIN_IO);
    if (io) problems.push(`${name}: src/${aggregate} is the pure domain but imports ${io[1]}`);
  }
  const read = (file: string) => (files.includes(file) ? readFileSync(join(src, file), 'utf8') : '');
  if (HANDLER_CALL.test(read('app.ts')))
    problems.push(`${name}: src/app.ts declares event handlers (events.ts)`);
  if (files.includes('main.ts') && !/from '\.\/app\.ts'/.test(read('main.ts'))) {
    problems.push(`${name}: src/main.ts does not start the function of app.ts`);
  }
  for (const file of files.filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    if (RUNTIME_SINGLETON.test(read(file))) {
      problems.push(`${name}: src/${file} keeps a WeakMap<Runtime, …>: use the services slot`);
    }
  }
  return problems;
}

interface Definition {
  name: string;
  create: unknown;
  spec: { events?: unknown; services?: unknown };
}

const isDefinition = (value: unknown): value is Definition =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Definition).create === 'function' &&
  typeof (value as Definition).spec === 'object';

/** What the modules app.ts and events.ts get wrong, given what they export. */
export function moduleProblems(
  name: string,
  app: Record<string, unknown>,
  events: Record<string, unknown>,
): string[] {
  const problems: string[] = [];
  const definitions = Object.entries(app).filter(([, value]) => isDefinition(value));
  if (definitions.length !== 1) {
    problems.push(`${name}: src/app.ts exports ${definitions.length} defineFunction values, not one`);
  }
  const [exported, definition] = (definitions[0] ?? []) as [string?, Definition?];
  if (!definition) return problems;
  if (definition.name !== name) problems.push(`${name}: src/app.ts defines '${definition.name}'`);
  if (exported !== camel(name))
    problems.push(`${name}: src/app.ts exports it as ${exported}, not ${camel(name)}`);
  const handlers = `${camel(name)}Events`;
  if (!(handlers in events)) problems.push(`${name}: src/events.ts does not export ${handlers}`);
  else if (definition.spec.events !== events[handlers]) {
    problems.push(`${name}: its events are not src/events.ts's ${handlers}`);
  }
  return problems;
}
