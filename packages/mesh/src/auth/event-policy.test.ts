/**
 * EventPolicy semantics ported from knative/eventing pkg/auth/event_policy_test.go
 * (`TestGetEventPoliciesForResource`, `TestResolveSubjects`, `TestSubjectAndFiltersContained`) and
 * pkg/auth/verifier.go's default modes. Knative's CESQL filters in those cases are replaced by
 * SubscriptionsAPI `exact` filters with the same outcome on the test event.
 */
import { describe, expect, it } from 'vitest';
import { readFeatures } from '../features.ts';
import { type EventPolicy, fromObjects, ManifestError, type ManifestObject } from '../manifests.ts';
import { authorize, policiesFor, subjectAndFiltersPass, subjectsWithFilters } from './event-policy.ts';

const ON: ManifestObject = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'config-features', namespace: 'knative-eventing' },
  data: { 'authentication-oidc': 'enabled' },
};

const policy = (name: string, to: EventPolicy['to'], namespace = 'my-namespace'): EventPolicy => ({
  name,
  namespace,
  origin: 'test',
  to,
  subjects: [],
  filters: [],
});
const brokerRef = (name: string, apiVersion = 'eventing.knative.dev/v1') => ({
  ref: { apiVersion, kind: 'Broker', name },
});
const brokerSelector = (
  selector: Pick<NonNullable<EventPolicy['to'][number]['selector']>, 'matchLabels' | 'matchExpressions'>,
  kind = 'Broker',
  apiVersion = 'eventing.knative.dev/v1',
) => ({ selector: { apiVersion, kind, ...selector } });
const myBroker = (labels: Record<string, string> = {}) => ({
  apiVersion: 'eventing.knative.dev/v1',
  kind: 'Broker',
  name: 'my-broker',
  namespace: 'my-namespace',
  labels,
});
const names = (list: EventPolicy[]) => list.map((p) => p.name).sort();

describe('GetEventPoliciesForResource (TestGetEventPoliciesForResource)', () => {
  it('No match', () => {
    expect(policiesFor([policy('my-policy-1', [brokerRef('another-broker')])], myBroker())).toEqual([]);
  });
  it('No match (different namespace)', () => {
    expect(
      policiesFor([policy('my-policy-1', [brokerRef('my-broker')], 'another-namespace')], myBroker()),
    ).toEqual([]);
  });
  it('Match all (empty .spec.to)', () => {
    expect(names(policiesFor([policy('my-policy-1', [])], myBroker()))).toEqual(['my-policy-1']);
  });
  it('Direct reference to resource', () => {
    expect(names(policiesFor([policy('my-policy-1', [brokerRef('my-broker')])], myBroker()))).toEqual([
      'my-policy-1',
    ]);
  });
  it('Reference via selector to resource', () => {
    const policies = [
      policy('my-policy-1', [brokerSelector({ matchLabels: { key: 'value' } })]),
      policy('another-policy', [brokerSelector({ matchLabels: { 'another-key': 'value' } })]),
    ];
    expect(names(policiesFor(policies, myBroker({ key: 'value' })))).toEqual(['my-policy-1']);
  });
  it('Reference via selector to resource (multiple policies)', () => {
    const policies = [
      policy('my-policy-1', [brokerSelector({ matchLabels: { key: 'value' } })]),
      policy('another-policy', [brokerRef('my-broker')]),
      policy('another-policy-2', [brokerSelector({ matchLabels: { key: 'value' } }, 'Another-Kind')]),
      policy('another-policy-3', [
        brokerSelector({ matchExpressions: [{ key: 'key', operator: 'Exists' }] }),
      ]),
    ];
    expect(names(policiesFor(policies, myBroker({ key: 'value' })))).toEqual([
      'another-policy',
      'another-policy-3',
      'my-policy-1',
    ]);
    // Sorted by name for a deterministic order, as Knative sorts them.
    expect(policiesFor(policies, myBroker({ key: 'value' })).map((p) => p.name)).toEqual([
      'another-policy',
      'another-policy-3',
      'my-policy-1',
    ]);
  });
  it('Match (ignore ref.APIVersion version)', () => {
    expect(
      names(
        policiesFor(
          [policy('my-policy-1', [brokerRef('my-broker', 'eventing.knative.dev/v12345')])],
          myBroker(),
        ),
      ),
    ).toEqual(['my-policy-1']);
  });
  it('Match (ignore selector.APIVersion version)', () => {
    const policies = [
      policy('my-policy-1', [
        brokerSelector({ matchLabels: { key: 'value' } }, 'Broker', 'eventing.knative.dev/v12345'),
      ]),
    ];
    expect(names(policiesFor(policies, myBroker({ key: 'value' })))).toEqual(['my-policy-1']);
  });
});

describe('ResolveSubjects (TestResolveSubjects), through the manifests', () => {
  const objects = (from: object[]): ManifestObject[] => [
    ON,
    {
      apiVersion: 'eventing.knative.dev/v1',
      kind: 'Broker',
      metadata: { name: 'my-broker', namespace: 'my-ns' },
    },
    {
      apiVersion: 'sources.knative.dev/v1',
      kind: 'PingSource',
      metadata: { name: 'my-pingsource', namespace: 'my-ns' },
      spec: { schedule: '* * * * *', sink: { uri: 'http://127.0.0.1:1' } },
    },
    {
      apiVersion: 'sources.knative.dev/v1',
      kind: 'SinkBinding',
      metadata: { name: 'my-source', namespace: 'my-ns' },
      spec: {
        subject: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'app' },
        sink: { ref: { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'my-broker' } },
      },
    },
    {
      apiVersion: 'eventing.knative.dev/v1alpha1',
      kind: 'EventPolicy',
      metadata: { name: 'my-policy', namespace: 'my-ns' },
      spec: { from },
    },
  ];

  it('multiple references: each ref as its OIDC ServiceAccount in the policy namespace, each sub as is', () => {
    const manifests = fromObjects(
      objects([
        { ref: { apiVersion: 'sources.knative.dev/v1', kind: 'SinkBinding', name: 'my-source' } },
        {
          ref: {
            apiVersion: 'sources.knative.dev/v1',
            kind: 'PingSource',
            name: 'my-pingsource',
            namespace: 'my-ns',
          },
        },
        { sub: 'system:serviceaccount:my-ns:my-app' },
        { sub: 'system:serviceaccount:my-ns:my-app-2' },
      ]),
    );
    expect(manifests.eventPolicies[0]!.subjects).toEqual([
      'system:serviceaccount:my-ns:my-source-oidc-sources.knative.dev-sinkbinding',
      'system:serviceaccount:my-ns:my-pingsource-oidc-sources.knative.dev-pingsource',
      'system:serviceaccount:my-ns:my-app',
      'system:serviceaccount:my-ns:my-app-2',
    ]);
  });

  it('reference has not auth status: a Broker (or anything without an OIDC identity) is an error', () => {
    expect(() =>
      fromObjects(
        objects([{ ref: { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'my-broker' } }]),
      ),
    ).toThrow(/from.ref Broker my-broker has no OIDC identity/);
  });

  it('a ref to an object not declared is an error naming it', () => {
    expect(() =>
      fromObjects(
        objects([{ ref: { apiVersion: 'sources.knative.dev/v1', kind: 'SinkBinding', name: 'ghost' } }]),
      ),
    ).toThrow(/SinkBinding my-ns\/ghost is not declared/);
  });

  it("refuses what the webhook refuses (eventpolicy_validation.go): '*' not last, ref and sub both, OIDC off", () => {
    expect(() => fromObjects(objects([{ sub: 'system:serviceaccount:*:x' }]))).toThrow(ManifestError);
    expect(() =>
      fromObjects(objects([{ sub: 'a', ref: { apiVersion: 'v1', kind: 'X', name: 'x' } }])),
    ).toThrow(/exactly one of ref, sub/);
    expect(() => fromObjects(objects([{ sub: 'system:serviceaccount:my-ns:*' }]).slice(1))).toThrow(
      /EventPolicies need authentication-oidc enabled/,
    );
  });
});

describe('SubjectAndFiltersPass (TestSubjectAndFiltersContained)', () => {
  const event = { specversion: '1.0', id: '1', source: '/source', type: 'type' };
  const entry = (subjects: string[], filters: EventPolicy['filters'] = [], name = 'p') =>
    subjectsWithFilters({ ...policy(name, []), subjects, filters });
  const FALSE = [{ exact: { type: 'not-this-type' } }];
  const TRUE = [{ exact: { type: 'type' } }];
  const cases: Array<[string, string, ReturnType<typeof entry>[], boolean]> = [
    [
      'simple 1:1 match',
      'system:serviceaccounts:my-ns:my-sa',
      [entry(['system:serviceaccounts:my-ns:my-sa'])],
      true,
    ],
    [
      'simple 1:n match',
      'system:serviceaccounts:my-ns:my-sa',
      [
        entry([
          'system:serviceaccounts:my-ns:another-sa',
          'system:serviceaccounts:my-ns:my-sa',
          'system:serviceaccounts:my-ns:yet-another-sa',
        ]),
      ],
      true,
    ],
    ['pattern match (all)', 'system:serviceaccounts:my-ns:my-sa', [entry(['*'])], true],
    [
      'pattern match (namespace)',
      'system:serviceaccounts:my-ns:my-sa',
      [entry(['system:serviceaccounts:my-ns:*'])],
      true,
    ],
    [
      'pattern match (different namespace)',
      'system:serviceaccounts:my-ns-2:my-sa',
      [entry(['system:serviceaccounts:my-ns:*'])],
      false,
    ],
    [
      'pattern match (namespace prefix)',
      'system:serviceaccounts:my-ns:my-sa',
      [entry(['system:serviceaccounts:my-ns*'])],
      true,
    ],
    [
      'pattern match (namespace prefix 2)',
      'system:serviceaccounts:my-ns-2:my-sa',
      [entry(['system:serviceaccounts:my-ns*'])],
      true,
    ],
    [
      'pattern match (middle)',
      'system:serviceaccounts:my-ns:my-sa',
      [entry(['system:serviceaccounts:*:my-sa'])],
      false,
    ],
    [
      'pattern match (namespace prefix) and failing event filter',
      'system:serviceaccounts:my-ns:my-sa',
      [entry(['system:serviceaccounts:my-ns*'], FALSE)],
      false,
    ],
    [
      'only check filter if subject matches',
      'system:serviceaccounts:my-ns:my-sa',
      [entry(['system:serviceaccounts:not-my-ns*'], TRUE), entry(['system:serviceaccounts:my-ns*'], FALSE)],
      false,
    ],
  ];
  it.each(cases)('%s', (_, subject, applying, want) => {
    expect(subjectAndFiltersPass(subject, applying, event).allowed).toBe(want);
  });

  it('the first applying policy naming the subject decides, as Knative returns on the first match', () => {
    const applying = [
      entry(['system:serviceaccount:ns:a'], FALSE, 'a-first'),
      entry(['system:serviceaccount:ns:a'], TRUE, 'b-second'),
    ];
    expect(subjectAndFiltersPass('system:serviceaccount:ns:a', applying, event)).toEqual({
      allowed: false,
      policy: 'a-first',
    });
  });
});

describe('default-authorization-mode when no policy applies (verifier.go verifyAuthZBySubjectsWithFilters)', () => {
  const event = { type: 't', source: '/s' };
  it.each([
    ['allow-all', 'system:serviceaccount:other:sa', true],
    ['deny-all', 'system:serviceaccount:default:sa', false],
    ['allow-same-namespace', 'system:serviceaccount:default:sa', true],
    ['allow-same-namespace', 'system:serviceaccount:other:sa', false],
    ['allow-same-namespace', 'system:serviceaccount:default-2:sa', false],
  ] as const)('%s, %s: %s', (mode, subject, allowed) => {
    expect(authorize(subject, 'default', [], mode, event).allowed).toBe(allowed);
  });

  it('reads config-features as Knative does: case-insensitive, `_` keys ignored, defaults otherwise', () => {
    expect(readFeatures({})).toEqual({
      oidc: false,
      defaultAuthorizationMode: 'allow-same-namespace',
      transportEncryption: 'disabled',
    });
    expect(
      readFeatures({
        'authentication-oidc': 'Enabled',
        'default-authorization-mode': 'Deny-All',
        'transport-encryption': 'Strict',
        _example: 'x',
      }),
    ).toEqual({ oidc: true, defaultAuthorizationMode: 'deny-all', transportEncryption: 'strict' });
    expect(() => readFeatures({ 'authentication-oidc': 'yes' })).toThrow(/authentication-oidc/);
  });
});
