/**
 * @module Knative's names for OIDC identities and audiences: `kmeta.ChildName` (knative.dev/pkg
 * kmeta/names.go, with its md5 rule for names past 63 characters), the OIDC ServiceAccount of a
 * resource (pkg/auth/serviceaccount.go `GetOIDCServiceAccountNameForResource`), its subject
 * `system:serviceaccount:<ns>:<name>`, and a resource's audience (pkg/auth/audience.go `GetAudience`).
 */
import { createHash } from 'node:crypto';

/** pkg/auth/event_policy.go `kubernetesServiceAccountPrefix`. */
export const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount';

/** The longest name Kubernetes permits (kmeta `longest`), and the md5 hex length it hashes to. */
const LONGEST = 63;
const MD5_LENGTH = 32;
const HEAD = LONGEST - MD5_LENGTH;

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/**
 * `kmeta.ChildName`: `parent + suffix`, or, when that is longer than 63, the parent cut short with
 * the md5 of the parent in between (or, for a suffix of 31+ characters, the md5 of both, padded with
 * the start of the suffix and trimmed to end on an alphanumeric character).
 */
export function childName(parent: string, suffix: string): string {
  let name = parent;
  if (parent.length > LONGEST - suffix.length) {
    if (HEAD - suffix.length <= 0) {
      const hash = md5(parent + suffix);
      const head = parent.length > HEAD ? parent.slice(0, HEAD) : parent;
      let out = head + hash;
      const room = LONGEST - out.length;
      if (room > 0) out += suffix.slice(0, room);
      return out.replace(/[^a-zA-Z0-9]+$/, '');
    }
    name = `${parent.slice(0, HEAD - suffix.length)}${md5(parent)}`;
  }
  return name + suffix;
}

/** A resource by its API group, kind and name (`schema.GroupVersionKind` + `ObjectMeta` as used here). */
export interface ResourceName {
  /** `sources.knative.dev/v1` or a bare group. */
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export function groupOf(apiVersion: string): string {
  // schema.ParseGroupVersion: `v1` is the core group (""), `group/version` otherwise.
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * `GetOIDCServiceAccountNameForResource`: `kmeta.ChildName(name, "-oidc-<group>-<kind>")`, lowercased;
 * SinkBinding `orders` -> `orders-oidc-sources.knative.dev-sinkbinding`.
 */
export function oidcServiceAccountName(resource: Pick<ResourceName, 'apiVersion' | 'kind' | 'name'>): string {
  const suffix = `-oidc-${groupOf(resource.apiVersion)}-${resource.kind}`;
  return childName(resource.name, suffix).toLowerCase();
}

/** The token subject of a ServiceAccount: `system:serviceaccount:<namespace>:<name>`. */
export function serviceAccountSubject(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_PREFIX}:${namespace}:${name}`;
}

/** The subject a Knative resource's own OIDC ServiceAccount signs as. */
export function oidcSubject(resource: ResourceName & { namespace: string }): string {
  return serviceAccountSubject(resource.namespace, oidcServiceAccountName(resource));
}

/** `auth.GetAudience`: `<group>/<kind>/<namespace>/<name>`, lowercased. */
export function audienceOf(resource: ResourceName & { namespace: string }): string {
  return `${groupOf(resource.apiVersion)}/${resource.kind}/${resource.namespace}/${resource.name}`.toLowerCase();
}

/** A Broker's audience: `eventing.knative.dev/broker/<namespace>/<name>`. */
export function brokerAudience(namespace: string, name: string): string {
  return audienceOf({ apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', namespace, name });
}

/** The namespace a subject names (`system:serviceaccount:<ns>:<name>`), or undefined for another form. */
export function subjectNamespace(subject: string): string | undefined {
  const parts = subject.split(':');
  return parts.length === 4 && `${parts[0]}:${parts[1]}` === SERVICE_ACCOUNT_PREFIX ? parts[2] : undefined;
}
