/**
 * @module `npm run new-function -- <name>`: a new function in the one shape (functions/<name>/src:
 * main, app, events, the <name>.ts domain, store, tests beside them) with its Knative objects
 * (knative/base/<name>.yaml), then `npm run generate` and `npm run docs:events`, which add it to every
 * list (kustomize, skaffold, Cloud Build, web's forwarding, the NetworkPolicy) and to docs/events.md.
 * What it writes passes `npm test` as it is: a tiny real behaviour (a day's tally of the orders
 * placed, read by staff) to replace with the function's own.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listDeployables, ROOT } from './deployables.ts';

/**
 * A function's name: lowercase letters and digits, starting with a letter, 4 to 16 of them. One name
 * everywhere, so it must suit each: a DNS label (Service, image), a Firestore database id (4 or more
 * characters), a JavaScript identifier and an env var suffix (no hyphen), and short enough that
 * `<name>-order-placed`'s OIDC identity stays within 63 characters.
 */
export const FUNCTION_NAME = /^[a-z][a-z0-9]{3,15}$/;

/** Names that would clash with what is there: web, knative/base's shared files, the packages. */
const RESERVED = ['web', 'broker', 'partners', 'kit', 'contracts', 'mesh', 'default', 'stockflow'];

/** Why `name` cannot be a new function under `root`, or undefined when it can. */
export function nameProblem(name: string, root = ROOT): string | undefined {
  if (!FUNCTION_NAME.test(name))
    return `"${name}" is no function name: 4 to 16 lowercase letters and digits, starting with a letter`;
  if (RESERVED.includes(name) || listDeployables(root).some((d) => d.name === name))
    return `"${name}" is taken`;
  for (const path of [`functions/${name}`, `knative/base/${name}.yaml`, `packages/${name}`]) {
    if (existsSync(join(root, path))) return `"${name}" is taken: ${path} exists`;
  }
  return undefined;
}

/** The files of a new function, by path relative to the repository. */
export function functionFiles(name: string): Record<string, string> {
  const dir = `functions/${name}`;
  return {
    [`${dir}/package.json`]: `${JSON.stringify(
      {
        name: `@stockflow/${name}`,
        version: '0.1.0',
        private: true,
        type: 'module',
        exports: { '.': './src/app.ts' },
      },
      null,
      2,
    )}\n`,
    [`${dir}/src/main.ts`]: `/** @module The ${name} process: serves the function as Knative runs it. */
import { runFunction } from '@stockflow/kit';
import { ${name} } from './app.ts';

await runFunction(() => ${name}.create(), { warmFirestore: true });
`,
    ...servicesShape(name),
    [`${dir}/src/${name}.ts`]: `/** @module ${name}'s domain, pure (no I/O): a day's tally of the orders placed. */

/** The orders placed on one UTC day, and the units they asked for. */
export interface DayTally {
  day: string;
  orders: number;
  units: number;
}

/** A day as tallies are keyed: \`YYYY-MM-DD\`, in UTC. */
export const DAY = /^\\d{4}-\\d{2}-\\d{2}$/;

export const dayOf = (time: Date): string => time.toISOString().slice(0, 10);

export const emptyTally = (day: string): DayTally => ({ day, orders: 0, units: 0 });

/** The tally with one more order of these lines. */
export function withOrder(tally: DayTally, lines: readonly { quantity: number }[]): DayTally {
  const units = lines.reduce((sum, line) => sum + line.quantity, 0);
  return { ...tally, orders: tally.orders + 1, units: tally.units + units };
}
`,
    [`${dir}/src/${name}.test.ts`]: `import { describe, expect, it } from 'vitest';
import { dayOf, emptyTally, withOrder } from './${name}.ts';

describe("a day's tally", () => {
  it('counts each order once and the units of all its lines', () => {
    const tally = withOrder(withOrder(emptyTally('2026-03-01'), [{ quantity: 2 }, { quantity: 3 }]), [
      { quantity: 1 },
    ]);
    expect(tally).toEqual({ day: '2026-03-01', orders: 2, units: 6 });
  });

  it('keys a time by its UTC day', () => {
    expect(dayOf(new Date('2026-03-01T23:30:00-02:00'))).toBe('2026-03-02');
  });
});
`,
    [`${dir}/src/app.test.ts`]: `/** ${name} in process: deliveries signed as the broker's, and the real Firestore emulator. */
import { randomUUID } from 'node:crypto';
import { asStaff, cloudEventRequest, testEnv } from '@stockflow/kit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { ${name} } from './app.ts';

const VIEWER = await asStaff('${name}', 'viewer');

const running: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (running.length) await running.pop()!();
});

function start() {
  const fn = ${name}.create({ env: testEnv('${name}') });
  running.push(() => fn.rt.close());
  const placed = (time: string, quantities: number[], id: string = randomUUID()) =>
    fn.app.request(
      '/events',
      cloudEventRequest({
        type: 'io.stockflow.order.placed',
        id,
        extensions: { time },
        data: {
          orderId: \`o-\${id}\`,
          items: quantities.map((quantity, i) => ({ productId: \`p\${i}\`, quantity, unitPriceCents: 100 })),
          currency: 'EUR',
          totalCents: 100,
        },
      }),
    );
  const tally = (day: string, headers: Record<string, string> = VIEWER) =>
    fn.app.request(\`/tallies/\${day}\`, { headers });
  return { placed, tally };
}

describe('${name}', () => {
  it('counts each order placed on its day, once however often it is delivered', async () => {
    const { placed, tally } = start();
    expect((await placed('2026-03-01T10:00:00Z', [2, 3], 'e1')).status).toBe(202);
    expect((await placed('2026-03-01T10:00:00Z', [2, 3], 'e1')).status).toBe(202);
    expect((await placed('2026-03-01T18:00:00Z', [1])).status).toBe(202);
    expect((await placed('2026-03-02T08:00:00Z', [4])).status).toBe(202);
    const res = await tally('2026-03-01');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ day: '2026-03-01', orders: 2, units: 6 });
  });

  it('answers an empty tally for a day without orders, and only to staff', async () => {
    const { tally } = start();
    expect(await (await tally('2026-01-01')).json()).toEqual({ day: '2026-01-01', orders: 0, units: 0 });
    expect((await tally('2026-01-01', {})).status).toBe(401);
  });

  it('refuses a bad day (problem+json 400) and an invalid event (400), changing nothing', async () => {
    const { placed, tally } = start();
    const bad = await tally('yesterday');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/application\\/problem\\+json/);
    expect((await placed('2026-03-01T10:00:00Z', [0])).status).toBe(400);
    expect(await (await tally('2026-03-01')).json()).toEqual({ day: '2026-03-01', orders: 0, units: 0 });
  });
});
`,
    [`knative/base/${name}.yaml`]: knativeObjects(name),
  };
}

function servicesShape(name: string): Record<string, string> {
  const dir = `functions/${name}`;
  const Name = `${name[0]!.toUpperCase()}${name.slice(1)}`;
  return {
    [`${dir}/src/app.ts`]: `/**
 * @module ${name}: counts the orders placed each day (order.placed) and shows staff a day's tally.
 * It emits no events (so it has no SinkBinding) and has no periodic work (no PingSource):
 * knative/base/${name}.yaml. Scaffolded by \`npm run new-function\`: make it what ${name} is for.
 */
import { defineFunction, invalid, requireRole } from '@stockflow/kit';
import * as z from 'zod/mini';
import { ${name}Events } from './events.ts';
import { DAY } from './${name}.ts';
import { ${Name}Store } from './store.ts';

/** What one instance builds once and hands to its routes and handlers. */
export interface ${Name}Services {
  store: ${Name}Store;
}

const Day = z.string().check(z.regex(DAY, 'a day, YYYY-MM-DD'));

export const ${name} = defineFunction({
  name: '${name}',
  services: (rt): ${Name}Services => ({ store: new ${Name}Store(() => rt.db()) }),
  events: ${name}Events,
  routes(app, _rt, { store }) {
    // Any staff member may read a tally: the least role, a viewer.
    app.get('/tallies/:day', requireRole('viewer'), async (c) => {
      const day = Day.safeParse(c.req.param('day'));
      if (!day.success) throw invalid(day.error);
      return c.json(await store.tally(day.data));
    });
  },
});
`,
    [`${dir}/src/events.ts`]: `/**
 * @module Every CloudEvent ${name} consumes, one Trigger each in knative/base/${name}.yaml. Each
 * handler is applied once: in one transaction with the dedupe record of the event's (source, id).
 */
import { OrderPlaced } from '@stockflow/contracts';
import { applyOnce, type EventHandlers } from '@stockflow/kit';
import type { ${Name}Services } from './app.ts';
import { dayOf } from './${name}.ts';

/** An order was placed: it counts on the day it was placed (the event's time). */
const countPlacedOrder = applyOnce(OrderPlaced, async ({ event, data, work, services }) => {
  await services.store.countOrder(work, dayOf(new Date(event.time ?? Date.now())), data.items);
});

export const ${name}Events: EventHandlers<${Name}Services> = {
  'io.stockflow.order.placed': countPlacedOrder,
};
`,
    [`${dir}/src/store.ts`]: `/**
 * @module ${name}'s Firestore adapter (database \`${name}\`): \`tallies\`, one document per day
 * (${name}.ts), keyed by the day.
 */
import type { Firestore } from '@google-cloud/firestore';
import type { Work } from '@stockflow/kit';
import { type DayTally, emptyTally, withOrder } from './${name}.ts';

export const TALLIES = 'tallies';

export class ${Name}Store {
  constructor(private readonly db: () => Promise<Firestore>) {}

  /** Counts one order on its day, in the event's transaction (so it is applied once with it). */
  async countOrder(work: Work, day: string, lines: readonly { quantity: number }[]): Promise<void> {
    const ref = work.db.collection(TALLIES).doc(day);
    const snapshot = await work.tx.get(ref);
    work.tx.set(ref, withOrder(snapshot.exists ? (snapshot.data() as DayTally) : emptyTally(day), lines));
  }

  /** The tally of a day: an empty one when no order was placed on it. */
  async tally(day: string): Promise<DayTally> {
    const db = await this.db();
    const snapshot = await db.collection(TALLIES).doc(day).get();
    return snapshot.exists ? (snapshot.data() as DayTally) : emptyTally(day);
  }
}
`,
  };
}

/** Its Knative objects, as knative/base's other functions have them (notifications.yaml). */
function knativeObjects(name: string): string {
  return `# ${name}: counts the orders placed each day (Firestore database \`${name}\`). It consumes
# order.placed (one Trigger, with retries, exponential backoff, then the ledger's dead letters) and
# emits nothing, so it has no SinkBinding; it has no periodic work, so no PingSource.
# A function that publishes gets a SinkBinding named after it (and a PingSource sweeping its outbox)
# and its types in packages/contracts EVENTS with \`producer: '${name}'\` and in PUBLISHERS.
apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${name}
---
apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: ${name}
  labels:
    networking.knative.dev/visibility: cluster-local
spec:
  template:
    metadata:
      annotations:
        autoscaling.knative.dev/min-scale: "0"
        autoscaling.knative.dev/max-scale: "5"
    spec:
      serviceAccountName: ${name}
      containers:
        - name: ${name}
          image: ${name}
          ports:
            - containerPort: 8080
          env:
            - name: FIRESTORE_DATABASE
              value: ${name}
            # web's staff token signer's public keys: GET /tallies/:day verifies who the person is.
            - name: STAFF_JWKS
              valueFrom:
                configMapKeyRef:
                  name: stockflow-staff
                  key: jwks
                  # Absent (no staff sign-in set up, e.g. on kind): no staff token is accepted.
                  optional: true
          readinessProbe:
            httpGet:
              path: /readyz
          livenessProbe:
            httpGet:
              path: /healthz
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
            limits:
              memory: 256Mi
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata:
  name: ${name}-order-placed
spec:
  broker: default
  filter:
    attributes:
      type: io.stockflow.order.placed
  subscriber:
    ref:
      apiVersion: serving.knative.dev/v1
      kind: Service
      name: ${name}
    uri: /events
    audience: ${name}
  delivery:
    retry: 10
    backoffPolicy: exponential
    backoffDelay: PT0.5S
    timeout: PT10S
    deadLetterSink:
      ref:
        apiVersion: serving.knative.dev/v1
        kind: Service
        name: ledger
      uri: /dead-letters
      audience: ledger
`;
}

/** What a run did, by path relative to the repository. */
export interface Scaffolded {
  written: string[];
  /** The generators it ran (`npm run generate`, `npm run docs:events`), with what they printed. */
  generated: string;
}

/** Writes the new function under `root` and runs the generators there. Throws when `name` is bad. */
export function newFunction(name: string, root = ROOT): Scaffolded {
  const problem = nameProblem(name, root);
  if (problem) throw new Error(problem);
  const files = functionFiles(name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text, { flag: 'wx' });
  }
  addRoutes(name, root);
  let generated = '';
  // Biome orders the imports (their order depends on the name) and formats; the lockfile gains the
  // new workspace (npm ci refuses a lockfile that misses one: offline, it fetches nothing, and
  // node_modules stays as it is); then the generators.
  const steps = [
    ['npx', 'biome', 'check', '--write', '--colors=off', ...Object.keys(files), ROUTES_FILE],
    ['npm', 'install', '--package-lock-only', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'],
    ['npm', 'run', '--silent', 'generate'],
    ['npm', 'run', '--silent', 'docs:events'],
    ['npm', 'run', '--silent', 'docs:api'],
  ];
  for (const [command, ...args] of steps) {
    const run = spawnSync(command!, args, { cwd: root, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${run.stdout}${run.stderr}`);
    if (args[0] === 'run') generated += run.stdout;
  }
  return { written: [...Object.keys(files), ROUTES_FILE, 'package-lock.json'], generated };
}

/** The HTTP contract every function's routes are in (a test compares it with what the app registers). */
const ROUTES_FILE = 'packages/contracts/src/routes.ts';

/**
 * Adds the new function's routes to the HTTP contract: its own list, its section's prose, and its
 * place in ROUTES (before web's), each at the spot the file keeps for it.
 */
export function addRoutes(name: string, root = ROOT): void {
  const path = join(root, ROUTES_FILE);
  const text = readFileSync(path, 'utf8');
  const anchors = {
    list: "/** What each owner's routes share",
    prose: '  web: [',
    spread: '  ...web,',
  };
  for (const anchor of Object.values(anchors)) {
    if (!text.includes(anchor)) throw new Error(`${ROUTES_FILE} no longer has "${anchor.trim()}"`);
  }
  const list = `/** ${name}'s routes (scaffolded: describe what ${name} answers). */
const ${name}: Route[] = [
  {
    method: 'GET',
    path: '/api/${name}/tallies/:day',
    owner: '${name}',
    access: 'viewer',
    summary: 'The orders placed on one day (UTC)',
    answer: {
      status: 200,
      schema: z.object({ day: z.string(), orders: z.int(), units: z.int() }),
      description: "The day's tally.",
    },
    problems: { 400: 'Not a day (YYYY-MM-DD).' },
  },
];

`;
  writeFileSync(
    path,
    text
      .replace(anchors.list, `${list}${anchors.list}`)
      .replace(
        anchors.prose,
        `  ${name}: "A day's tally of the orders placed (scaffolded).",\n${anchors.prose}`,
      )
      .replace(anchors.spread, `  ...${name},\n${anchors.spread}`),
  );
}

const NEXT_STEPS = (name: string) => `
Next:
  npm install            links node_modules/@stockflow/${name} (package-lock.json names it already);
                         commit the lockfile with the rest
  npx vitest run --project node functions/${name} tests/deploy
  npm test               typecheck, lint, build and every test, ${name}'s included
Then make it what ${name} is for:
  ${`src/${name}.ts`.padEnd(20)}its domain (pure), replacing the day's tally
  src/events.ts       the events it consumes; each needs a Trigger in knative/base/${name}.yaml
                      (tests/deploy says which is missing), then \`npm run docs:events\`
  src/app.ts          its env and routes (web forwards /api/${name}/... to them)
  publishing events   its types in packages/contracts EVENTS (producer '${name}'), '${name}' in
                      PUBLISHERS, a SinkBinding and a PingSource in knative/base/${name}.yaml,
                      then \`npm run generate\` for its EventPolicy`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const name = process.argv[2] ?? '';
  try {
    const { written, generated } = newFunction(name);
    console.log(`wrote\n${written.map((path) => `  ${path}`).join('\n')}`);
    console.log(generated.trimEnd().replace(/^/gm, '  '));
    console.log(NEXT_STEPS(name));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    console.error('usage: npm run new-function -- <name>');
    process.exit(1);
  }
}
