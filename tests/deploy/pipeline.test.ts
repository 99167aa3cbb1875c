import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { listDeployables, ROOT } from '../../scripts/deployables.ts';
import { cloudBuildProblems, substitutionsIn } from './cloudbuild-schema.ts';
import { functionDeployable } from './fixtures.ts';
import { renderKustomization } from './manifests.ts';
import { SKAFFOLD_API_VERSION, type SkaffoldConfig, skaffoldSchemaProblems } from './skaffold-schema.ts';
import { cloudBuildDriftProblems, skaffoldDriftProblems } from './stockflow-rules.ts';

const deployables = listDeployables();
const readYaml = (path: string) => parse(readFileSync(join(ROOT, path), 'utf8'));

describe('skaffold.yaml', () => {
  const config = readYaml('skaffold.yaml') as SkaffoldConfig;
  const profile = (name: string) => config.profiles?.find((p) => p.name === name);

  it(`follows the ${SKAFFOLD_API_VERSION} schema`, () => {
    expect(skaffoldSchemaProblems(config)).toEqual([]);
  });

  it('has one docker artifact per deployable, named after it, built with FUNCTION=<name>', () => {
    expect(skaffoldDriftProblems(config, deployables)).toEqual([]);
  });

  it('deploys the local overlay by default without pushing, and the gke overlay with profile gke', () => {
    expect(config.build?.local?.push).toBe(false);
    expect(config.manifests?.kustomize?.paths).toEqual(['knative/overlays/local']);
    expect(profile('local')).toBeDefined();
    expect(profile('gke')?.build?.local?.push).toBe(true);
    expect(profile('gke')?.manifests?.kustomize?.paths).toEqual(['knative/overlays/gke']);
    for (const paths of [config.manifests?.kustomize?.paths, profile('gke')?.manifests?.kustomize?.paths]) {
      for (const path of paths ?? []) expect(renderKustomization(path).length).toBeGreaterThan(0);
    }
  });

  it('waits for the Knative objects after each deploy (its status check does not follow them)', () => {
    for (const deploy of [config.deploy, profile('gke')?.deploy]) {
      const after = (deploy?.kubectl?.hooks?.after ?? []).map((hook) => hook.host?.command.join(' ') ?? '');
      expect(after.some((command) => /^kubectl wait --for=condition=Ready .*\bksvc\b/.test(command))).toBe(
        true,
      );
    }
  });

  it('port-forwards to a Service the local overlay defines', () => {
    const forward = config.portForward?.[0];
    const local = renderKustomization('knative/overlays/local');
    expect(
      local.some(
        (d) =>
          d.apiVersion === 'v1' &&
          d.kind === forward?.resourceType &&
          d.metadata.name === forward?.resourceName,
      ),
    ).toBe(true);
  });

  it('rejects what the schema rejects', () => {
    const broken = structuredClone(config) as Record<string, unknown> & SkaffoldConfig;
    broken.apiVersion = 'skaffold/v2beta29' as typeof SKAFFOLD_API_VERSION;
    (broken.build!.artifacts![0] as Record<string, unknown>).dockerfile = 'Dockerfile';
    (broken.profiles![1] as Record<string, unknown>).deploy = {
      kubectl: { hooks: { after: [{ host: {} }] } },
    };
    expect(skaffoldSchemaProblems(broken)).toEqual([
      'skaffold.yaml apiVersion: expected "skaffold/v4beta13"',
      'skaffold.yaml build.artifacts.0: unknown field dockerfile',
      'skaffold.yaml profiles.1.deploy.kubectl.hooks.after.0.host.command: expected array, missing',
    ]);
  });
});

describe('cloudbuild.yaml', () => {
  const config = readYaml('cloudbuild.yaml');
  const step = (id: string) => config.steps.find((s: { id?: string }) => s.id === id);

  it('follows the build config schema, with its substitution rules', () => {
    expect(cloudBuildProblems(config)).toEqual([]);
  });

  it('names one Artifact Registry image per deployable, tagged with the commit', () => {
    expect(cloudBuildDriftProblems(config, deployables)).toEqual([]);
    expect(Object.keys(config.substitutions).sort()).toEqual(['_CLUSTER', '_REGION', '_REPOSITORY']);
  });

  it('installs, audits, lints, typechecks and tests (with the Firestore emulator) before building images', () => {
    expect(config.steps.map((s: { id: string }) => s.id)).toEqual([
      'install',
      'audit',
      'lint',
      'typecheck',
      'test',
      'images',
      'deploy',
    ]);
    expect(step('test').script).toContain('google-cloud-cli-firestore-emulator');
    expect(step('test').script).toMatch(/npx vitest run/);
    expect(step('images').waitFor).toEqual(['audit', 'lint', 'typecheck', 'test']);
    expect(step('audit').script).toBe('npm run audit -- --required');
    expect(step('deploy').waitFor).toEqual(['images']);
    for (const s of config.steps) expect(s.name, s.id).toMatch(/:(?!latest$)[\w.-]+$/);
  });

  it('builds with skaffold to the registry and deploys exactly the digests it built', () => {
    const images: string = step('images').script;
    const deploy: string = step('deploy').script;
    expect(images).toMatch(/skaffold build --profile=gke/);
    expect(images).toContain('--default-repo="$registry/$PROJECT_ID/$_REPOSITORY"');
    expect(images).toContain('--tag="$SHORT_SHA"');
    const output = /--file-output=(\S+)/.exec(images)?.[1];
    expect(output).toBeDefined();
    expect(deploy).toContain(`skaffold deploy --profile=gke --build-artifacts=${output}`);
    expect(deploy).toContain('get-credentials "$_CLUSTER" --region="$_REGION"');
  });

  it("writes the ConfigMap stockflow-gcp with the project and the cluster's OIDC issuer before deploying", () => {
    const deploy: string = step('deploy').script;
    const configMap = deploy.indexOf('kubectl create configmap stockflow-gcp');
    expect(configMap).toBeGreaterThan(-1);
    expect(configMap).toBeLessThan(deploy.indexOf('skaffold deploy'));
    expect(deploy).toContain('--from-literal=project="$PROJECT_ID"');
    expect(deploy).toContain(
      '--from-literal=oidc-issuer="https://container.googleapis.com/v1/projects/$PROJECT_ID/locations/$_REGION/clusters/$_CLUSTER"',
    );
  });

  it('rejects unknown fields, mixed script and args, unknown substitutions and dangling waitFor', () => {
    const broken = structuredClone(config);
    broken.steps[0].waitFor = ['deploy'];
    broken.steps[2].args = ['--fix'];
    broken.steps.push({
      id: 'notify',
      name: 'gcr.io/cloud-builders/curl:latest',
      args: ['-d', '$BUILD_ID $_CHANNEL $HOME'],
    });
    broken.option = {};
    expect(cloudBuildProblems(broken)).toEqual(['cloudbuild.yaml (root): unknown field option']);
    delete broken.option;
    expect(cloudBuildProblems(broken)).toEqual([
      'step install: waitFor deploy names no earlier step',
      'step lint: a script step takes no args or entrypoint',
      'step notify: $_CHANNEL is no substitution (write $$_CHANNEL for a shell variable)',
      'step notify: $HOME is no substitution (write $$HOME for a shell variable)',
    ]);
    expect(substitutionsIn(`$$HOME \${_REGION}-x $SHORT_SHA`)).toEqual(['_REGION', 'SHORT_SHA']);
  });
});

describe('the pipeline drift checks', () => {
  it('name the deployable that lacks an artifact or an image, and the stray ones', () => {
    const skaffold = readYaml('skaffold.yaml') as SkaffoldConfig;
    const cloudbuild = readYaml('cloudbuild.yaml');
    const built = (skaffold.build?.artifacts ?? []).map((artifact) => functionDeployable(artifact.image));
    expect(skaffoldDriftProblems(skaffold, built)).toEqual([]);
    expect(cloudBuildDriftProblems(cloudbuild, built)).toEqual([]);

    const [first, ...rest] = built;
    const changed = [...rest, functionDeployable('pricing')];
    expect(skaffoldDriftProblems(skaffold, changed)).toEqual([
      'skaffold.yaml: functions/pricing has no artifact (image: pricing)',
      `skaffold.yaml: artifact ${first!.name} is no deployable (no functions/${first!.name}/src/app.ts)`,
    ]);
    expect(cloudBuildDriftProblems(cloudbuild, changed)).toEqual([
      `cloudbuild.yaml: images lacks \${_REGION}-docker.pkg.dev/$PROJECT_ID/\${_REPOSITORY}/pricing:$SHORT_SHA (functions/pricing)`,
      `cloudbuild.yaml: image \${_REGION}-docker.pkg.dev/$PROJECT_ID/\${_REPOSITORY}/${first!.name}:$SHORT_SHA is no deployable's`,
    ]);
    skaffold.build!.artifacts![1]!.docker!.buildArgs = { FUNCTION: first!.name };
    expect(skaffoldDriftProblems(skaffold, built)).toEqual([
      `skaffold.yaml: artifact ${rest[0]!.name} must build context . with Dockerfile and buildArgs FUNCTION: ${rest[0]!.name}`,
    ]);
  });
});

describe('the Dockerfile contract seen from skaffold and Cloud Build', () => {
  it('takes the FUNCTION build arg both pass', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^ARG FUNCTION$/m);
    expect(existsSync(join(ROOT, '.dockerignore'))).toBe(true);
  });
});
