/**
 * @module The places that list every deployable, written from the one list (scripts/deployables.ts:
 * the `functions/*` folders, then web) by `npm run generate`: kustomize's resources, skaffold's
 * artifacts, Cloud Build's images, web's `UPSTREAM_<FN>` env, the GKE NetworkPolicy of the functions'
 * pods, and `FUNCTIONS` in packages/contracts (which web forwards to). Only the list inside each YAML
 * file is rewritten; its comments and the rest stay as written. tests/deploy fails when a file differs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Document, isMap, isSeq, parseAllDocuments, type YAMLMap, type YAMLSeq } from 'yaml';
import { type Deployable, listDeployables, ROOT } from './deployables.ts';

/** Files that list every deployable, by path relative to the repository. */
export const LISTING_FILES = {
  kustomization: 'knative/base/kustomization.yaml',
  skaffold: 'skaffold.yaml',
  cloudbuild: 'cloudbuild.yaml',
  web: 'knative/base/web.yaml',
  networkPolicies: 'knative/overlays/gke/network-policies.yaml',
  contracts: 'packages/contracts/src/functions.ts',
} as const;

/** The namespace's address of a function's Service, as web reaches it (cluster-local). */
export const upstreamUrl = (name: string) => `http://${name}.default.svc.cluster.local`;
/** The env var that tells web where a function is. */
export const upstreamEnv = (name: string) => `UPSTREAM_${name.toUpperCase()}`;
/** The Artifact Registry image Cloud Build records for a deployable. */
export const cloudBuildImage = (name: string) =>
  `\${_REGION}-docker.pkg.dev/$PROJECT_ID/\${_REPOSITORY}/${name}:$SHORT_SHA`;

const STRINGIFY = { lineWidth: 0, flowCollectionPadding: false } as const;

/** Rewrites the YAML documents of `path` with `edit`, keeping comments and layout elsewhere. */
function editYaml(root: string, path: string, edit: (docs: Document[]) => void): string {
  const docs = parseAllDocuments(readFileSync(join(root, path), 'utf8')) as Document[];
  for (const doc of docs) if (doc.errors.length) throw new Error(`${path}: ${doc.errors[0]!.message}`);
  edit(docs);
  return docs.map((doc) => doc.toString(STRINGIFY)).join('');
}

function seqAt(doc: Document, path: readonly (string | number)[], file: string): YAMLSeq {
  const node = doc.getIn(path, true);
  if (!isSeq(node)) throw new Error(`${file}: ${path.join('.')} is not a list`);
  return node;
}

/** kustomize's resources: the shared objects as written, then `<name>.yaml` per deployable. */
function kustomization(root: string, deployables: Deployable[]): string {
  const file = LISTING_FILES.kustomization;
  return editYaml(root, file, ([doc]) => {
    const resources = seqAt(doc!, ['resources'], file);
    const own = new Set(deployables.map((d) => `${d.name}.yaml`));
    const shared = resources.items.filter((item) => !isDeployableFile(String(item), own));
    doc!.setIn(['resources'], doc!.createNode([...shared.map(String), ...own]));
  });
}

/** A resource that is some deployable's file: listed, or gone (its folder was removed). */
const isDeployableFile = (file: string, own: Set<string>) => own.has(file) || DEPLOYABLE_FILE.test(file);
/** knative/base's deployable files: every `<name>.yaml` but the shared objects below. */
const SHARED_FILES = ['broker', 'config-features', 'partners', 'event-policies', 'event-types'];
const DEPLOYABLE_FILE = new RegExp(`^(?!(${SHARED_FILES.join('|')})\\.yaml$)[a-z0-9-]+\\.yaml$`);

/** skaffold's artifacts: one per deployable, built from the one Dockerfile with FUNCTION=<name>. */
function skaffold(root: string, deployables: Deployable[]): string {
  const file = LISTING_FILES.skaffold;
  return editYaml(root, file, ([doc]) => {
    seqAt(doc!, ['build', 'artifacts'], file);
    const artifacts = deployables.map((d) => ({
      image: d.name,
      context: '.',
      docker: { dockerfile: 'Dockerfile', buildArgs: { FUNCTION: d.name } },
    }));
    doc!.setIn(['build', 'artifacts'], doc!.createNode(artifacts));
  });
}

/** Cloud Build's recorded images: one per deployable, tagged with the commit. */
function cloudbuild(root: string, deployables: Deployable[]): string {
  const file = LISTING_FILES.cloudbuild;
  return editYaml(root, file, ([doc]) => {
    seqAt(doc!, ['images'], file);
    doc!.setIn(['images'], doc!.createNode(deployables.map((d) => cloudBuildImage(d.name))));
  });
}

/**
 * web's container env: one `UPSTREAM_<FN>` per function, the function's cluster-local address, after
 * every other variable (which keep their places: overlays/gke patches TRUSTED_PROXY_HOPS by index).
 */
function web(root: string, deployables: Deployable[]): string {
  const file = LISTING_FILES.web;
  return editYaml(root, file, (docs) => {
    const service = docs.find((doc) => doc.get('kind') === 'Service');
    if (!service) throw new Error(`${file}: no Service`);
    const env = seqAt(service, ['spec', 'template', 'spec', 'containers', 0, 'env'], file);
    const isUpstream = (item: unknown) =>
      isMap(item) && /^UPSTREAM_/.test(String((item as YAMLMap).get('name')));
    const upstreams = deployables
      .filter((d) => d.kind === 'function')
      .map((d) => service.createNode({ name: upstreamEnv(d.name), value: upstreamUrl(d.name) }));
    if (upstreams[0])
      upstreams[0].commentBefore =
        ' Where each function is (web forwards /api/<function>/...): written by `npm run generate`.';
    env.items = [...env.items.filter((item) => !isUpstream(item)), ...upstreams];
  });
}

/** GKE's NetworkPolicy `stockflow-functions`: it selects every function's pods by Service name. */
function networkPolicies(root: string, deployables: Deployable[]): string {
  const file = LISTING_FILES.networkPolicies;
  return editYaml(root, file, (docs) => {
    const policy = docs.find((doc) => doc.getIn(['metadata', 'name']) === 'stockflow-functions');
    if (!policy) throw new Error(`${file}: no NetworkPolicy stockflow-functions`);
    const path = ['spec', 'podSelector', 'matchExpressions', 0, 'values'];
    seqAt(policy, path, file);
    const values = policy.createNode(deployables.filter((d) => d.kind === 'function').map((d) => d.name));
    (values as YAMLSeq).flow = true;
    policy.setIn(path, values);
  });
}

/** packages/contracts' list of the functions, for code that needs their names at run time (web). */
function contracts(deployables: Deployable[]): string {
  const names = deployables.filter((d) => d.kind === 'function').map((d) => `'${d.name}'`);
  const oneLine = `export const FUNCTIONS = [${names.join(', ')}] as const;`;
  // As Biome formats it: on one line while that fits its width (biome.json), else one name a line.
  const list =
    oneLine.length <= 110
      ? [oneLine]
      : ['export const FUNCTIONS = [', ...names.map((n) => `  ${n},`), '] as const;'];
  return [
    '/**',
    ' * @module Every Stockflow function, by the one name of its folder, Service, image and source.',
    ' * Generated by `npm run generate` (scripts/function-lists.ts) from the functions/* folders. Do not',
    ' * edit: add a function with `npm run new-function -- <name>`; tests/deploy fails when this file',
    ' * differs from what the generator writes.',
    ' */',
    '',
    '/** The functions, in folder order (web is not one: it forwards `/api/<function>/` to them). */',
    ...list,
    'export type FunctionName = (typeof FUNCTIONS)[number];',
    '',
  ].join('\n');
}

/** The text each listing file should have now, by path relative to `root`. */
export function listingFiles(root = ROOT, deployables = listDeployables(root)): Record<string, string> {
  return {
    [LISTING_FILES.kustomization]: kustomization(root, deployables),
    [LISTING_FILES.skaffold]: skaffold(root, deployables),
    [LISTING_FILES.cloudbuild]: cloudbuild(root, deployables),
    [LISTING_FILES.web]: web(root, deployables),
    [LISTING_FILES.networkPolicies]: networkPolicies(root, deployables),
    [LISTING_FILES.contracts]: contracts(deployables),
  };
}
