/**
 * Knative's identity names, checked against the cases of knative/eventing's own tests:
 * pkg/auth/serviceaccount_test.go `TestGetOIDCServiceAccountNameForResource` and
 * pkg/auth/audience_test.go, plus the names Stockflow's manifests rely on.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  audienceOf,
  brokerAudience,
  childName,
  oidcServiceAccountName,
  oidcSubject,
  subjectNamespace,
} from './names.ts';

describe('GetOIDCServiceAccountNameForResource (pkg/auth/serviceaccount_test.go)', () => {
  it('should return SA name in correct format', () => {
    expect(oidcServiceAccountName({ apiVersion: 'group/version', kind: 'kind', name: 'name' })).toBe(
      'name-oidc-group-kind',
    );
  });

  it('should return SA name in lower case', () => {
    expect(
      oidcServiceAccountName({ apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'my-Broker' }),
    ).toBe('my-broker-oidc-eventing.knative.dev-broker');
  });

  it('long Broker name (kmeta.ChildName hashes past 63 characters)', () => {
    expect(
      oidcServiceAccountName({
        apiVersion: 'eventing.knative.dev/v1',
        kind: 'Broker',
        name: 'my-loooooooooooooooooooooooooooooooooooooog-Broker',
      }),
    ).toBe('my-looooooooooooooooooooooooooo2dfc2a3825b8d82077b0f25518b36884');
  });

  it("names Stockflow's identities as identity.md fixes them", () => {
    expect(
      oidcSubject({
        apiVersion: 'sources.knative.dev/v1',
        kind: 'SinkBinding',
        name: 'orders',
        namespace: 'default',
      }),
    ).toBe('system:serviceaccount:default:orders-oidc-sources.knative.dev-sinkbinding');
    expect(
      oidcServiceAccountName({
        apiVersion: 'eventing.knative.dev/v1',
        kind: 'Trigger',
        name: 'orders-stock-reserved',
      }),
    ).toBe('orders-stock-reserved-oidc-eventing.knative.dev-trigger');
    expect(
      oidcServiceAccountName({
        apiVersion: 'sources.knative.dev/v1',
        kind: 'PingSource',
        name: 'orders-outbox-sweep',
      }),
    ).toBe('orders-outbox-sweep-oidc-sources.knative.dev-pingsource');
  });
});

describe('kmeta.ChildName (knative.dev/pkg kmeta/names.go)', () => {
  it('joins parent and suffix when they fit in 63 characters', () => {
    expect(childName('a'.repeat(50), '-suffix-x12')).toBe(`${'a'.repeat(50)}-suffix-x12`);
    expect(childName('a'.repeat(52), '-suffix-x12')).toHaveLength(63);
  });

  it('cuts the parent and inserts the md5 of the parent when the result would be longer', () => {
    const parent = 'a'.repeat(60);
    const md5 = createHash('md5').update(parent).digest('hex');
    expect(childName(parent, '-suffix')).toBe(`${'a'.repeat(31 - 7)}${md5}-suffix`);
    expect(childName(parent, '-suffix')).toHaveLength(63);
  });

  it('hashes parent and suffix together when the suffix is 31 characters or more, ending on an alphanumeric', () => {
    const suffix = '-oidc-a-very-long-group.example.com-kind';
    const md5 = (text: string) => createHash('md5').update(text).digest('hex');
    // 30 + 32 characters, padded with the suffix's first character ("-"), which makeValidName drops.
    const parent = 'p'.repeat(30);
    expect(childName(parent, suffix)).toBe(`${parent}${md5(parent + suffix)}`);
    const long = 'q'.repeat(40);
    expect(childName(long, suffix)).toBe(`${'q'.repeat(31)}${md5(long + suffix)}`);
  });
});

describe('GetAudience (pkg/auth/audience.go)', () => {
  it('is <group>/<kind>/<namespace>/<name> lowercased', () => {
    expect(
      audienceOf({
        apiVersion: 'eventing.knative.dev/v1',
        kind: 'Broker',
        namespace: 'My-NS',
        name: 'Default',
      }),
    ).toBe('eventing.knative.dev/broker/my-ns/default');
    expect(brokerAudience('default', 'default')).toBe('eventing.knative.dev/broker/default/default');
  });

  it("reads a subject's namespace", () => {
    expect(subjectNamespace('system:serviceaccount:default:warehouse')).toBe('default');
    expect(subjectNamespace('someone-else')).toBeUndefined();
  });
});
