/**
 * @module A zod schema as a model in the shape knative-rules.ts validates with (`validate` runs on the
 * watched object as `this` and throws the problems it finds), for CRDs no models package describes.
 * Use z.object (not strict) so each field is read one by one: knative-rules.ts's lookup tracking then
 * reports a field the schema does not define, as the API server's strict field validation would.
 */
import * as z from 'zod/mini';

const stringMap = z.record(z.string(), z.string());

/** The metadata fields a manifest in this repository may set. */
export const objectMeta = z.object({
  name: z.string(),
  generateName: z.optional(z.string()),
  namespace: z.optional(z.string()),
  labels: z.optional(stringMap),
  annotations: z.optional(stringMap),
  finalizers: z.optional(z.array(z.string())),
});

const issuePath = (path: readonly PropertyKey[]) =>
  path.reduce<string>(
    (at, key) => (typeof key === 'number' ? `${at}[${key}]` : at ? `${at}.${String(key)}` : String(key)),
    '',
  );

function describeIssue(issue: z.core.$ZodIssue, unionMessage: string): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `must be ${issue.expected}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return `must have at least ${issue.minimum}`;
    case 'too_big':
      return `must have at most ${issue.maximum}`;
    case 'invalid_union':
      return unionMessage;
    default:
      return issue.message;
  }
}

export function zodModel(schema: z.ZodMiniType, options: { unionMessage?: string } = {}) {
  const unionMessage = options.unionMessage ?? 'matches none of its allowed forms';
  return {
    prototype: {
      validate(this: unknown): void {
        const result = schema.safeParse(this);
        if (result.success) return;
        throw new Error(
          result.error.issues
            .map((issue) => `${issuePath(issue.path) || 'the object'} ${describeIssue(issue, unionMessage)}`)
            .join('; '),
        );
      },
    },
  };
}
