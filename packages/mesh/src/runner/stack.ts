/**
 * @module `startStack`: all of Stockflow on one machine from the knative/ manifests. The Firestore
 * emulator, the mesh (the Broker's ingress, Triggers, PingSources), every Knative Service declared
 * there as its own process (`functions/<name>`, and `web`), each with the env its manifest gives plus
 * what Knative adds. `npm start`, `npm run dev` and the system tests all use it.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, type Logger } from '@stockflow/kit';
import { type FirestoreEmulator, startFirestoreEmulator } from '@stockflow/kit/emulator';
import { freePort } from '@stockflow/kit/free-port';
import type { PaymentSandbox } from '@stockflow/payment-sandbox';
import { generateSigningKey } from '../auth/issuer.ts';
import type { Resolver } from '../broker.ts';
import { DEFAULT_NAMESPACE, type KnativeService, loadManifests, type Manifests } from '../manifests.ts';
import { type Mesh, startMesh } from '../mesh.ts';
import type { SenderPolicy } from '../senders.ts';
import { type LocalStaffIdentity, startLocalStaffIdentity } from './dev-issuer.ts';
import { type EnvContext, serviceEnv } from './env.ts';
import { type LogFormat, prefixedWriter } from './logs.ts';
import { type MailCatcher, SMTP_SECRET, startMailCatcher } from './mail-catcher.ts';
import { type LocalPaymentProvider, startLocalPaymentProvider } from './payment-provider.ts';
import { LocalProcess, type ProcessSpec } from './process.ts';
import { type RoundRobin, startRoundRobinProcess } from './round-robin.ts';
import { TokenFiles } from './token-files.ts';

/** The repository root (this file is packages/mesh/src/runner/stack.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface StackOptions {
  root?: string;
  /** The folder of Knative YAML to run; `<root>/knative/base` by default. */
  manifests?: string;
  /** Where web listens (8080 by default; 0 picks a free port). */
  port?: number;
  /** Where the broker ingress listens (8081 by default; 0 picks a free port). */
  brokerPort?: number;
  /** The break-glass admin token; none (off) when absent. */
  adminToken?: string;
  /** A real mail relay for notifications (`SMTP_URL`); the local catcher when absent. */
  smtpUrl?: string;
  /**
   * Where the dev OpenID Connect issuer listens: a free port unless given (`npm start` gives 8089,
   * STAFF_ISSUER_PORT), so stacks started side by side in tests never compete for one port.
   */
  issuerPort?: number;
  /**
   * Where the payment sandbox (the test payment provider) listens: a free port unless given
   * (`npm start` gives 8092, PAYMENT_SANDBOX_PORT).
   */
  paymentSandboxPort?: number;
  logLevel?: LogLevel;
  /** File watching: functions restart on change, the SPA is served by Vite with hot reload. */
  dev?: boolean;
  /** The Firestore project the functions use (a fresh one isolates a test's data). */
  projectId?: string;
  /** The entry file of a Service, by name, instead of functions/<name> (test fixtures). */
  entries?: Record<string, string>;
  /** Where the prefixed output of every process goes (stdout by default). */
  write?: (text: string) => void;
  /**
   * How the functions' JSON log lines are written: `readable` (`time LEVEL message k=v`, the default)
   * or `json`, each line as the function wrote it (what Cloud Logging reads, trace fields included).
   */
  logFormat?: LogFormat;
  /**
   * Env added to every Service's process where its manifest and Knative set nothing, e.g.
   * `OTEL_EXPORTER_OTLP_ENDPOINT` to export every function's traces to one collector.
   */
  env?: Record<string, string>;
  readyTimeoutMs?: number;
  /**
   * Whether the mesh keeps accepted events in a journal file for the stack's life (true by default),
   * so that a mesh restart loses none, as the Kafka-backed broker on GKE would not. False keeps them
   * in memory only, like Knative's InMemoryChannel.
   */
  journal?: boolean;
  /** A rate per sender address at the broker ingress; none by default. */
  brokerSenders?: SenderPolicy;
  /**
   * `STOCKFLOW_INSECURE_EVENTS=1`: sender identity off in the mesh whatever config-features says,
   * and every process told so (the kit then skips verification). Logged as a warning.
   */
  insecureEvents?: boolean;
  /**
   * Instances per Service, by name (`npm start -- --replicas inventory=2`): N processes, each on its
   * own port, behind a round-robin proxy on the Service's address, as Knative's autoscaler would run
   * N pods of a revision. One each by default.
   */
  replicas?: Record<string, number>;
}

export interface StackUrls {
  /** The SPA and `/api/<function>/...` (absent when web is not declared or not built). */
  web?: string;
  /** The dev OpenID Connect issuer staff sign in with. */
  issuer: string;
  /** The default broker's ingress: `POST` CloudEvents here. */
  broker: string;
  mesh: string;
  /** Each Service's own local URL, by name (its round-robin proxy when it runs more than one instance). */
  services: Record<string, string>;
  /** Each Service's instances' URLs, by name (one, the Service's URL, unless it has replicas). */
  instances: Record<string, string[]>;
  /** `127.0.0.1:<port>`: FIRESTORE_EMULATOR_HOST. */
  firestore: string;
  /** The local mail catcher: what the functions sent, at `<mail>/messages` (JSON) and `<mail>/`. */
  mail: string;
  /** The payment sandbox: its API (`/v1`, payments' PAYMENT_PROVIDER_URL) and hosted pages (`/pay/<id>`). */
  payments: string;
}

export interface Stack {
  urls: StackUrls;
  /** The break-glass admin token, when one was asked for. */
  adminToken?: string;
  /** Signs staff tokens as web does (tests mint tokens for the functions directly). */
  staffSigningKey: CryptoKey;
  manifests: Manifests;
  /** The running mesh (replaced on this object by `restartMesh`). */
  mesh: Mesh;
  /** The SMTP server standing in for the mail relay (SMTP_URL of the functions). */
  mailCatcher: MailCatcher;
  /**
   * The test payment provider payments talks to (its credentials reach payments as the
   * `stockflow-payments` Secret would); its webhooks go to web's `/api/payments/webhooks/sandbox`.
   */
  paymentSandbox: PaymentSandbox;
  /**
   * SIGKILLs a Service's process groups (every instance), as a crash would (nothing drains);
   * `restart` brings them back.
   */
  kill(name: string): Promise<void>;
  /** Stops a Service's processes if they run, starts them again on the same ports; resolves once ready. */
  restart(name: string): Promise<void>;
  /**
   * Stops the mesh, waiting `drainMs` for deliveries in flight (0, the default, cuts them short as a
   * crash would), and starts a new one on the same port and journal, which delivers what the old one
   * left undelivered.
   */
  restartMesh(drainMs?: number): Promise<Mesh>;
  /** Stops every process, the mesh, and the emulator if this stack started it. */
  stop(): Promise<void>;
  /** The stack's state folder (the mesh's journal, the SinkBindings' token files); removed on stop. */
  stateDir: string;
  /** Whether sender identity is on (config-features' `authentication-oidc`, unless insecure). */
  identity: boolean;
}

interface Plan {
  service: KnativeService;
  /** The Service's address: its process's port, or its round-robin proxy's when it has replicas. */
  port: number;
  /** Each instance's port (just `port` when it runs one). */
  instancePorts: number[];
  spec: (env: Record<string, string>, instance: number) => ProcessSpec;
}

export class StackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StackError';
  }
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const root = options.root ?? REPO_ROOT;
  const manifestDir = options.manifests ?? join(root, 'knative', 'base');
  const logLevel = options.logLevel ?? 'info';
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const adminToken = options.adminToken;
  const projectId = options.projectId ?? 'stockflow-local';
  const manifests = loadManifests(manifestDir);
  // Port 0 means "any free port", picked now because processes are told theirs before they start.
  const webPort = options.port === 0 ? await freePort() : (options.port ?? 8080);
  const settings: StackOptions = { ...options, port: webPort };

  const names = [
    'mesh',
    'firestore',
    ...manifests.services.map((s) => ((options.replicas?.[s.name] ?? 1) > 1 ? `${s.name}#9` : s.name)),
    ...(settings.dev ? ['vite'] : []),
  ];
  const width = Math.max(...names.map((n) => n.length));
  const runnerLog = prefixedWriter('stack', width, write);
  const say = (message: string) => runnerLog.push(`${message}\n`);
  const meshOut = prefixedWriter('mesh', width, write);
  const log: Logger = createLogger({
    service: 'mesh',
    level: logLevel,
    write: (line) => meshOut.push(`${line}\n`),
  });

  const started: {
    emulator?: FirestoreEmulator;
    mesh?: Mesh;
    staff?: LocalStaffIdentity;
    mailCatcher?: MailCatcher;
    payments?: LocalPaymentProvider;
    processes: LocalProcess[];
    proxies: RoundRobin[];
    stateDir?: string;
    tokenFiles?: TokenFiles;
  } = { processes: [], proxies: [] };
  const stop = async () => {
    started.tokenFiles?.stop();
    await Promise.all(started.proxies.map((p) => p.close()));
    await Promise.all(started.processes.map((p) => p.stop()));
    await started.mesh?.stop();
    await started.emulator?.stop();
    await started.staff?.issuer.stop();
    if (started.stateDir) await rm(started.stateDir, { recursive: true, force: true });
    await started.mailCatcher?.stop();
    await started.payments?.sandbox.stop();
  };

  try {
    const firestoreOut = prefixedWriter('firestore', width, write);
    started.emulator = await startFirestoreEmulator({ onLog: (line) => firestoreOut.push(`${line}\n`) });

    started.mailCatcher = await startMailCatcher();
    // The shop's origin as the README gives it: the order's cookie is the host's, so the shopper
    // must come back to the host they ordered on.
    started.payments = await startLocalPaymentProvider({
      port: settings.paymentSandboxPort ?? 0,
      shopUrl: `http://127.0.0.1:${webPort}`,
    });
    const payments = started.payments;
    const plans = await plan(manifests, root, settings);
    const localUrls = new Map<string, string>();
    for (const { service, port } of plans) {
      localUrls.set(`${service.namespace}/${service.name}`, `http://127.0.0.1:${port}`);
    }
    const serviceUrl = (name: string, namespace: string) => localUrls.get(`${namespace}/${name}`);
    const resolve: Resolver = (ref) =>
      ref.kind === 'Service' ? serviceUrl(ref.name, ref.namespace) : undefined;

    started.stateDir = await mkdtemp(join(tmpdir(), 'stockflow-stack-'));
    const stateDir = started.stateDir;
    const meshOptions = {
      manifests: manifestDir,
      port: settings.brokerPort ?? 8081,
      logLevel,
      resolve,
      log,
      journal: (settings.journal ?? true) ? join(stateDir, 'journal.jsonl') : undefined,
      senders: settings.brokerSenders,
      insecure: settings.insecureEvents,
      // One key for the stack's life: a restarted mesh keeps accepting the tokens the processes hold.
      signingKey: await generateSigningKey(),
    };
    started.mesh = await startMesh(meshOptions);
    const mesh = started.mesh;
    const identity = mesh.features.oidc;
    if (identity) {
      started.tokenFiles = new TokenFiles(
        join(stateDir, 'oidc'),
        manifests.sinkBindings,
        () => started.mesh!.issuer,
      );
      await started.tokenFiles.start();
    }
    const tokenFiles = started.tokenFiles;

    const issuerPort = settings.issuerPort ?? 0;
    started.staff = await startLocalStaffIdentity({
      port: issuerPort,
      webOrigins: [`http://127.0.0.1:${webPort}`, `http://localhost:${webPort}`],
    });
    const context: Omit<EnvContext, 'port'> = {
      adminToken,
      // The runner stands in for the cluster's Secrets: web's staff settings, notifications' relay,
      // payments' provider.
      refs: {
        ...started.staff.refs,
        ...payments.refs,
        [`Secret/${SMTP_SECRET.name}/${SMTP_SECRET.key}`]: settings.smtpUrl ?? started.mailCatcher.smtpUrl,
      },
      emulatorHost: started.emulator.host,
      projectId,
      logLevel,
      serviceUrl,
      sinkBindings: manifests.sinkBindings,
      sinkUrl(binding) {
        const { ref, uri } = binding.sink;
        if (ref?.kind === 'Broker') return mesh.ingressUrl(ref.namespace ?? binding.namespace, ref.name);
        if (ref) return serviceUrl(ref.name, ref.namespace ?? binding.namespace);
        return uri;
      },
      warn: say,
      // Break-glass is in no manifest: a run that asks for it gives it to every process.
      extraEnv: adminToken ? { ...settings.env, ADMIN_TOKEN: adminToken } : settings.env,
      oidcIssuer: mesh.issuer.url,
      tokenFile: (binding) => tokenFiles?.fileOf(binding),
      // With identity off in the mesh, deliveries carry no token: the functions must not ask for one.
      insecureEvents: !identity,
    };
    const format = settings.logFormat ?? 'readable';
    started.processes = plans.flatMap(({ service, instancePorts, spec }) =>
      instancePorts.map(
        (port, instance) =>
          new LocalProcess(spec(serviceEnv(service, { ...context, port }), instance), width, write, format),
      ),
    );
    for (const { port, instancePorts } of plans) {
      if (instancePorts.length === 1) continue;
      started.proxies.push(
        await startRoundRobinProcess({ port, instances: instancePorts.map((p) => `http://127.0.0.1:${p}`) }),
      );
    }
    if (settings.dev) {
      const web = plans.find((p) => p.service.name === 'web');
      if (web) started.processes.push(new LocalProcess(viteSpec(root, webPort, web.port), width, write));
    }
    const timeout = settings.readyTimeoutMs ?? 60_000;
    await Promise.all(started.processes.map((p) => p.ready(timeout)));
    /** The indexes of a Service's processes (one per instance). */
    const processesOf = (name: string) => {
      const indexes = started.processes.flatMap((p, i) =>
        serviceOfProcess(p.spec.name) === name ? [i] : [],
      );
      if (!indexes.length) throw new StackError(`no process named ${name} runs in this stack`);
      return indexes;
    };
    const proxyOf = (name: string) => {
      const plan = plans.find((p) => p.service.name === name);
      return started.proxies.find((p) => plan && p.url === `http://127.0.0.1:${plan.port}`);
    };

    const services = Object.fromEntries(
      plans.map(({ service, port }) => [service.name, `http://127.0.0.1:${port}`]),
    );
    const webPlan = plans.find((p) => p.service.name === 'web');
    // Straight to web's server (not Vite in dev): the provider's webhooks reach payments through web.
    if (webPlan) payments.deliverThrough(`http://127.0.0.1:${webPlan.port}`);
    const instances = Object.fromEntries(
      plans.map(({ service, instancePorts }) => [
        service.name,
        instancePorts.map((p) => `http://127.0.0.1:${p}`),
      ]),
    );
    const urls: StackUrls = {
      web: webPlan ? `http://127.0.0.1:${settings.dev ? webPort : webPlan.port}` : undefined,
      issuer: started.staff.issuer.url,
      broker: mesh.ingressUrl(),
      mesh: mesh.url,
      services,
      instances,
      firestore: started.emulator.host,
      mail: started.mailCatcher.url,
      payments: payments.sandbox.url,
    };
    const stack: Stack = {
      urls,
      adminToken,
      staffSigningKey: started.staff.signingKey,
      manifests,
      mesh,
      mailCatcher: started.mailCatcher,
      paymentSandbox: payments.sandbox,
      stop,
      stateDir,
      identity,
      async kill(name) {
        const proxy = proxyOf(name);
        for (const instance of proxy?.instances ?? []) proxy?.markDown(instance);
        await Promise.all(processesOf(name).map((index) => started.processes[index]!.kill()));
      },
      async restart(name) {
        await Promise.all(
          processesOf(name).map(async (index) => {
            const old = started.processes[index]!;
            await old.stop();
            const next = new LocalProcess(old.spec, width, write, format);
            started.processes[index] = next;
            await next.ready(timeout);
          }),
        );
        // Back in the rotation at once, not at the next health check.
        await proxyOf(name)?.checkHealth();
      },
      async restartMesh(drainMs = 0) {
        await started.mesh?.stop(drainMs);
        started.mesh = await startMesh({ ...meshOptions, port: mesh.port });
        stack.mesh = started.mesh;
        return started.mesh;
      },
    };
    return stack;
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Which process runs each Service and on which port. */
async function plan(manifests: Manifests, root: string, options: StackOptions): Promise<Plan[]> {
  const plans: Plan[] = [];
  const declared = new Set(manifests.services.map((s) => s.name));
  const unknown = Object.keys(options.replicas ?? {}).filter((name) => !declared.has(name));
  if (unknown.length) {
    throw new StackError(`replicas for ${unknown.join(', ')}: no such Service in the manifests`);
  }
  for (const service of manifests.services) {
    if (service.namespace !== DEFAULT_NAMESPACE) {
      throw new StackError(
        `Service ${service.name}: the local runner serves namespace ${DEFAULT_NAMESPACE} only`,
      );
    }
    const isWeb = service.name === 'web';
    // In dev, Vite takes web's public port and proxies /api to the web server on a port of its own.
    const port = isWeb && !options.dev ? options.port! : await freePort();
    const replicas = replicasOf(service.name, options);
    const instancePorts = [port];
    // One at a time: free ports asked for together could be handed out twice.
    if (replicas > 1) instancePorts.length = 0;
    while (instancePorts.length < replicas) instancePorts.push(await freePort());
    const entry = entryOf(service.name, root, options);
    if (!entry) {
      throw new StackError(
        `Service ${service.name} (${service.origin}) has no code to run: expected ${
          isWeb ? 'web/server/main.ts' : `functions/${service.name}/src/main.ts`
        }`,
      );
    }
    const args = [
      ...(entry.endsWith('.ts') ? ['--import', 'tsx'] : []),
      ...(options.dev ? ['--watch'] : []),
      entry,
    ];
    plans.push({
      service,
      port,
      instancePorts,
      spec: (env, instance) => ({
        name: replicas === 1 ? service.name : `${service.name}#${instance + 1}`,
        command: process.execPath,
        args,
        cwd: root,
        env:
          isWeb && !entry.endsWith('.mjs')
            ? { STATIC_DIR: join(root, 'web', 'dist', 'public'), ...env }
            : env,
        readyUrl: `http://127.0.0.1:${instancePorts[instance]}/readyz`,
      }),
    });
  }
  return plans;
}

/** How many instances a Service runs: its `replicas` option (1 by default). */
function replicasOf(name: string, options: StackOptions): number {
  const count = options.replicas?.[name] ?? 1;
  if (!Number.isInteger(count) || count < 1) {
    throw new StackError(`replicas for ${name} must be a whole number of at least 1, not ${count}`);
  }
  return count;
}

/** The Service a process runs: `inventory#2` is an instance of inventory. */
function serviceOfProcess(processName: string): string {
  return processName.split('#')[0]!;
}

/**
 * The file a Service runs: the bundle `npm run build` makes (what its image runs), or in dev and
 * when nothing is built yet, its TypeScript source through tsx.
 */
function entryOf(name: string, root: string, options: StackOptions): string | undefined {
  const own = options.entries?.[name];
  if (own) return own;
  const folder = name === 'web' ? join(root, 'web') : join(root, 'functions', name);
  const built =
    name === 'web' ? join(folder, 'dist', 'server', 'main.mjs') : join(folder, 'dist', 'main.mjs');
  const source = name === 'web' ? join(folder, 'server', 'main.ts') : join(folder, 'src', 'main.ts');
  if (!options.dev && existsSync(built)) return built;
  return existsSync(source) ? source : undefined;
}

function viteSpec(root: string, port: number, webServerPort: number): ProcessSpec {
  return {
    name: 'vite',
    command: process.execPath,
    args: [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), '--port', String(port), '--strictPort'],
    cwd: join(root, 'web'),
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      WEB_API_ORIGIN: `http://127.0.0.1:${webServerPort}`,
    },
    readyUrl: `http://127.0.0.1:${port}/`,
  };
}
