/**
 * @module `npm run docs:api`: writes docs/openapi.json (OpenAPI 3.1) and docs/api.md from
 * packages/contracts' route table and zod schemas, formatted as Biome formats them. `-- --check`
 * only compares, and fails when a file is stale; tests do the same, validate the document with
 * @readme/openapi-parser and compare its routes with those the apps register.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  API_CONVENTIONS,
  buildOpenApi,
  OWNERS,
  type Owner,
  operationId,
  PLATFORM_ROUTES,
  problemsOf,
  ROUTES,
  type Route,
} from '@stockflow/contracts/openapi';
import { formatWithBiome, ROOT, writeOrCheck } from './event-docs.ts';

export const OPENAPI_DOC = join(ROOT, 'docs', 'openapi.json');
export const API_DOCS = join(ROOT, 'docs', 'api.md');

export function renderOpenApi(): string {
  return formatWithBiome('docs/openapi.json', `${JSON.stringify(buildOpenApi(), null, 2)}\n`);
}

/** Who may call a route, in words. */
function who(route: Route): string {
  if (route.access === 'public') return 'anyone';
  if (route.access === 'order') return "the order's token or cookie, or staff";
  if (route.access === 'signature') return 'the provider (a signature)';
  return route.access;
}

/** A schema's name in the OpenAPI document, as a link into it. */
function schemaName(operation: Record<string, unknown>, where: 'requestBody' | 'answer', status?: number) {
  const content =
    where === 'requestBody'
      ? (operation.requestBody as { content: Record<string, { schema: { $ref?: string } }> } | undefined)
          ?.content
      : (operation.responses as Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>)[
          String(status)
        ]?.content;
  const ref = content?.['application/json']?.schema.$ref;
  return ref ? `\`${ref.replace('#/components/schemas/', '')}\`` : undefined;
}

type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
};

/** A JSON Schema as a short TypeScript-like type: `{id, name?, items: Product[]}`, `"a" | "b"`. */
function shapeOf(schema: JsonSchema, depth = 0): string {
  if (schema.$ref) return schema.$ref.replace('#/components/schemas/', '');
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(' | ');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return alternatives.map((option) => shapeOf(option, depth)).join(' | ');
  if (Array.isArray(schema.type)) return schema.type.join(' | ');
  if (schema.type === 'array') return `${schema.items ? shapeOf(schema.items, depth) : 'unknown'}[]`;
  if (schema.type === 'object' && schema.properties) {
    if (depth > 1) return '{…}';
    const fields = Object.entries(schema.properties).map(([name, property]) => {
      const optional = schema.required?.includes(name) ? '' : '?';
      return `${name}${optional}: ${shapeOf(property, depth + 1)}`;
    });
    return `{${fields.join(', ')}}`;
  }
  if (schema.type === 'object') return 'object';
  return schema.type ?? 'unknown';
}

/** Every body of the document, by name: what each route's `body` and answer name. */
function bodiesSection(schemas: Record<string, JsonSchema>): string[] {
  return [
    '',
    '## Bodies',
    '',
    'The JSON bodies by name (their JSON Schemas, with every limit, are in [openapi.json](openapi.json);',
    'their zod schemas in `packages/contracts`). `?` marks an optional field.',
    '',
    ...Object.entries(schemas).flatMap(([name, schema]) => [`- \`${name}\` = \`${shapeOf(schema)}\``]),
  ];
}

const heading = (route: Route) => `${route.method} ${route.path}`;
const anchor = (route: Route) => operationId(route).toLowerCase();

function routeSection(route: Route, operation: Record<string, unknown>): string[] {
  const { answer } = route;
  const answerBody =
    schemaName(operation, 'answer', answer.status) ??
    (answer.mediaType ? `\`${answer.mediaType}\`` : 'no body');
  const body =
    route.body === 'csv' ? '`text/csv`' : route.body ? schemaName(operation, 'requestBody') : undefined;
  const query = (operation.parameters as Array<{ name: string; in: string }> | undefined)
    ?.filter((parameter) => parameter.in === 'query')
    .map((parameter) => `\`${parameter.name}\``);
  return [
    `### ${heading(route)}`,
    '',
    `<a id="${anchor(route)}"></a>${route.summary}. Who: ${who(route)}.`,
    ...(route.description ? ['', route.description] : []),
    '',
    ...(query?.length ? [`- query: ${query.join(', ')}`] : []),
    ...(body ? [`- body: ${body}${route.bodyOptional ? ' (optional)' : ''}`] : []),
    ...(route.idempotent ? ['- header `Idempotency-Key` (optional, at most 200 characters)'] : []),
    `- ${answer.status}: ${answerBody}: ${answer.description}`,
    ...Object.entries(problemsOf(route)).map(([status, why]) => `- ${status}: ${why}`),
  ];
}

export function renderApiDocs(): string {
  const document = buildOpenApi() as {
    paths: Record<string, Record<string, Record<string, unknown>>>;
    components: { schemas: Record<string, JsonSchema> };
  };
  const operation = (route: Route) =>
    document.paths[route.path.replace(/:([A-Za-z]+)/g, '{$1}')]![route.method.toLowerCase()]!;
  const owners = Object.keys(OWNERS) as Owner[];
  const lines = [
    '# Stockflow HTTP API',
    '',
    '<!-- Generated by `npm run docs:api` from packages/contracts/src/routes.ts and the schemas in',
    '     packages/contracts. Do not edit: change those and run it again (a test fails when this is stale). -->',
    '',
    'The same contract as an OpenAPI 3.1 document: [openapi.json](openapi.json), served by web at',
    "`GET /api/openapi.json`, with every body's JSON Schema.",
    '',
    ...API_CONVENTIONS,
    '',
    'Staff roles: `viewer` < `clerk` < `manager`. Every route that takes a body or a query answers 400',
    'to a malformed one with `errors` naming each field; every staff route 401 without a session and',
    '403 to a role too low: the sections list these too.',
  ];
  for (const owner of owners) {
    const routes = ROUTES.filter((route) => route.owner === owner);
    lines.push(
      '',
      `## ${owner === 'web' ? "web's own" : owner}`,
      '',
      OWNERS[owner],
      '',
      '| method and path | who | answer |',
      '| --- | --- | --- |',
      ...routes.map(
        (route) =>
          `| [\`${heading(route)}\`](#${anchor(route)}) | ${who(route)} | ${route.answer.status} ${route.summary.toLowerCase()} |`,
      ),
    );
    for (const route of routes) lines.push('', ...routeSection(route, operation(route)));
  }
  lines.push(...bodiesSection(document.components.schemas));
  lines.push(
    '',
    '## Not for clients',
    '',
    `The functions' platform routes (${PLATFORM_ROUTES.map((route) => `\`${route}\``).join(', ')}) are`,
    "Knative's and the cluster's: web never forwards them (a forged dead letter, once replayed, would",
    'reach the broker). `POST /events` and `POST /dead-letters` take only deliveries carrying the',
    "dispatcher's OIDC token for the function: 401 without a valid token, 403 for any other sender",
    '([security.md](security.md#sender-identity-and-authorization)).',
  );
  return formatWithBiome('docs/api.md', `${lines.join('\n')}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeOrCheck(
    [
      [OPENAPI_DOC, renderOpenApi],
      [API_DOCS, renderApiDocs],
    ],
    'npm run docs:api',
  );
}
