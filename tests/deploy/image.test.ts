import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { Firestore } from '@google-cloud/firestore';
import { OUTBOX_COLLECTION } from '@stockflow/kit';
import { cloudEventRequest, startFakeSink, TEST_AUDIENCE, testIssuer } from '@stockflow/kit/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../packages/kit/src/free-port.ts';
import { listDeployables, ROOT } from '../../scripts/deployables.ts';
import {
  type Lockfile,
  LockfileError,
  productionLockfile,
  type StagedImage,
  stageImage,
} from '../../scripts/image.ts';
import { copyParts, parseDockerfile } from './dockerfile.ts';

const dockerfileText = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const { globalArgs, stages } = parseDockerfile(dockerfileText);
const runtime = stages.at(-1)!;
const build = stages.find((s) => s.name === 'build')!;

describe('Dockerfile', () => {
  it('builds in stages and runs on distroless Node as a non-root user', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'deps', 'runtime']);
    expect(runtime.image).toMatch(/^gcr\.io\/distroless\/nodejs\$\{NODE_VERSION\}-debian12:nonroot$/);
    const user = runtime.instructions.filter((i) => i.keyword === 'USER').at(-1)?.args;
    expect(user).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
    // Distroless has no shell: nothing may RUN there.
    expect(runtime.instructions.filter((i) => i.keyword === 'RUN')).toEqual([]);
    expect(runtime.instructions.find((i) => i.keyword === 'CMD')?.args).toBe('["main.mjs"]');
  });

  it('uses one Node major for building and running, one the lockfile also installs on 20', () => {
    const nodeVersion = globalArgs
      .find((i) => i.keyword === 'ARG' && i.args.startsWith('NODE_VERSION='))
      ?.args.split('=')[1];
    expect(Number(nodeVersion)).toBeGreaterThanOrEqual(20);
    for (const stage of stages.slice(0, -1)) expect(stage.image).toBe(`node:\${NODE_VERSION}-bookworm-slim`);
  });

  it('takes FUNCTION after the shared build, and stages that deployable with scripts/image.ts', () => {
    const keywords = build.instructions.map((i) => `${i.keyword} ${i.args}`);
    const argAt = keywords.indexOf('ARG FUNCTION');
    expect(argAt).toBeGreaterThan(keywords.indexOf('RUN npm run build'));
    expect(keywords.slice(argAt).some((k) => k.includes('scripts/image.ts "$FUNCTION" /image'))).toBe(true);
    expect(existsSync(join(ROOT, 'scripts/image.ts'))).toBe(true);
  });

  it('copies into the runtime only what earlier stages made, and installs only production dependencies', () => {
    for (const copy of runtime.instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')) {
      expect(copy.keyword).toBe('COPY');
      expect(copyParts(copy.args).from).toMatch(/^(build|deps)$/);
    }
    const deps = stages.find((s) => s.name === 'deps')!;
    expect(
      deps.instructions.some((i) => i.keyword === 'RUN' && /npm ci --omit=dev --ignore-scripts/.test(i.args)),
    ).toBe(true);
    for (const copy of build.instructions.filter((i) => i.keyword === 'COPY')) {
      for (const source of copyParts(copy.args).sources)
        expect(existsSync(join(ROOT, source)), source).toBe(true);
    }
  });

  it('holds no secret: no credentials in ENV or ARG', () => {
    const declared = [...globalArgs, ...stages.flatMap((s) => s.instructions)].filter((i) =>
      ['ENV', 'ARG'].includes(i.keyword),
    );
    for (const instruction of declared)
      expect(instruction.args).not.toMatch(/TOKEN|SECRET|PASSWORD|KEY|CREDENTIAL/i);
  });

  it('has a .dockerignore that keeps installs, builds, git and local artifacts out, and the sources in', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    for (const pattern of ['**/node_modules', '**/dist', '.git', '.artifacts'])
      expect(ignored).toContain(pattern);
    const needed = [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'scripts',
      'packages',
      'functions',
      'web',
    ];
    for (const path of needed)
      expect(ignored.filter((pattern) => pattern === path || path.startsWith(`${pattern}/`))).toEqual([]);
  });
});

describe('productionLockfile', () => {
  const lock: Lockfile = {
    lockfileVersion: 3,
    packages: {
      '': { name: 'repo' },
      'packages/kit': { version: '0.1.0', dependencies: { db: '^2.0.0' } },
      'node_modules/db': {
        version: '2.1.0',
        dependencies: { grpc: '^1.0.0', util: '^3.0.0' },
        optionalDependencies: { native: '1' },
      },
      'node_modules/db/node_modules/util': { version: '3.0.1' },
      'node_modules/util': { version: '1.0.0', dev: true },
      'node_modules/grpc': {
        version: '1.4.0',
        peerDependencies: { otel: '*' },
        peerDependenciesMeta: { otel: { optional: true } },
      },
      'node_modules/test-only': { version: '9.0.0', dev: true },
    },
  };

  it('keeps an external and what it needs, at their locked paths and versions, and nothing else', () => {
    expect(productionLockfile(lock, ['db'])).toEqual({
      name: 'stockflow-image',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'stockflow-image', dependencies: { db: '2.1.0' } },
        'node_modules/db': lock.packages['node_modules/db'],
        'node_modules/db/node_modules/util': { version: '3.0.1' },
        'node_modules/grpc': lock.packages['node_modules/grpc'],
      },
    });
  });

  it('fails on an external the lockfile does not hold, or a dependency it lacks', () => {
    expect(() => productionLockfile(lock, ['left-pad'])).toThrow(LockfileError);
    const broken = structuredClone(lock);
    delete broken.packages['node_modules/grpc'];
    expect(() => productionLockfile(broken, ['db'])).toThrow(
      'node_modules/db needs grpc, which package-lock.json does not hold',
    );
  });
});

/** Spawns a staged image's `main.mjs` as the runtime stage does (`node main.mjs` in its folder). */
async function startImage(dir: string, env: Record<string, string>) {
  const port = await freePort();
  const child = spawn(process.execPath, ['main.mjs'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { url, child, stderr: () => stderr };
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${dir}/main.mjs did not become ready: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

describe.each(listDeployables())('the $name image, staged and run without Docker', (deployable) => {
  const dir = join(ROOT, '.artifacts', 'tests', 'images', deployable.name);
  const assetsMissing = deployable.assets !== undefined && !existsSync(join(ROOT, deployable.assets.from));
  let staged: StagedImage;

  beforeAll(async () => {
    if (assetsMissing) return;
    staged = await stageImage(deployable, dir);
    // npm ci once per distinct lockfile (images with the same externals share one).
    const lock = readFileSync(join(dir, 'package-lock.json'));
    const shared = join(
      ROOT,
      '.artifacts',
      'tests',
      'image-deps',
      createHash('sha256').update(lock).digest('hex').slice(0, 16),
    );
    const installed = join(shared, '.installed');
    if (!existsSync(installed)) {
      rmSync(shared, { recursive: true, force: true });
      mkdirSync(shared, { recursive: true });
      for (const file of ['package.json', 'package-lock.json']) execFileSync('cp', [join(dir, file), shared]);
      execFileSync(
        'npm',
        ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'],
        {
          cwd: shared,
          stdio: 'ignore',
        },
      );
      mkdirSync(join(shared, 'node_modules'), { recursive: true });
      writeFileSync(installed, '');
    }
    symlinkSync(join(shared, 'node_modules'), join(dir, 'node_modules'));
  }, 180_000);

  it.skipIf(assetsMissing)(
    'holds the bundle without source maps, its assets, and its externals pinned',
    () => {
      const files = (readdirSync(dir, { recursive: true }) as string[]).filter(
        (f) => !f.startsWith('node_modules'),
      );
      expect(files).toContain('main.mjs');
      expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
      if (deployable.assets) expect(files).toContain(join(deployable.assets.to, 'index.html'));
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      expect(Object.keys(manifest.dependencies ?? {})).toEqual(staged.externals);
      for (const external of staged.externals) {
        expect(existsSync(join(dir, 'node_modules', external, 'package.json')), external).toBe(true);
      }
    },
  );

  it.skipIf(assetsMissing)(
    'starts, does its job (an outbox tick sending what a crash left, or the SPA), and drains on SIGTERM',
    async () => {
      const database = `image-${deployable.name}-${randomUUID().slice(0, 8)}`;
      const sink = await startFakeSink();
      // An event a crashed instance committed and never sent: the tick's sweep sends it with the
      // image's bundled CloudEvents SDK and HTTP client (loaded on first use, from chunks).
      const left = {
        specversion: '1.0',
        id: randomUUID(),
        source: `/${deployable.name}`,
        type: 'io.stockflow.test.left',
        time: new Date().toISOString(),
        datacontenttype: 'application/json',
        data: { n: 1 },
      };
      if (deployable.kind !== 'web') {
        const db = new Firestore({ projectId: 'stockflow-test', databaseId: database });
        await db
          .collection(OUTBOX_COLLECTION)
          .doc(left.id)
          .set({ record: left, status: 'pending', createdAt: Date.now() - 3_600_000 });
        await db.terminate();
      }
      const { url, child, stderr } = await startImage(dir, {
        GOOGLE_CLOUD_PROJECT: 'stockflow-test',
        FIRESTORE_EMULATOR_HOST: process.env.FIRESTORE_EMULATOR_HOST ?? '',
        FIRESTORE_DATABASE: database,
        K_SINK: sink.url,
        ADMIN_TOKEN: 'image-test-admin-token-0123456789',
        // The tick below carries this test file's issuer's PingSource token, verified by the image.
        OIDC_ISSUER: testIssuer.url,
        EVENTS_AUDIENCE: TEST_AUDIENCE,
        LOG_LEVEL: 'warn',
        // notifications' relay (nothing is sent here: the tick finds no message due).
        SMTP_URL: 'smtp://127.0.0.1:9',
        // payments' provider (nothing is called here: the tick finds no job due).
        PAYMENT_PROVIDER_URL: 'http://127.0.0.1:9',
        PAYMENT_API_KEY: 'image-test-api-key',
        PAYMENT_WEBHOOK_SECRET: 'image-test-webhook-secret-0123',
        // No cluster issuer here: the tick goes unverified. Verifying senders is the kit's, tested
        // in packages/kit; this checks that the image runs.
        STOCKFLOW_INSECURE_EVENTS: '1',
      });
      try {
        expect((await fetch(`${url}/healthz`)).status).toBe(200);
        if (deployable.kind === 'web') {
          const page = await fetch(`${url}/`);
          expect(page.status).toBe(200);
          expect(page.headers.get('content-type')).toMatch(/text\/html/);
        } else {
          // The tick sweeps the outbox: the Firestore client loads from the image's node_modules.
          const tick = await fetch(
            `${url}/events`,
            cloudEventRequest({ type: 'dev.knative.sources.ping', source: '/tests/ping' }),
          );
          expect(tick.status, await tick.text()).toBe(202);
          const [sent] = await sink.waitFor(1);
          expect(sent).toMatchObject({ id: left.id, type: left.type, source: left.source, data: { n: 1 } });
        }
      } finally {
        child.kill('SIGTERM');
        await sink.close();
      }
      expect(await exited(child), stderr()).toBe(0);
    },
  );
});
