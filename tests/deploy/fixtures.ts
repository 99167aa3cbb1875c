/**
 * @module A small, valid Stockflow deployment (broker, the ledger, one function `stock` consuming one
 * event type and emitting another, each with its SinkBinding, and one partner's ServiceAccount), which the
 * drift tests break one field at a time.
 */
import type { Deployable } from '../../scripts/deployables.ts';
import type { Manifest } from './manifests.ts';
import type { CheckInput, FunctionContract } from './stockflow-rules.ts';

/** A function deployable as scripts/deployables.ts lists it. */
export const functionDeployable = (name: string): Deployable => ({
  name,
  kind: 'function',
  dir: `functions/${name}`,
  entry: `functions/${name}/src/main.ts`,
  app: `functions/${name}/src/app.ts`,
});

const ksvcRef = (name: string) => ({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', name });
const deadLetters = () => ({ ref: ksvcRef('ledger'), uri: '/dead-letters', audience: 'ledger' });

function functionObjects(name: string, options: { publishes: boolean }): Manifest[] {
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } },
    {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Service',
      metadata: {
        name,
        labels: {
          'networking.knative.dev/visibility': 'cluster-local',
        },
      },
      spec: {
        template: {
          metadata: {
            annotations: {
              'autoscaling.knative.dev/min-scale': '0',
              'autoscaling.knative.dev/max-scale': '5',
            },
          },
          spec: {
            serviceAccountName: name,
            containers: [
              {
                name,
                image: name,
                ports: [{ containerPort: 8080 }],
                env: [
                  { name: 'FIRESTORE_DATABASE', value: name },
                  {
                    name: 'STAFF_JWKS',
                    valueFrom: { configMapKeyRef: { name: 'stockflow-staff', key: 'jwks' } },
                  },
                ],
                readinessProbe: { httpGet: { path: '/readyz' } },
                livenessProbe: { httpGet: { path: '/healthz' } },
                resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
              },
            ],
          },
        },
      },
    },
    ...(options.publishes ? [sinkBinding(name)] : []),
    {
      apiVersion: 'sources.knative.dev/v1',
      kind: 'PingSource',
      metadata: { name: `${name}-outbox-sweep` },
      spec: { schedule: '* * * * *', sink: { ref: ksvcRef(name), uri: '/events', audience: name } },
    },
  ];
}

/** A publisher's own SinkBinding: its Service by name, the Broker as sink. */
export const sinkBinding = (name: string): Manifest => ({
  apiVersion: 'sources.knative.dev/v1',
  kind: 'SinkBinding',
  metadata: { name },
  spec: {
    subject: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name },
    sink: { ref: { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'default' } },
  },
});

export function trigger(name: string, subscriber: string, type?: string): Manifest {
  return {
    apiVersion: 'eventing.knative.dev/v1',
    kind: 'Trigger',
    metadata: { name },
    spec: {
      broker: 'default',
      ...(type ? { filter: { attributes: { type } } } : {}),
      subscriber: { ref: ksvcRef(subscriber), uri: '/events', audience: subscriber },
      delivery: {
        retry: 5,
        backoffPolicy: 'exponential',
        backoffDelay: 'PT0.5S',
        deadLetterSink: deadLetters(),
      },
    },
  };
}

/** A fresh copy each call: tests mutate it. */
export function validDeployment(): CheckInput {
  const docs: Manifest[] = [
    {
      apiVersion: 'eventing.knative.dev/v1',
      kind: 'Broker',
      metadata: { name: 'default' },
      spec: {
        delivery: {
          retry: 3,
          backoffPolicy: 'exponential',
          backoffDelay: 'PT0.2S',
          deadLetterSink: deadLetters(),
        },
      },
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'warehouse' } },
    ...functionObjects('ledger', { publishes: true }),
    trigger('ledger-everything', 'ledger'),
    ...functionObjects('stock', { publishes: true }),
    trigger('stock-on-order-placed', 'stock', 'io.example.order.placed'),
  ];
  const env = () => [
    { name: 'FIRESTORE_DATABASE', required: false },
    { name: 'ADMIN_TOKEN', required: false },
    { name: 'STAFF_JWKS', required: false },
    { name: 'PORT', required: false },
  ];
  const contracts: FunctionContract[] = [
    { name: 'ledger', consumes: ['*', 'dev.knative.sources.ping'], env: env() },
    { name: 'stock', consumes: ['io.example.order.placed'], env: env() },
  ];
  return {
    docs,
    deployables: [functionDeployable('ledger'), functionDeployable('stock')],
    contracts,
    events: {
      'io.example.order.placed': { producer: 'warehouse' },
      'io.example.stock.reserved': { producer: 'stock' },
    },
    publishers: ['ledger', 'stock'],
    partners: ['warehouse'],
  };
}
