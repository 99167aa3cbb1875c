/**
 * @module skaffold.yaml's schema, `skaffold/v4beta13`, for the part of it Stockflow uses: the
 * published JSON schema's definitions (SkaffoldConfig, BuildConfig with the local builder, Artifact
 * with the docker builder, TagPolicy, RenderConfig with kustomize, DeployConfig with kubectl and its
 * hooks, PortForwardResource, Profile with Activation and JSONPatch), with their required fields and,
 * as there, no property outside them (`additionalProperties: false`). A field of the schema that
 * Stockflow does not use fails too: add it here when skaffold.yaml starts using it.
 */
import * as z from 'zod/mini';
import { formatIssues } from './issues.ts';

export const SKAFFOLD_API_VERSION = 'skaffold/v4beta13';

const strings = () => z.array(z.string());
const stringMap = () => z.record(z.string(), z.string());

const HostHook = z.strictObject({
  command: strings(),
  os: z.optional(strings()),
  dir: z.optional(z.string()),
});
const NamedContainerHook = z.strictObject({
  command: strings(),
  podName: z.string(),
  containerName: z.optional(z.string()),
});
const DeployHookItem = z.strictObject({
  host: z.optional(HostHook),
  container: z.optional(NamedContainerHook),
});
const DeployHooks = z.strictObject({
  before: z.optional(z.array(DeployHookItem)),
  after: z.optional(z.array(DeployHookItem)),
});

const DockerArtifact = z.strictObject({
  dockerfile: z.optional(z.string()),
  target: z.optional(z.string()),
  buildArgs: z.optional(stringMap()),
  network: z.optional(z.string()),
  addHost: z.optional(strings()),
  cacheFrom: z.optional(strings()),
  cacheTo: z.optional(strings()),
  cliFlags: z.optional(strings()),
  pullParent: z.optional(z.boolean()),
  noCache: z.optional(z.boolean()),
  squash: z.optional(z.boolean()),
  secrets: z.optional(
    z.array(z.strictObject({ id: z.string(), src: z.optional(z.string()), env: z.optional(z.string()) })),
  ),
  ssh: z.optional(z.string()),
});

const Artifact = z.strictObject({
  image: z.string().check(z.minLength(1)),
  context: z.optional(z.string()),
  docker: z.optional(DockerArtifact),
  platforms: z.optional(strings()),
  requires: z.optional(z.array(z.strictObject({ image: z.string(), alias: z.optional(z.string()) }))),
  runtimeType: z.optional(z.string()),
});

const LocalBuild = z.strictObject({
  push: z.optional(z.boolean()),
  tryImportMissing: z.optional(z.boolean()),
  useDockerCLI: z.optional(z.boolean()),
  useBuildkit: z.optional(z.boolean()),
  concurrency: z.optional(z.int().check(z.minimum(0))),
});

const GitTagger = z.strictObject({
  variant: z.optional(z.enum(['Tags', 'CommitSha', 'AbbrevCommitSha', 'TreeSha', 'AbbrevTreeSha'])),
  prefix: z.optional(z.string()),
  ignoreChanges: z.optional(z.boolean()),
});
const TagPolicy = z.strictObject({
  gitCommit: z.optional(GitTagger),
  sha256: z.optional(z.strictObject({})),
  envTemplate: z.optional(z.strictObject({ template: z.string() })),
  dateTime: z.optional(z.strictObject({ format: z.optional(z.string()), timezone: z.optional(z.string()) })),
  inputDigest: z.optional(z.strictObject({})),
});

const BuildConfig = z.strictObject({
  artifacts: z.optional(z.array(Artifact)),
  insecureRegistries: z.optional(strings()),
  tagPolicy: z.optional(TagPolicy),
  platforms: z.optional(strings()),
  local: z.optional(LocalBuild),
});

const RenderConfig = z.strictObject({
  rawYaml: z.optional(strings()),
  kustomize: z.optional(z.strictObject({ paths: z.optional(strings()), buildArgs: z.optional(strings()) })),
  output: z.optional(z.string()),
});

const DeployConfig = z.strictObject({
  kubectl: z.optional(
    z.strictObject({
      flags: z.optional(
        z.strictObject({
          global: z.optional(strings()),
          apply: z.optional(strings()),
          delete: z.optional(strings()),
          disableValidation: z.optional(z.boolean()),
        }),
      ),
      remoteManifests: z.optional(strings()),
      defaultNamespace: z.optional(z.string()),
      hooks: z.optional(DeployHooks),
    }),
  ),
  statusCheck: z.optional(z.boolean()),
  statusCheckDeadlineSeconds: z.optional(z.int().check(z.minimum(0))),
  tolerateFailuresUntilDeadline: z.optional(z.boolean()),
  kubeContext: z.optional(z.string()),
});

const PortForwardResource = z.strictObject({
  resourceType: z.optional(
    z.enum([
      'Service',
      'Pod',
      'ReplicaSet',
      'ReplicationController',
      'Deployment',
      'StatefulSet',
      'DaemonSet',
      'Job',
      'CronJob',
      'Container',
    ]),
  ),
  resourceName: z.optional(z.string()),
  namespace: z.optional(z.string()),
  port: z.optional(z.union([z.string(), z.int()])),
  address: z.optional(z.string()),
  localPort: z.optional(z.int()),
});

const Activation = z.strictObject({
  env: z.optional(z.string()),
  kubeContext: z.optional(z.string()),
  command: z.optional(z.string()),
});
const JSONPatch = z.strictObject({
  op: z.optional(z.enum(['add', 'remove', 'replace', 'move', 'copy', 'test'])),
  path: z.string(),
  from: z.optional(z.string()),
  value: z.optional(z.unknown()),
});

const Profile = z.strictObject({
  name: z.string().check(z.minLength(1)),
  activation: z.optional(z.array(Activation)),
  requiresAllActivations: z.optional(z.boolean()),
  patches: z.optional(z.array(JSONPatch)),
  build: z.optional(BuildConfig),
  manifests: z.optional(RenderConfig),
  deploy: z.optional(DeployConfig),
  portForward: z.optional(z.array(PortForwardResource)),
});

export const SkaffoldConfig = z.strictObject({
  apiVersion: z.literal(SKAFFOLD_API_VERSION),
  kind: z.literal('Config'),
  metadata: z.optional(
    z.strictObject({
      name: z.optional(z.string()),
      labels: z.optional(stringMap()),
      annotations: z.optional(stringMap()),
    }),
  ),
  build: z.optional(BuildConfig),
  manifests: z.optional(RenderConfig),
  deploy: z.optional(DeployConfig),
  portForward: z.optional(z.array(PortForwardResource)),
  profiles: z.optional(z.array(Profile)),
});
export type SkaffoldConfig = z.infer<typeof SkaffoldConfig>;

/** Schema violations, one line each with the path. */
export function skaffoldSchemaProblems(config: unknown): string[] {
  const result = SkaffoldConfig.safeParse(config);
  return result.success ? [] : formatIssues('skaffold.yaml', result.error);
}
