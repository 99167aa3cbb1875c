/**
 * @module The OpenAPI 3.1 document of every HTTP route (ROUTES), built from the route table and the
 * contracts' zod schemas: web serves it at `/api/openapi.json`, `npm run docs:api` writes it to
 * docs/openapi.json. Not exported from the package's index, so the SPA never bundles it.
 */
import * as z from 'zod/mini';
import * as contracts from './index.ts';
import { type Access, OWNERS, problemsOf, ROUTES, type Route } from './routes.ts';

export {
  type Access,
  isStaff,
  OWNERS,
  type Owner,
  PLATFORM_ROUTES,
  problemsOf,
  ROUTES,
  type Route,
} from './routes.ts';

/** What every route shares, said once: the head of docs/api.md and the document's description. */
export const API_CONVENTIONS = [
  'Everything is reached through `web` at `/api/<function>/...` (web strips `/api/<function>` and',
  'forwards the rest to the function, cluster-local in production). Admin operations need a staff',
  'member whose role allows them (`viewer` < `clerk` < `manager`, each allowing what the one before',
  'does; [security.md](security.md#staff-identity)): in a browser, the session of a person signed in',
  'at web (`/auth/login`), for which web sends the function a staff token; the function answers 401',
  'without a valid one and 403 to a role too low. Errors are `application/problem+json` (RFC 9457):',
  '`{type, title, status, detail?, instance, errors?: [{path, message}], ...}`. Request bodies are',
  '`application/json` (another content type: 415). Unknown fields in bodies are ignored, never stored',
  '(server-owned fields such as `id`, `status`, timestamps are never taken from a client).',
  '',
  'Money is integer cents plus an ISO 4217 `currency`. Times are ISO 8601 strings. Lists are',
  '`{items, nextCursor}`; pass `cursor=<nextCursor>` for the next page (`nextCursor: null` at the end).',
  "A cursor the route did not hand out (crafted, or another list's) gets 400.",
  '',
  'A body over `BODY_LIMIT_BYTES` (256 KiB; the CSV import routes: `UPLOAD_LIMIT_BYTES`, 16 MiB, at web',
  'and at the function) gets 413 with `Connection: close`. No route answers cross-origin requests (no',
  'CORS headers). web sends `Strict-Transport-Security` to requests that came over https.',
];

/** The security schemes of each access: any one of them suffices. */
const SECURITY: Record<Exclude<Access, 'public'>, Array<Record<string, string[]>>> = {
  order: [{ orderToken: [] }, { orderCookie: [] }, { staffSession: [] }],
  signature: [{ providerSignature: [] }],
  viewer: [{ staffSession: [] }, { breakGlass: [] }],
  clerk: [{ staffSession: [] }, { breakGlass: [] }],
  manager: [{ staffSession: [] }, { breakGlass: [] }],
};

const SECURITY_SCHEMES = {
  staffSession: {
    type: 'apiKey',
    in: 'cookie',
    name: 'stockflow_staff',
    description:
      "web's HttpOnly session of a person signed in at `/auth/login`; web sends the function a staff " +
      'token for it. The role must allow the route (viewer < clerk < manager).',
  },
  breakGlass: {
    type: 'http',
    scheme: 'bearer',
    description:
      'The shared `ADMIN_TOKEN`, off unless configured: a manager whose actor is `break-glass`; every use is logged.',
  },
  orderToken: {
    type: 'http',
    scheme: 'bearer',
    description:
      "The order's token from placing it (`token`), good for `ORDER_TOKEN_TTL_DAYS` (90) days; never in a URL.",
  },
  orderCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: contracts.ORDER_TOKEN_COOKIE,
    description:
      "The order's token as a cookie (`Path=/api/orders/<id>; HttpOnly; SameSite=Strict`), set by the " +
      'placing answer and by `POST /api/orders/:id/session`: what an `EventSource` sends.',
  },
  providerSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'sandbox-signature',
    description: "The payment provider's signature of the body, with its time: stale or bad ones get 401.",
  },
};

/** `/api/orders/:id` as OpenAPI writes it: `/api/orders/{id}`. */
export const openApiPath = (path: string) => path.replace(/:([A-Za-z]+)/g, '{$1}');
const pathParams = (path: string) => [...path.matchAll(/:([A-Za-z]+)/g)].map((match) => match[1]!);

/** A stable operation id: the method and the path's words (`postOrdersIdCancel`). */
export function operationId(route: Route): string {
  const words = route.path
    .replace(/^\/api\//, '/')
    .split(/[/.:-]+/)
    .filter(Boolean);
  return [route.method.toLowerCase(), ...words.map((word) => word[0]!.toUpperCase() + word.slice(1))].join(
    '',
  );
}

type Schema = z.core.$ZodType;
const isSchema = (value: unknown): value is Schema =>
  typeof value === 'object' && value !== null && '_zod' in value;

/** The contracts' exported objects, enums and unions by name: these become components. */
function namedSchemas(): Map<Schema, string> {
  const names = new Map<Schema, string>();
  for (const [name, value] of Object.entries(contracts))
    if (
      isSchema(value) &&
      ['object', 'enum', 'union', 'nullable'].includes(value._zod.def.type) &&
      !names.has(value)
    )
      names.set(value, name);
  return names;
}

/** `ProductPage` for a `pageOf(Product)`, `LocationList` for an `itemsOf(Location)`; else undefined. */
function listName(schema: Schema, names: Map<Schema, string>): string | undefined {
  const { def } = schema._zod;
  if (def.type !== 'object') return undefined;
  const shape = (def as z.core.$ZodObjectDef).shape;
  const items = shape.items?._zod.def;
  if (items?.type !== 'array') return undefined;
  const element = (items as z.core.$ZodArrayDef).element;
  const name = names.get(element) ?? (element._zod.def.type === 'string' ? 'String' : undefined);
  if (!name) return undefined;
  const keys = Object.keys(shape).sort().join();
  if (keys === 'items,nextCursor') return `${name}Page`;
  return keys === 'items' ? `${name}List` : undefined;
}

/** Every `$ref` under `node`. */
function refsIn(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const item of node) refsIn(item, found);
  else if (node && typeof node === 'object')
    for (const [key, value] of Object.entries(node))
      if (key === '$ref' && typeof value === 'string') found.add(value.replace('#/components/schemas/', ''));
      else refsIn(value, found);
  return found;
}

const problemRef = { $ref: '#/components/schemas/ProblemDetails' };
const json = (schema: unknown) => ({ 'application/json': { schema } });

export function buildOpenApi(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  const names = namedSchemas();
  for (const [schema, id] of names) registry.add(schema, { id });
  /** A route's own schema: a component by its contract name, a list's by its items', else the operation's. */
  const component = (schema: Schema, fallback: string) => {
    let id = names.get(schema);
    if (!id) {
      id = listName(schema, names) ?? fallback;
      registry.add(schema, { id });
      names.set(schema, id);
    }
    return { $ref: `#/components/schemas/${id}` };
  };

  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const id = operationId(route);
    const title = id[0]!.toUpperCase() + id.slice(1);
    const parameters = [
      ...pathParams(route.path).map((name) => ({
        name,
        in: 'path',
        required: true,
        schema: { type: 'string', minLength: 1 },
      })),
      ...queryParameters(route.query),
      ...(route.idempotent
        ? [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              description: 'The same key and body answers as the first time (a double click, a retry).',
              schema: { type: 'string', maxLength: 200 },
            },
          ]
        : []),
    ];
    const { answer } = route;
    const responses: Record<string, unknown> = {
      [answer.status]: {
        description: answer.description,
        ...(answer.schema
          ? { content: json(component(answer.schema, `${title}Answer`)) }
          : answer.mediaType
            ? { content: { [answer.mediaType]: { schema: { type: 'string' } } } }
            : {}),
      },
    };
    for (const [status, description] of Object.entries(problemsOf(route)))
      responses[status] = {
        description,
        content: {
          'application/problem+json': { schema: problemRef },
          // A CSV import's 422 is its result, with every error.
          ...(status === '422' && route.body === 'csv' && answer.schema
            ? json(component(answer.schema, `${title}Answer`))
            : {}),
        },
      };
    const requestBody = route.body && {
      required: !route.bodyOptional,
      content:
        route.body === 'csv'
          ? { 'text/csv': { schema: { type: 'string' } } }
          : json(component(route.body, `${title}Body`)),
    };
    paths[openApiPath(route.path)] ??= {};
    paths[openApiPath(route.path)]![route.method.toLowerCase()] = {
      operationId: id,
      tags: [route.owner],
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      ...(route.access === 'public' ? {} : { security: SECURITY[route.access] }),
      ...(parameters.length ? { parameters } : {}),
      ...(requestBody ? { requestBody } : {}),
      responses,
      'x-access': route.access,
    };
  }
  component(contracts.ProblemDetails, 'ProblemDetails');

  const { schemas } = z.toJSONSchema(registry, {
    io: 'input',
    uri: (id) => `#/components/schemas/${id}`,
    unrepresentable: 'any',
  });
  const document = {
    openapi: '3.1.0',
    info: {
      title: 'Stockflow HTTP API',
      version: '1.0.0',
      description: API_CONVENTIONS.join('\n'),
    },
    servers: [
      { url: '/', description: 'web: the shop, its admin and every function behind `/api/<function>`.' },
    ],
    tags: Object.entries(OWNERS).map(([name, description]) => ({ name, description })),
    paths,
    components: { schemas: usedSchemas(schemas, paths), securitySchemes: SECURITY_SCHEMES },
  };
  return document;
}

/** The components the paths reach (directly or through others), without `$schema` and `$id`. */
function usedSchemas(schemas: Record<string, Record<string, unknown>>, paths: unknown) {
  const used = new Set<string>();
  const visit = (names: Set<string>) => {
    for (const name of names)
      if (!used.has(name)) {
        used.add(name);
        visit(refsIn(schemas[name]));
      }
  };
  visit(refsIn(paths));
  visit(new Set(['ProblemDetails']));
  return Object.fromEntries(
    [...used].sort().map((name) => {
      const { $schema: _, $id: __, ...schema } = schemas[name]!;
      return [name, schema];
    }),
  );
}

/** A query schema's fields as OpenAPI parameters (`style: form`, one value each). */
function queryParameters(query: z.ZodMiniObject | undefined) {
  if (!query) return [];
  const schema = z.toJSONSchema(query, { io: 'input', unrepresentable: 'any' }) as {
    properties: Record<string, Record<string, unknown>>;
    required?: string[];
  };
  return Object.entries(schema.properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: 'query',
      required: schema.required?.includes(name) ?? false,
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}
