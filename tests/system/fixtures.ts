/**
 * @module Fixture manifests for system tests that run the kit's counter function (a one-function
 * system) instead of Stockflow's own: the Broker, the SinkBinding and the counter's Service written
 * as knative/base has them, for a test to add its own Triggers to.
 */
import { join } from 'node:path';
import { REPO_ROOT } from '../../packages/mesh/src/runner/stack.ts';

/** The counter function's entry, for `startTestStack({ entries: { counter: COUNTER_ENTRY } })`. */
export const COUNTER_ENTRY = join(REPO_ROOT, 'packages/kit/src/testing/counter-main.ts');

/** A subscriber `ref` to the ledger's dead-letter sink, to follow a `deadLetterSink:` key. */
export const LEDGER_DEAD_LETTERS = `
      ref:
        apiVersion: serving.knative.dev/v1
        kind: Service
        name: ledger
      uri: /dead-letters`;

export interface CounterSystemOptions {
  /** The Broker's default delivery retries. */
  retry: number;
  /** True to dead-letter the Broker's failed deliveries to the ledger (whose manifest the test adds). */
  deadLetterToLedger?: boolean;
  /** True to label the counter a publisher, so the SinkBinding gives it K_SINK, and give it the admin token. */
  publishes?: boolean;
}

/** The Broker `default`, the SinkBinding and the counter's Service, as YAML documents. */
export function counterSystemManifests({
  retry,
  deadLetterToLedger,
  publishes,
}: CounterSystemOptions): string {
  const deadLetterSink = deadLetterToLedger ? `\n    deadLetterSink:${LEDGER_DEAD_LETTERS}` : '';
  const publisherLabel = publishes ? '\n    stockflow.dev/publishes-events: "true"' : '';
  const adminTokenEnv = publishes
    ? `
            - name: ADMIN_TOKEN
              valueFrom:
                secretKeyRef:
                  name: stockflow-admin
                  key: token`
    : '';
  return `
apiVersion: eventing.knative.dev/v1
kind: Broker
metadata:
  name: default
spec:
  delivery:
    retry: ${retry}
    backoffPolicy: exponential
    backoffDelay: PT0.1S${deadLetterSink}
---
apiVersion: sources.knative.dev/v1
kind: SinkBinding
metadata:
  name: functions
spec:
  subject:
    apiVersion: serving.knative.dev/v1
    kind: Service
    selector:
      matchLabels:
        stockflow.dev/publishes-events: "true"
  sink:
    ref:
      apiVersion: eventing.knative.dev/v1
      kind: Broker
      name: default
---
apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: counter
  labels:
    networking.knative.dev/visibility: cluster-local${publisherLabel}
spec:
  template:
    spec:
      containers:
        - image: counter
          env:
            - name: FIRESTORE_DATABASE
              value: counter${adminTokenEnv}
`;
}
