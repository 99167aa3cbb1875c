import { EVENTS, PARTNERS, PUBLISHERS } from '@stockflow/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import { listDeployables } from '../../scripts/deployables.ts';
import { validDeployment } from './fixtures.ts';
import { admissionProblems, schemaProblems } from './knative-rules.ts';
import {
  clone,
  isKnativeService,
  isSinkBinding,
  isTrigger,
  type Manifest,
  OVERLAYS,
  readYamlFile,
  renderOverlay,
} from './manifests.ts';
import {
  contractOf,
  type FunctionContract,
  gkeOverlayProblems,
  localOverlayProblems,
  networkPolicyProblems,
  secretProblems,
  stockflowProblems,
} from './stockflow-rules.ts';

const deployables = listDeployables();
let contracts: FunctionContract[];

beforeAll(async () => {
  contracts = await Promise.all(deployables.map(async (d) => contractOf(d, await import(`../../${d.app}`))));
});

describe.each(OVERLAYS)('knative/overlays/%s, rendered by kubectl kustomize', (overlay) => {
  let docs: Manifest[];
  beforeAll(() => {
    docs = renderOverlay(overlay);
  });

  it('holds a Knative Service for every deployable', () => {
    const services = docs.filter(isKnativeService).map((s) => s.metadata.name);
    expect(services.sort()).toEqual(deployables.map((d) => d.name).sort());
  });

  it('matches the Kubernetes and Knative schemas, unknown fields included', () => {
    expect(docs.flatMap(schemaProblems)).toEqual([]);
  });

  it("passes Knative's admission rules", () => {
    expect(docs.flatMap(admissionProblems)).toEqual([]);
  });

  it('agrees with the code: Services, Triggers, env, emitters, references', () => {
    expect(
      stockflowProblems({
        docs,
        deployables,
        contracts,
        events: EVENTS,
        publishers: PUBLISHERS,
        partners: Object.keys(PARTNERS),
      }),
    ).toEqual([]);
  });

  it('carries no secret material', () => {
    expect(secretProblems(docs)).toEqual([]);
  });

  it(`has what ${overlay} needs`, () => {
    expect(
      overlay === 'local' ? localOverlayProblems(docs, deployables) : gkeOverlayProblems(docs, deployables),
    ).toEqual([]);
  });
});

describe('the schema and admission checks', () => {
  const [broker] = readYamlFile('knative/base/broker.yaml');
  const binding = readYamlFile('knative/base/orders.yaml').find(isSinkBinding);
  const service = validDeployment().docs.find((d) => isKnativeService(d) && d.metadata.name === 'stock')!;
  const trigger = validDeployment().docs.find(
    (d) => isTrigger(d) && d.metadata.name === 'stock-on-order-placed',
  )!;

  it('accept valid objects', () => {
    for (const doc of [broker!, binding!, service, trigger]) {
      expect([...schemaProblems(doc), ...admissionProblems(doc)]).toEqual([]);
    }
  });

  it('reject a misspelled field anywhere, and a wrong type', () => {
    const typo = clone(service);
    typo.spec.template.spec.containers[0].readinessProbe.periodSecond = 2;
    typo.spec.traffic_ = [];
    expect(schemaProblems(typo)).toEqual([
      'Service stock (serving.knative.dev/v1): unknown field spec.template.spec.containers[0].readinessProbe.periodSecond',
      'Service stock (serving.knative.dev/v1): unknown field spec.traffic_',
    ]);
    const wrongType = clone(trigger);
    wrongType.spec.delivery.retry = 'five';
    expect(schemaProblems(wrongType).join()).toContain('spec.delivery.retry must be integer');
    const unknownKind = { apiVersion: 'example.dev/v1', kind: 'Widget', metadata: { name: 'w' } };
    expect(schemaProblems(unknownKind)).toEqual([
      'Widget w (example.dev/v1): no schema known for example.dev/v1 Widget',
    ]);
  });

  it("reject what Knative's webhooks reject", () => {
    const bad = clone(service);
    const container = bad.spec.template.spec.containers[0];
    container.env.push({ name: 'PORT', value: '8080' }, { name: 'K_SINK', value: 'http://broker' });
    container.ports = [{ containerPort: 9090 }];
    container.volumeMounts = [{ name: 'scratch', mountPath: '/tmp' }];
    bad.spec.template.metadata.annotations['autoscaling.knative.dev/max-scale'] = 5;
    bad.metadata.annotations = { 'autoscaling.knative.dev/min-scale': '1' };
    bad.spec.template.spec.nodeSelector = { pool: 'fast' };
    const problems = admissionProblems(bad).map((p) =>
      p.replace('Service stock (serving.knative.dev/v1): ', ''),
    );
    expect(problems).toEqual([
      'autoscaling.knative.dev/min-scale is ignored on the Service; set it on spec.template.metadata.annotations',
      'annotation autoscaling.knative.dev/max-scale must be a string (quote it), got 5',
      'spec.template.spec.nodeSelector is not admitted by Knative (default features)',
      'container stock: port 9090 is reserved by Knative',
      'container stock: env PORT is set by Knative (or a SinkBinding) and may not be set here',
      'container stock: env K_SINK is set by Knative (or a SinkBinding) and may not be set here',
      'container stock: a volume may not be mounted at /tmp',
    ]);
  });

  it('reject mixed filter dialects, bad attribute names, unparsable CESQL and alpha delivery fields', () => {
    const bad = clone(trigger);
    bad.spec.filters = [
      { exact: { type: 'io.example.order.placed' }, suffix: { source: '/orders' } },
      { prefix: { Type: 'io.' } },
      { not: { cesql: "type = 'io.example.order.placed" } },
    ];
    bad.spec.delivery.retryAfterMax = 'PT1M';
    bad.spec.delivery.backoffDelay = '500ms';
    expect(
      admissionProblems(bad).map((p) =>
        p.replace('Trigger stock-on-order-placed (eventing.knative.dev/v1): ', ''),
      ),
    ).toEqual([
      'spec.filters[0] must hold exactly one dialect (exact, prefix, suffix, all, any, not, cesql), got exact, suffix',
      'spec.filters[1].prefix: attribute Type must start with a letter and be lowercase alphanumeric',
      "spec.filters[2].not.cesql: CESQL parse error at column 8: the string literal opened here is never closed with '",
      'spec.delivery.backoffDelay must be an ISO 8601 duration such as PT0.2S, got 500ms',
      'spec.delivery.retryAfterMax needs the alpha feature delivery-retryafter, off by default',
    ]);
  });
});

describe('the cross-checks with the code', () => {
  const problemsAfter = (change: (input: ReturnType<typeof validDeployment>) => void) => {
    const input = validDeployment();
    change(input);
    return stockflowProblems(input);
  };
  const find = (docs: Manifest[], kind: string, name: string) =>
    docs.find((d) => d.kind === kind && d.metadata.name === name)!;

  it('pass on a consistent deployment', () => {
    expect(stockflowProblems(validDeployment())).toEqual([]);
  });

  it('fail when a Trigger routes a type its subscriber does not consume, and name both', () => {
    const problems = problemsAfter(({ docs }) => {
      find(docs, 'Trigger', 'stock-on-order-placed').spec.filter.attributes.type =
        'io.example.stock.reserved';
    });
    expect(problems).toContain(
      'Trigger stock-on-order-placed (eventing.knative.dev/v1) routes io.example.stock.reserved to stock, whose code does not consume it',
    );
    expect(problems).toContain(
      'stock consumes io.example.order.placed, but no Trigger routes it there: add one to knative/base/stock.yaml',
    );
  });

  it('fail when a filterless Trigger sends everything to a function that consumes one type', () => {
    const problems = problemsAfter(({ docs }) => {
      delete find(docs, 'Trigger', 'stock-on-order-placed').spec.filter;
    });
    expect(problems).toEqual([
      'Trigger stock-on-order-placed (eventing.knative.dev/v1) routes io.example.stock.reserved to stock, whose code does not consume it',
    ]);
  });

  it('fail when a function that consumes every type lacks a catch-all Trigger', () => {
    const problems = problemsAfter(({ docs }) => {
      find(docs, 'Trigger', 'ledger-everything').spec.filters = [{ prefix: { type: 'io.example.order.' } }];
    });
    expect(problems).toEqual([
      'ledger consumes every type, but no Trigger routes io.example.stock.reserved to it',
    ]);
  });

  it('fail when a required env var is missing, or a set one is unknown to the config', () => {
    const problems = problemsAfter(({ docs, contracts }) => {
      contracts[1]!.env.push({ name: 'RESERVATION_TTL_SECONDS', required: true });
      find(docs, 'Service', 'stock').spec.template.spec.containers[0].env.push({
        name: 'FIRESTORE_DATABSE',
        value: 'x',
      });
    });
    expect(problems).toEqual([
      'Service stock (serving.knative.dev/v1): env RESERVATION_TTL_SECONDS is required by functions/stock/src/app.ts but not set',
      'Service stock (serving.knative.dev/v1): env FIRESTORE_DATABSE is not read by functions/stock/src/app.ts (a typo?)',
    ]);
  });

  it("accept OpenTelemetry's variables, which the exporter reads rather than the config", () => {
    const problems = problemsAfter(({ docs }) => {
      find(docs, 'Service', 'stock').spec.template.spec.containers[0].env.push(
        { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel-collector:4318' },
        { name: 'OTEL_EXPORTER_OTLP_HEADRS', value: 'x=1' },
        { name: 'OTLP_ENDPOINT', value: 'http://otel-collector:4318' },
      );
    });
    expect(problems).toEqual([
      'Service stock (serving.knative.dev/v1): env OTEL_EXPORTER_OTLP_HEADRS is not read by functions/stock/src/app.ts (a typo?)',
      'Service stock (serving.knative.dev/v1): env OTLP_ENDPOINT is not read by functions/stock/src/app.ts (a typo?)',
    ]);
  });

  it('fail when a function folder has no Service, or a Service no folder', () => {
    const problems = problemsAfter(({ docs, deployables }) => {
      deployables.push({
        ...deployables[1]!,
        name: 'pricing',
        dir: 'functions/pricing',
        app: 'functions/pricing/src/app.ts',
      });
      find(docs, 'Service', 'stock').metadata.name = 'stocks';
    });
    expect(problems).toContain(
      'functions/stock has no Knative Service: add knative/base/stock.yaml and list it in knative/base/kustomization.yaml',
    );
    expect(problems).toContain(
      'functions/pricing has no Knative Service: add knative/base/pricing.yaml and list it in knative/base/kustomization.yaml',
    );
    expect(problems).toContain(
      'Service stocks (serving.knative.dev/v1) has no deployable: no functions/stocks/src/app.ts',
    );
  });

  it('fail when a publisher has no SinkBinding of its own or no outbox sweep', () => {
    const problems = problemsAfter(({ docs }) => {
      const binding = find(docs, 'SinkBinding', 'stock');
      docs.splice(docs.indexOf(binding), 1);
      const sweep = find(docs, 'PingSource', 'ledger-outbox-sweep');
      docs.splice(docs.indexOf(sweep), 1);
    });
    expect(problems).toEqual([
      'ledger handles dev.knative.sources.ping, but no PingSource sends it one',
      'Service ledger (serving.knative.dev/v1) publishes events: add a PingSource so its outbox is swept while it is scaled to zero',
      'publisher stock has no SinkBinding named stock: add one to knative/base/stock.yaml',
    ]);
  });

  it('fail on a shared SinkBinding by selector, a wrong sink, and an unknown producer', () => {
    const problems = problemsAfter(({ docs, events }) => {
      const binding = find(docs, 'SinkBinding', 'stock');
      binding.metadata.name = 'stockflow-functions';
      binding.spec.subject = {
        apiVersion: 'serving.knative.dev/v1',
        kind: 'Service',
        selector: { matchLabels: { 'stockflow.dev/publishes-events': 'true' } },
      };
      find(docs, 'SinkBinding', 'ledger').spec.sink = { uri: 'http://broker-ingress.example/default' };
      events['io.example.order.shipped'] = { producer: 'shipping' };
    });
    expect(problems).toEqual([
      'io.example.order.shipped: producer shipping is neither a publisher nor a partner (packages/contracts)',
      'SinkBinding ledger (sources.knative.dev/v1): sink must be the Broker default',
      'publisher stock has no SinkBinding named stock: add one to knative/base/stock.yaml',
      "SinkBinding stockflow-functions (sources.knative.dev/v1) is no publisher's: each publisher (packages/contracts PUBLISHERS) has its own, named after it",
    ]);
  });

  it("fail when a Destination at a Service lacks that Service's audience, or a partner its ServiceAccount", () => {
    const problems = problemsAfter(({ docs }) => {
      delete find(docs, 'Trigger', 'stock-on-order-placed').spec.subscriber.audience;
      find(docs, 'PingSource', 'stock-outbox-sweep').spec.sink.audience = 'ledger';
      delete find(docs, 'Broker', 'default').spec.delivery.deadLetterSink.audience;
      const partner = find(docs, 'ServiceAccount', 'warehouse');
      docs.splice(docs.indexOf(partner), 1);
    });
    expect(problems).toEqual([
      'partner warehouse has no ServiceAccount: add it to knative/base/partners.yaml',
      'Broker default (eventing.knative.dev/v1) spec.delivery.deadLetterSink: audience must be "ledger" (the Service\'s name), so the dispatcher sends a token',
      'PingSource stock-outbox-sweep (sources.knative.dev/v1) spec.sink: audience must be "stock" (the Service\'s name), so the dispatcher sends a token',
      'Trigger stock-on-order-placed (eventing.knative.dev/v1) spec.subscriber: audience must be "stock" (the Service\'s name), so the dispatcher sends a token',
    ]);
  });

  it('fail on an inline secret, a missing delivery spec and a dangling reference', () => {
    const problems = problemsAfter(({ docs }) => {
      const env = find(docs, 'Service', 'stock').spec.template.spec.containers[0].env;
      env[1] = { name: 'ADMIN_TOKEN', value: 'not-in-the-repo-please' };
      delete find(docs, 'Trigger', 'stock-on-order-placed').spec.delivery;
      find(docs, 'Trigger', 'ledger-everything').spec.subscriber.ref.name = 'ledgr';
    });
    expect(problems).toEqual([
      'Service stock (serving.knative.dev/v1): ADMIN_TOKEN must come from a Secret (valueFrom), never inline',
      'Service stock (serving.knative.dev/v1): ADMIN_TOKEN is the break-glass token: no manifest may set it',
      'Service stock (serving.knative.dev/v1): STAFF_JWKS must come from configMapKeyRef stockflow-staff/jwks',
      'Trigger ledger-everything (eventing.knative.dev/v1) refers to Service ledgr (serving.knative.dev/v1), which is not defined',
      'Trigger stock-on-order-placed (eventing.knative.dev/v1): needs a delivery spec (retry, exponential backoff, dead-letter sink)',
      'ledger consumes every type, but no Trigger routes io.example.order.placed, io.example.stock.reserved to it',
      'Trigger ledger-everything (eventing.knative.dev/v1) spec.subscriber: audience must be "ledgr" (the Service\'s name), so the dispatcher sends a token',
    ]);
  });
});

describe('the overlay checks for sender identity and the network', () => {
  let gke: Manifest[];
  let local: Manifest[];
  beforeAll(() => {
    gke = renderOverlay('gke');
    local = renderOverlay('local');
  });
  const find = (docs: Manifest[], kind: string, name: string) =>
    docs.find((d) => d.kind === kind && d.metadata.name === name)!;
  const withoutEnv = (service: Manifest, name: string) => {
    const container = service.spec.template.spec.containers[0];
    container.env = container.env.filter((v: { name: string }) => v.name !== name);
  };

  it('fail when a function lacks the cluster issuer, or Kafka its TLS + SASL Secret, or TLS is not strict', () => {
    const docs = clone(gke);
    withoutEnv(find(docs, 'Service', 'orders'), 'OIDC_ISSUER');
    delete find(docs, 'ConfigMap', 'stockflow-kafka-broker').data['auth.secret.ref.name'];
    find(docs, 'ConfigMap', 'config-features').data['transport-encryption'] = 'permissive';
    expect(gkeOverlayProblems(docs, deployables)).toEqual([
      'gke: the Kafka broker config needs auth.secret.ref.name (a TLS + SASL Secret, docs/deploy.md)',
      'gke: config-features transport-encryption must be strict',
      'gke: orders needs OIDC_ISSUER from the ConfigMap stockflow-gcp (key oidc-issuer)',
    ]);
    const localDocs = clone(local);
    withoutEnv(find(localDocs, 'Service', 'ledger'), 'OIDC_ISSUER');
    expect(localOverlayProblems(localDocs, deployables)).toEqual([
      "local: ledger needs OIDC_ISSUER=https://kubernetes.default.svc.cluster.local (the API server's issuer)",
    ]);
  });

  it('fail when a NetworkPolicy lets in more than the data plane, or a deployable has none', () => {
    const docs = clone(gke);
    const functions = find(docs, 'NetworkPolicy', 'stockflow-functions');
    functions.spec.podSelector.matchExpressions[0].values = deployables
      .filter((d) => d.kind === 'function' && d.name !== 'ledger')
      .map((d) => d.name);
    functions.spec.ingress[1].ports = [{ port: 9090 }];
    find(docs, 'NetworkPolicy', 'stockflow-web').spec.ingress.push(
      { from: [{ podSelector: {} }] },
      { ports: [{ port: 8080 }] },
    );
    expect(networkPolicyProblems(docs, deployables)).toEqual([
      "gke: ledger's pods must be selected by one NetworkPolicy, found 0",
      'NetworkPolicy stockflow-functions (networking.k8s.io/v1): ingress[1] lets in {"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"gmp-system"}}}: only knative-serving, kourier-system, knative-eventing (by kubernetes.io/metadata.name), or gmp-system at port 8080',
      'NetworkPolicy stockflow-web (networking.k8s.io/v1): ingress[2] lets in {"podSelector":{}}: only knative-serving, kourier-system, knative-eventing (by kubernetes.io/metadata.name), or gmp-system at port 8080',
      'NetworkPolicy stockflow-web (networking.k8s.io/v1): ingress[3] has no "from": it lets everyone in',
    ]);
  });
});
