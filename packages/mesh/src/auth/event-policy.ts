/**
 * @module EventPolicies as knative/eventing applies them (pkg/auth/event_policy.go): which policies
 * apply to a resource (`GetEventPoliciesForResource`: an empty `to`, a `ref` by group, kind and name,
 * or a label `selector` by group and kind, versions ignored, sorted by name), whether a subject and its
 * event pass them (`SubjectAndFiltersPass`), and what decides when none applies (pkg/auth/verifier.go
 * `verifyAuthZBySubjectsWithFilters` with `default-authorization-mode`).
 */
import type { AuthorizationMode } from '../features.ts';
import { allFilter, type EventFilter, subscriptionsApiFilter } from '../filters.ts';
import type { EventPolicy, LabelSelectorRequirement } from '../manifests.ts';
import { groupOf, SERVICE_ACCOUNT_PREFIX } from './names.ts';

/** A resource a policy may apply to: its kind, name, namespace and labels. */
export interface PolicyTarget {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  labels?: Readonly<Record<string, string>>;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** `metav1.LabelSelectorAsSelector(...).Matches`: every matchLabel and every expression must hold. */
export function selectorMatches(
  selector: { matchLabels?: Record<string, string>; matchExpressions?: LabelSelectorRequirement[] },
  labels: Readonly<Record<string, string>>,
): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, key);
    if (operator === 'Exists' && !has) return false;
    if (operator === 'DoesNotExist' && has) return false;
    if (operator === 'In' && !(has && values.includes(labels[key]!))) return false;
    if (operator === 'NotIn' && has && values.includes(labels[key]!)) return false;
  }
  return true;
}

/** `GetEventPoliciesForResource`: the policies of the resource's namespace that apply to it, by name. */
export function policiesFor<P extends EventPolicy>(policies: readonly P[], target: PolicyTarget): P[] {
  const group = groupOf(target.apiVersion);
  const applying = policies.filter((policy) => {
    if (policy.namespace !== target.namespace) return false;
    if (policy.to.length === 0) return true;
    return policy.to.some(({ ref, selector }) => {
      if (ref)
        return (
          same(ref.name, target.name) && same(groupOf(ref.apiVersion), group) && same(ref.kind, target.kind)
        );
      if (selector)
        return (
          same(groupOf(selector.apiVersion), group) &&
          same(selector.kind, target.kind) &&
          selectorMatches(selector, target.labels ?? {})
        );
      return false;
    });
  });
  return applying.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** `SubjectsWithFilters`: one applying policy's resolved subjects (`status.from`) and its filters. */
export interface SubjectsWithFilters {
  policy: string;
  subjects: readonly string[];
  filter: EventFilter;
}

export function subjectsWithFilters(policy: EventPolicy): SubjectsWithFilters {
  return {
    policy: policy.name,
    subjects: policy.subjects,
    filter: policy.filters.length ? allFilter(policy.filters.map(subscriptionsApiFilter)) : () => 'none',
  };
}

/** A `from` entry against a subject: equal ignoring case, or a prefix ending in `*`. */
export function subjectMatches(allowed: string, subject: string): boolean {
  if (allowed.toLowerCase() === subject.toLowerCase()) return true;
  return allowed.endsWith('*') && subject.startsWith(allowed.slice(0, -1));
}

/**
 * `SubjectAndFiltersPass`: the first applying policy (by name) that names the subject decides, by
 * whether the event passes its filters; a subject no policy names does not pass. Knative checks only
 * that first policy, so a subject named by two policies is held to the filters of the first.
 */
export function subjectAndFiltersPass(
  subject: string,
  applying: readonly SubjectsWithFilters[],
  attributes: Readonly<Record<string, string>>,
): { allowed: boolean; policy?: string } {
  for (const entry of applying) {
    for (const allowed of entry.subjects) {
      if (subjectMatches(allowed, subject)) {
        return { allowed: entry.filter(attributes) !== 'fail', policy: entry.policy };
      }
    }
  }
  return { allowed: false };
}

/** The outcome of authorization: allowed, or refused with why (a 403). */
export type Authorization = { allowed: true } | { allowed: false; reason: string };

/**
 * `verifyAuthZBySubjectsWithFilters`: with applying policies, they decide; without, the default
 * mode: deny-all refuses, allow-same-namespace wants a subject of the resource's namespace
 * (`system:serviceaccount:<ns>:` prefix), allow-all lets it pass.
 */
export function authorize(
  subject: string,
  namespace: string,
  applying: readonly SubjectsWithFilters[],
  mode: AuthorizationMode,
  attributes: Readonly<Record<string, string>>,
): Authorization {
  if (applying.length > 0) {
    const { allowed, policy } = subjectAndFiltersPass(subject, applying, attributes);
    if (allowed) return { allowed: true };
    return {
      allowed: false,
      reason: policy
        ? `EventPolicy ${policy} allows ${subject}, but not this event (type ${attributes.type}, source ${attributes.source})`
        : `no EventPolicy of this broker allows ${subject}`,
    };
  }
  if (mode === 'deny-all') {
    return {
      allowed: false,
      reason: 'no EventPolicy applies to this broker and default-authorization-mode is deny-all',
    };
  }
  if (mode === 'allow-same-namespace' && !subject.startsWith(`${SERVICE_ACCOUNT_PREFIX}:${namespace}:`)) {
    return {
      allowed: false,
      reason: `no EventPolicy applies to this broker and default-authorization-mode is allow-same-namespace, but ${subject} is not of namespace ${namespace}`,
    };
  }
  return { allowed: true };
}
