/**
 * @module cloudbuild.yaml's structure, from Cloud Build's build config file schema (the `Build`
 * resource: steps, substitutions, options, images, timeout...), with unknown fields rejected, plus
 * the rules Cloud Build applies before running anything: a step runs `args` or a `script`, never
 * both; `waitFor` names earlier step ids; user substitutions are `_UPPER_CASE`; every `$VAR` outside
 * scripts is a built-in or declared substitution (`$$` escapes), and scripts get substitutions only
 * as environment variables (automapSubstitutions).
 */
import * as z from 'zod/mini';
import { formatIssues } from './issues.ts';

const duration = () => z.string().check(z.regex(/^\d+(\.\d{1,9})?s$/, 'a duration in seconds such as 600s'));
const strings = () => z.array(z.string());
const Volume = z.strictObject({ name: z.string(), path: z.string() });

const BuildStep = z.strictObject({
  name: z.string().check(z.minLength(1)),
  args: z.optional(strings()),
  env: z.optional(strings()),
  allowFailure: z.optional(z.boolean()),
  allowExitCodes: z.optional(z.array(z.int())),
  dir: z.optional(z.string()),
  id: z.optional(z.string()),
  waitFor: z.optional(strings()),
  entrypoint: z.optional(z.string()),
  secretEnv: z.optional(strings()),
  volumes: z.optional(z.array(Volume)),
  timeout: z.optional(duration()),
  script: z.optional(z.string()),
  automapSubstitutions: z.optional(z.boolean()),
});

const BuildOptions = z.strictObject({
  env: z.optional(strings()),
  secretEnv: z.optional(strings()),
  volumes: z.optional(z.array(Volume)),
  sourceProvenanceHash: z.optional(z.array(z.enum(['NONE', 'SHA256', 'MD5', 'GO_MODULE_H1', 'SHA512']))),
  machineType: z.optional(
    z.enum(['UNSPECIFIED', 'N1_HIGHCPU_8', 'N1_HIGHCPU_32', 'E2_HIGHCPU_8', 'E2_HIGHCPU_32', 'E2_MEDIUM']),
  ),
  diskSizeGb: z.optional(z.union([z.string(), z.int()])),
  substitutionOption: z.optional(z.enum(['MUST_MATCH', 'ALLOW_LOOSE'])),
  dynamicSubstitutions: z.optional(z.boolean()),
  automapSubstitutions: z.optional(z.boolean()),
  logStreamingOption: z.optional(z.enum(['STREAM_DEFAULT', 'STREAM_ON', 'STREAM_OFF'])),
  logging: z.optional(z.enum(['LOGGING_UNSPECIFIED', 'LEGACY', 'GCS_ONLY', 'CLOUD_LOGGING_ONLY', 'NONE'])),
  defaultLogsBucketBehavior: z.optional(
    z.enum(['DEFAULT_LOGS_BUCKET_BEHAVIOR_UNSPECIFIED', 'REGIONAL_USER_OWNED_BUCKET']),
  ),
  pool: z.optional(z.strictObject({ name: z.string() })),
  requestedVerifyOption: z.optional(z.enum(['NOT_VERIFIED', 'VERIFIED'])),
});

const SecretManagerSecret = z.strictObject({ versionName: z.string(), env: z.string() });

export const CloudBuildConfig = z.strictObject({
  steps: z.array(BuildStep).check(z.minLength(1)),
  timeout: z.optional(duration()),
  queueTtl: z.optional(duration()),
  logsBucket: z.optional(z.string()),
  options: z.optional(BuildOptions),
  substitutions: z.optional(z.record(z.string(), z.string())),
  tags: z.optional(strings()),
  serviceAccount: z.optional(z.string()),
  availableSecrets: z.optional(z.strictObject({ secretManager: z.optional(z.array(SecretManagerSecret)) })),
  images: z.optional(strings()),
});
export type CloudBuildConfig = z.infer<typeof CloudBuildConfig>;

/** Substitutions Cloud Build defines itself (builds from triggers and repositories). */
export const BUILT_IN_SUBSTITUTIONS = new Set([
  'PROJECT_ID',
  'PROJECT_NUMBER',
  'LOCATION',
  'BUILD_ID',
  'TRIGGER_NAME',
  'TRIGGER_BUILD_CONFIG_PATH',
  'SERVICE_ACCOUNT_EMAIL',
  'SERVICE_ACCOUNT',
  'COMMIT_SHA',
  'REVISION_ID',
  'SHORT_SHA',
  'REPO_NAME',
  'REPO_FULL_NAME',
  'BRANCH_NAME',
  'TAG_NAME',
  'REF_NAME',
  '_HEAD_BRANCH',
  '_BASE_BRANCH',
  '_HEAD_REPO_URL',
  '_PR_NUMBER',
]);

const USER_SUBSTITUTION = /^_[A-Z0-9_]+$/;
const REFERENCE = /\$\$|\$\{([A-Za-z0-9_]+)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** The substitution names a string references (`$X`, `${X}`), `$$` being a literal dollar. */
export function substitutionsIn(text: string): string[] {
  return [...text.matchAll(REFERENCE)].flatMap((match) => {
    const name = match[1] ?? match[2];
    return name ? [name] : [];
  });
}

export function cloudBuildProblems(raw: unknown): string[] {
  const parsed = CloudBuildConfig.safeParse(raw);
  if (!parsed.success) return formatIssues('cloudbuild.yaml', parsed.error);
  const config = parsed.data;
  const problems: string[] = [];
  const declared = new Set(Object.keys(config.substitutions ?? {}));
  for (const name of declared) {
    if (!USER_SUBSTITUTION.test(name))
      problems.push(`substitution ${name} must start with _ and use A-Z, 0-9 and _`);
  }
  const known = (name: string) => BUILT_IN_SUBSTITUTIONS.has(name) || declared.has(name);
  const checkText = (text: string, where: string) => {
    for (const name of substitutionsIn(text)) {
      if (!known(name))
        problems.push(`${where}: $${name} is no substitution (write $$${name} for a shell variable)`);
    }
  };

  const ids = new Set<string>();
  config.steps.forEach((step, i) => {
    const where = `step ${step.id ?? i}`;
    for (const id of step.waitFor ?? []) {
      if (id !== '-' && !ids.has(id)) problems.push(`${where}: waitFor ${id} names no earlier step`);
    }
    if (step.id) {
      if (ids.has(step.id)) problems.push(`${where}: duplicate step id`);
      ids.add(step.id);
    }
    if (step.script !== undefined && (step.args || step.entrypoint))
      problems.push(`${where}: a script step takes no args or entrypoint`);
    if (step.script === undefined && !step.args?.length && !step.entrypoint)
      problems.push(`${where}: runs nothing (no script, args or entrypoint)`);
    if (step.script !== undefined) {
      // Scripts are not substituted: they see substitutions as env vars when automapped.
      const automapped = step.automapSubstitutions ?? config.options?.automapSubstitutions ?? false;
      const usesUserSubstitution = substitutionsIn(step.script).some((name) => declared.has(name));
      if (usesUserSubstitution && !automapped)
        problems.push(`${where}: its script reads substitutions: set options.automapSubstitutions`);
    }
    for (const text of [
      step.name,
      step.entrypoint ?? '',
      step.dir ?? '',
      ...(step.args ?? []),
      ...(step.env ?? []),
    ])
      checkText(text, where);
  });
  for (const image of config.images ?? []) checkText(image, `image ${image}`);
  return problems;
}
