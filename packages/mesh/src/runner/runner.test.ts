import { describe, expect, it } from 'vitest';
import type { KnativeService, SinkBinding } from '../manifests.ts';
import { bindingSelects, type EnvContext, rewriteClusterLocal, serviceEnv } from './env.ts';
import { prefixedWriter, renderLine } from './logs.ts';

const service = (overrides: Partial<KnativeService> = {}): KnativeService => ({
  name: 'web',
  namespace: 'default',
  origin: 'test',
  labels: {},
  env: [],
  ...overrides,
});

const binding: SinkBinding = {
  name: 'functions',
  namespace: 'default',
  origin: 'test',
  subject: { kind: 'Service', matchLabels: { 'stockflow.dev/publishes-events': 'true' } },
  sink: { ref: { kind: 'Broker', name: 'default' } },
};

function context(warnings: string[] = []): Omit<EnvContext, 'port'> & { port: number } {
  return {
    port: 40123,
    adminToken: 'local-admin-token-0123456789',
    emulatorHost: '127.0.0.1:8686',
    projectId: 'stockflow-local',
    logLevel: 'info',
    serviceUrl: (name, namespace) =>
      namespace === 'default' && name === 'catalog' ? 'http://127.0.0.1:40001' : undefined,
    sinkUrl: () => 'http://127.0.0.1:8081/default/default',
    sinkBindings: [binding],
    warn: (message) => warnings.push(message),
  };
}

describe("a Service's local environment", () => {
  it('carries the container env, the admin Secret as the token, and what Knative adds', () => {
    const env = serviceEnv(
      service({
        name: 'catalog',
        labels: { 'stockflow.dev/publishes-events': 'true' },
        env: [
          { name: 'FIRESTORE_DATABASE', value: 'catalog' },
          { name: 'ADMIN_TOKEN', valueFrom: { secretKeyRef: { name: 'stockflow-admin', key: 'token' } } },
        ],
      }),
      context(),
      { PATH: '/usr/bin', PORT: '1', K_SINK: 'http://elsewhere', FIRESTORE_DATABASE: 'leaked' },
    );
    expect(env).toEqual({
      PATH: '/usr/bin',
      FIRESTORE_DATABASE: 'catalog',
      ADMIN_TOKEN: 'local-admin-token-0123456789',
      PORT: '40123',
      K_SERVICE: 'catalog',
      K_CONFIGURATION: 'catalog',
      K_REVISION: 'catalog-00001',
      K_SINK: 'http://127.0.0.1:8081/default/default',
      FIRESTORE_EMULATOR_HOST: '127.0.0.1:8686',
      GOOGLE_CLOUD_PROJECT: 'stockflow-local',
      LOG_LEVEL: 'info',
    });
  });

  it("adds the runner's env for every process where the manifest and Knative set nothing", () => {
    const env = serviceEnv(
      service({ env: [{ name: 'FIRESTORE_DATABASE', value: 'web' }] }),
      {
        ...context(),
        extraEnv: {
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
          FIRESTORE_DATABASE: 'elsewhere',
          PORT: '1',
        },
      },
      {},
    );
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://127.0.0.1:4318');
    expect(env.FIRESTORE_DATABASE).toBe('web');
    expect(env.PORT).toBe('40123');
  });

  it('gets no K_SINK when no SinkBinding selects it (web publishes nothing)', () => {
    expect(serviceEnv(service(), context(), {}).K_SINK).toBeUndefined();
  });

  it('rewrites cluster-local URLs of running Services and warns about the others', () => {
    const warnings: string[] = [];
    const env = serviceEnv(
      service({
        env: [
          { name: 'UPSTREAM_CATALOG', value: 'http://catalog.default.svc.cluster.local' },
          { name: 'UPSTREAM_LEDGER', value: 'http://ledger.default.svc.cluster.local' },
        ],
      }),
      context(warnings),
      {},
    );
    expect(env.UPSTREAM_CATALOG).toBe('http://127.0.0.1:40001');
    expect(env.UPSTREAM_LEDGER).toBe('http://ledger.default.svc.cluster.local');
    expect(warnings).toEqual([
      'web: UPSTREAM_LEDGER=http://ledger.default.svc.cluster.local names a Service that is not running here',
    ]);
  });

  it('skips, with a warning, Secrets other than the admin token', () => {
    const warnings: string[] = [];
    const env = serviceEnv(
      service({ env: [{ name: 'API_KEY', valueFrom: { secretKeyRef: { name: 'payments', key: 'key' } } }] }),
      context(warnings),
      {},
    );
    expect(env.API_KEY).toBeUndefined();
    expect(warnings[0]).toMatch(/API_KEY comes from Secret payments\/key/);
  });

  it("gives a Secret the runner stands in for its local value (the mail catcher's SMTP URL)", () => {
    const warnings: string[] = [];
    const env = serviceEnv(
      service({
        env: [{ name: 'SMTP_URL', valueFrom: { secretKeyRef: { name: 'stockflow-smtp', key: 'url' } } }],
      }),
      { ...context(warnings), secrets: { 'stockflow-smtp/url': 'smtp://127.0.0.1:2525' } },
      {},
    );
    expect(env.SMTP_URL).toBe('smtp://127.0.0.1:2525');
    expect(warnings).toEqual([]);
  });
});

describe('cluster-local URLs', () => {
  const url = (name: string) => (name === 'orders' ? 'http://127.0.0.1:5000' : undefined);
  it.each([
    ['http://orders.default.svc.cluster.local', 'http://127.0.0.1:5000'],
    ['http://orders.default.svc.cluster.local/events?x=1', 'http://127.0.0.1:5000/events?x=1'],
    ['http://orders.default.svc:80/path', 'http://127.0.0.1:5000/path'],
    ['http://orders.shop.svc.cluster.local', 'http://orders.shop.svc.cluster.local'],
    ['https://example.com/x', 'https://example.com/x'],
  ])('%s → %s', (value, expected) => {
    expect(
      rewriteClusterLocal(value, (name, namespace) => (namespace === 'default' ? url(name) : undefined)),
    ).toBe(expected);
  });
});

describe('SinkBinding subjects (sources.knative.dev/v1)', () => {
  it('selects by matchLabels, or by name, in its namespace', () => {
    const labelled = service({ name: 'orders', labels: { 'stockflow.dev/publishes-events': 'true' } });
    expect(bindingSelects(binding, labelled)).toBe(true);
    expect(bindingSelects(binding, service())).toBe(false);
    expect(bindingSelects({ ...binding, subject: { kind: 'Service', name: 'web' } }, service())).toBe(true);
    expect(bindingSelects(binding, { ...labelled, namespace: 'other' })).toBe(false);
  });
});

describe('log lines', () => {
  it('renders the kit JSON log entries as time, level, message and fields', () => {
    const line = JSON.stringify({
      severity: 'INFO',
      message: 'listening',
      time: '2026-11-27T15:03:02.855Z',
      service: 'web',
      port: 8080,
      detail: 'a b',
    });
    expect(renderLine(line)).toBe('15:03:02.855 INFO    listening port=8080 detail="a b"');
    expect(renderLine('plain text')).toBe('plain text');
  });

  it('prefixes every complete line with the process name, joining chunks split mid-line', () => {
    const out: string[] = [];
    const writer = prefixedWriter('orders', 8, (text) => out.push(text));
    writer.push('first li');
    writer.push('ne\nsecond\n\nthi');
    writer.flush();
    writer.push('rd\n');
    expect(out).toEqual([
      'orders   │ first line\n',
      'orders   │ second\n',
      'orders   │ thi\n',
      'orders   │ rd\n',
    ]);
  });

  it('keeps JSON lines as written in the json format (trace fields included)', () => {
    const line = JSON.stringify({
      severity: 'INFO',
      message: 'request',
      'logging.googleapis.com/trace': 'projects/p/traces/0af7651916cd43dd8448eb211c80319c',
    });
    const out: string[] = [];
    prefixedWriter('orders', 6, (text) => out.push(text), 'json').push(`${line}\n`);
    expect(out).toEqual([`orders │ ${line}\n`]);
  });
});
