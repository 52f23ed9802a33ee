import type { IncomingMessage } from 'node:http';
import {
  applyPatch,
  bearerToken,
  json,
  listen,
  mediaType,
  NO_CONTENT,
  parseJson,
  parsePatch,
  randomHex,
  readBody,
  sameSecret,
  type PatchOp,
  type Reply,
  type RequestContext,
  type VendorApi,
} from '../../sandbox/http.js';
import { parsePointer } from '../../json-pointer.js';
import type { ValueSchema } from '../../value-schema.js';
import type { SandboxedVendor } from '../vendor.js';
import {
  CREATE_FIELDS,
  PATCH_RULES,
  PATCHABLE_NOT_SHOWN,
  redirectUrisProblem,
  type AccessType,
  type ClientType,
  type GrantType,
} from './spec.js';

/**
 * SailPoint IdentityNow beta API, OAuth clients only (identitynow-beta.openapi.yaml):
 * GET /oauth-clients, GET and PATCH /oauth-clients/{id}, under the API root /beta.
 */

/** GetOAuthClientResponse. */
export interface IdentityNowOAuthClient {
  id: string;
  businessName: string | null;
  homepageUrl: string | null;
  name: string;
  description: string | null;
  accessTokenValiditySeconds: number;
  refreshTokenValiditySeconds: number;
  redirectUris: string[] | null;
  grantTypes: GrantType[];
  accessType: AccessType;
  type: ClientType;
  internal: boolean;
  enabled: boolean;
  strongAuthSupported: boolean;
  claimsSupported: boolean;
  created: string;
  modified: string;
  secret: string | null;
  metadata: string | null;
  lastUsed: string | null;
  scope: string[] | null;
}

/**
 * `tenant` is patchable per the spec but absent from GetOAuthClientResponse, so it is kept beside
 * the client (patches see it) and never returned.
 */
type StoredClient = IdentityNowOAuthClient & { tenant?: string };

const SEED: StoredClient[] = [
  {
    id: '2c9180835d2e5168015d32f890ca1581',
    tenant: 'acme-solar',
    businessName: 'Acme-Solar',
    homepageUrl: 'https://acme-solar.example.com',
    name: 'ServiceNow Access Request Integration',
    description: 'Used by ServiceNow to submit access requests on behalf of employees',
    accessTokenValiditySeconds: 750,
    refreshTokenValiditySeconds: 86400,
    redirectUris: ['https://acmesolar.service-now.com/oauth_redirect.do'],
    grantTypes: ['AUTHORIZATION_CODE', 'REFRESH_TOKEN'],
    accessType: 'OFFLINE',
    type: 'CONFIDENTIAL',
    internal: false,
    enabled: true,
    strongAuthSupported: false,
    claimsSupported: false,
    created: '2023-03-14T09:21:45.318Z',
    modified: '2024-06-02T16:05:11.902Z',
    secret: null,
    metadata: null,
    lastUsed: '2024-11-18T07:42:03.000Z',
    scope: ['sp:scopes:all'],
  },
  {
    id: 'ef38f94347e94562b5bb8424a56397d8',
    tenant: 'acme-solar',
    businessName: 'Acme-Solar',
    homepageUrl: null,
    name: 'Nightly Identity Export',
    description: 'Client credentials for the data warehouse export job',
    accessTokenValiditySeconds: 3600,
    refreshTokenValiditySeconds: 86400,
    redirectUris: null,
    grantTypes: ['CLIENT_CREDENTIALS'],
    accessType: 'ONLINE',
    type: 'CONFIDENTIAL',
    internal: false,
    enabled: true,
    strongAuthSupported: true,
    claimsSupported: false,
    created: '2022-11-02T22:10:09.004Z',
    modified: '2022-11-02T22:10:09.004Z',
    secret: null,
    metadata: null,
    lastUsed: '2023-01-15T03:00:12.000Z',
    scope: ['idn:identity-export:read', 'sp:search:read'],
  },
  {
    id: '7b1f0c9d3e2a48d6a5c4b3e2f1d0c9b8',
    tenant: 'acme-solar',
    businessName: null,
    homepageUrl: 'http://localhost:12345',
    name: 'Postman Sandbox',
    description: null,
    accessTokenValiditySeconds: 900,
    refreshTokenValiditySeconds: 43200,
    redirectUris: ['http://localhost:12345', 'https://oauth.pstmn.io/v1/callback'],
    grantTypes: ['AUTHORIZATION_CODE', 'CLIENT_CREDENTIALS', 'REFRESH_TOKEN'],
    accessType: 'ONLINE',
    type: 'PUBLIC',
    internal: false,
    enabled: false,
    strongAuthSupported: false,
    claimsSupported: true,
    created: '2024-08-20T13:37:00.000Z',
    modified: '2024-09-01T10:00:00.000Z',
    secret: null,
    metadata: '{"owner":"it-integration-team"}',
    lastUsed: null,
    scope: null,
  },
];

// ---- error bodies (ErrorResponseDto, and {error} for 401) ----

function message(text: string) {
  return { locale: 'en-US', localeOrigin: 'DEFAULT', text };
}

function errorDto(status: number, detailCode: string, text: string, causes?: string[]): Reply {
  return json(status, {
    detailCode,
    trackingId: randomHex(16),
    messages: [message(text)],
    ...(causes ? { causes: causes.map(message) } : {}),
  });
}

function badRequest(cause: string): Reply {
  return errorDto(400, '400.1 Bad Request Content', 'The request was syntactically correct but its content is semantically invalid.', [
    cause,
  ]);
}

const notFound = () => errorDto(404, '404 Not found', 'The server did not find a current representation for the target resource.');

function authorize(req: IncomingMessage, token: string): Reply | undefined {
  const credential = bearerToken(req);
  if (!credential) return json(401, { error: 'JWT validation failed: no JWT was provided' });
  if (credential.scheme.toLowerCase() !== 'bearer' || !sameSecret(credential.token, token)) {
    return json(401, { error: 'JWT validation failed: JWT is invalid or expired' });
  }
  return undefined;
}

// ---- list filters: `lastUsed le <date-time>`, `lastUsed isnull`, joined by and/or/not ----

type Predicate = (client: IdentityNowOAuthClient) => boolean;

class FilterError extends Error {}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function tokenize(input: string): string[] {
  // Every non-blank character belongs to one of these, so nothing is silently skipped.
  const tokens = [...input.matchAll(/"(?:[^"\\]|\\.)*"|\(|\)|[^\s()]+/g)].map((m) => m[0]);
  if (tokens.length === 0) throw new FilterError('the filter is empty');
  return tokens;
}

/** Parses the spec's filter syntax, supporting only what listOauthClients documents. */
export function parseFilters(input: string): Predicate {
  const tokens = tokenize(input);
  let at = 0;
  const peek = () => tokens[at];
  const next = () => {
    const token = tokens[at++];
    if (token === undefined) throw new FilterError('the filter ends too early');
    return token;
  };

  const or = (): Predicate => {
    let left = and();
    while (peek() === 'or') {
      at++;
      const [a, b] = [left, and()];
      left = (c) => a(c) || b(c);
    }
    return left;
  };
  const and = (): Predicate => {
    let left = unary();
    while (peek() === 'and') {
      at++;
      const [a, b] = [left, unary()];
      left = (c) => a(c) && b(c);
    }
    return left;
  };
  const unary = (): Predicate => {
    const token = next();
    if (token === 'not') {
      const inner = unary();
      return (c) => !inner(c);
    }
    if (token === '(') {
      const inner = or();
      if (next() !== ')') throw new FilterError('a parenthesis is not closed');
      return inner;
    }
    return comparison(token);
  };
  const comparison = (field: string): Predicate => {
    if (field !== 'lastUsed') throw new FilterError(`filtering is not supported for the field ${field}; supported: lastUsed`);
    const operator = next();
    if (operator === 'isnull') return (c) => c.lastUsed === null;
    if (operator !== 'le') throw new FilterError(`the operator ${operator} is not supported for lastUsed; supported: le, isnull`);
    const raw = next().replace(/^"(.*)"$/, '$1');
    const limit = DATE_TIME.test(raw) ? Date.parse(raw) : NaN;
    if (Number.isNaN(limit)) throw new FilterError(`${raw} is not a valid date-time for lastUsed`);
    return (c) => c.lastUsed !== null && Date.parse(c.lastUsed) <= limit;
  };

  const predicate = or();
  if (at !== tokens.length) throw new FilterError(`unexpected ${tokens[at]} in the filter`);
  return predicate;
}

// ---- PATCH: the spec's patchable fields, with IdentityNow's wording of what is wrong ----

type Check = (value: unknown) => string | undefined;

/** A check of one value against its schema in the spec, phrased as this emulation words it. */
function checkOf(schema: ValueSchema): Check {
  const inner = baseCheck(schema);
  return schema.nullable ? (v) => (v === null ? undefined : inner(v)) : inner;
}

function baseCheck(schema: ValueSchema): Check {
  const orNull = schema.nullable ? ' or null' : '';
  switch (schema.type) {
    case 'string':
      return (v) => (typeof v === 'string' ? undefined : `must be a string${orNull}`);
    case 'integer':
      return (v) =>
        Number.isInteger(v) && (v as number) >= (schema.minimum ?? -Infinity) && (v as number) <= (schema.maximum ?? Infinity)
          ? undefined
          : 'must be an integer (int32)';
    case 'boolean':
      return (v) => (typeof v === 'boolean' ? undefined : 'must be a boolean');
    case 'enum':
      return (v) => (typeof v === 'string' && schema.values.includes(v) ? undefined : `must be one of ${schema.values.join(', ')}`);
    case 'array': {
      const item = checkOf(schema.items);
      return (v) => {
        if (!Array.isArray(v)) return `must be an array${orNull}`;
        for (const [i, element] of v.entries()) {
          const problem = item(element);
          if (problem) return `element ${i} ${problem}`;
        }
        return undefined;
      };
    }
    case 'object':
      return (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? undefined : `must be an object${orNull}`);
    case 'any':
      return () => undefined;
  }
}

const NOT_SHOWN: ReadonlySet<string> = new Set(PATCHABLE_NOT_SHOWN);

const PATCHABLE: Readonly<Record<string, { check: Check; array: boolean }>> = Object.fromEntries(
  Object.entries(PATCH_RULES.fields).map(([field, { schema }]) => [field, { check: checkOf(schema), array: schema.type === 'array' }]),
);

/** Top-level patchable members and the elements of patchable arrays; nothing else. */
function pathProblem(pointer: string): string | undefined {
  const [field, ...rest] = parsePointer(pointer) ?? [];
  const rule = field !== undefined && Object.hasOwn(PATCHABLE, field) ? PATCHABLE[field] : undefined;
  if (!rule) return `path ${pointer} is not patchable`;
  if (rest.length === 0) return undefined;
  if (rule.array && rest.length === 1 && /^(-|0|[1-9]\d*)$/.test(rest[0]!)) return undefined;
  return `path ${pointer} is not patchable`;
}

function opProblem(op: PatchOp): string | undefined {
  // A test changes nothing, so it may assert any member (the gateway's preconditions assert /modified).
  if (op.op === 'test') return undefined;
  return pathProblem(op.path) ?? (op.from !== undefined && (op.op === 'move' || op.op === 'copy') ? pathProblem(op.from) : undefined);
}

const CREATE_CHECKS = Object.entries(CREATE_FIELDS).map(([field, spec]) => ({
  field,
  required: spec.required === true,
  check: checkOf(spec.schema),
}));

/** CreateOAuthClientRequest's problems, as IdentityNow lists them in `causes`. */
function createProblems(body: unknown): string[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return ['the request body must be a JSON object'];
  const input = body as Record<string, unknown>;
  const problems: string[] = [];
  for (const { field, required, check } of CREATE_CHECKS) {
    if (!Object.hasOwn(input, field)) {
      if (required) problems.push(`${field} is required`);
      continue;
    }
    const problem = check(input[field]);
    if (problem) problems.push(`${field} ${problem}`);
  }
  const redirect = redirectUrisProblem(input.grantTypes, input.redirectUris);
  if (redirect) problems.push(redirect);
  return problems;
}

function resultProblem(document: Record<string, unknown>): string | undefined {
  for (const [field, rule] of Object.entries(PATCHABLE)) {
    if (!(field in document)) {
      if (!PATCH_RULES.fields[field]!.removable && !NOT_SHOWN.has(field)) return `/${field} is required and cannot be removed`;
      continue;
    }
    const problem = rule.check(document[field]);
    if (problem) return `/${field} ${problem}`;
  }
  return undefined;
}

function publicView(stored: StoredClient): IdentityNowOAuthClient {
  const { tenant: _tenant, ...client } = stored;
  return { ...client, secret: null };
}

// ---- the API ----

export function createIdentityNowApi(token: string): VendorApi {
  const clients = new Map<string, StoredClient>(structuredClone(SEED).map((c) => [c.id, c]));

  const list = ({ query }: RequestContext): Reply => {
    const filters = query.get('filters');
    let predicate: Predicate = () => true;
    if (filters !== null) {
      try {
        predicate = parseFilters(filters);
      } catch (error) {
        if (!(error instanceof FilterError)) throw error;
        return badRequest(`Invalid filters: ${error.message}`);
      }
    }
    return json(200, [...clients.values()].filter(predicate).map(publicView));
  };

  const get = ({ params }: RequestContext): Reply => {
    const client = clients.get(params.id!);
    return client ? json(200, publicView(client)) : notFound();
  };

  const patch = async ({ req, params }: RequestContext): Promise<Reply> => {
    const stored = clients.get(params.id!);
    if (!stored) return notFound();
    if (mediaType(req) !== 'application/json-patch+json') {
      return badRequest('Content-Type must be application/json-patch+json');
    }
    const body = parseJson(await readBody(req));
    if (!body.ok) return badRequest(`The request body is not valid JSON: ${body.error}`);
    const parsed = parsePatch(body.value);
    if ('error' in parsed) return badRequest(parsed.error);
    for (const op of parsed.ops) {
      const problem = opProblem(op);
      if (problem) return badRequest(problem);
    }
    if (parsed.ops.length === 0) return json(200, publicView(stored));
    const outcome = applyPatch(stored, parsed.ops);
    if (!outcome.ok) return badRequest(outcome.reason);
    const problem = resultProblem(outcome.document as unknown as Record<string, unknown>);
    if (problem) return badRequest(problem);
    const updated: StoredClient = { ...outcome.document, modified: new Date().toISOString() };
    clients.set(updated.id, updated);
    return json(200, publicView(updated));
  };

  const create = async ({ req }: RequestContext): Promise<Reply> => {
    if (mediaType(req) !== 'application/json') return badRequest('Content-Type must be application/json');
    const body = parseJson(await readBody(req));
    if (!body.ok) return badRequest(`The request body is not valid JSON: ${body.error}`);
    const problems = createProblems(body.value);
    if (problems.length > 0) {
      return errorDto(
        400,
        '400.1 Bad Request Content',
        'The request was syntactically correct but its content is semantically invalid.',
        problems,
      );
    }
    const input = body.value as Partial<IdentityNowOAuthClient>;
    const now = new Date().toISOString();
    const client: StoredClient = {
      id: randomHex(16),
      tenant: 'acme-solar',
      businessName: input.businessName ?? null,
      homepageUrl: input.homepageUrl ?? null,
      name: input.name ?? '',
      description: input.description ?? null,
      accessTokenValiditySeconds: input.accessTokenValiditySeconds!,
      refreshTokenValiditySeconds: input.refreshTokenValiditySeconds ?? 86400,
      redirectUris: input.redirectUris ?? null,
      grantTypes: input.grantTypes ?? [],
      accessType: input.accessType!,
      type: input.type ?? 'CONFIDENTIAL',
      internal: input.internal ?? false,
      enabled: input.enabled!,
      strongAuthSupported: input.strongAuthSupported ?? false,
      claimsSupported: input.claimsSupported ?? false,
      created: now,
      modified: now,
      secret: randomHex(32),
      metadata: null,
      lastUsed: null,
      // "If no scope is specified, the client will be created with the default scope sp:scopes:all."
      scope: input.scope ?? ['sp:scopes:all'],
    };
    clients.set(client.id, client);
    // CreateOAuthClientResponse: the only answer that shows the secret.
    const { tenant: _tenant, metadata: _metadata, lastUsed: _lastUsed, ...created } = client;
    return json(200, created);
  };

  const remove = ({ params }: RequestContext): Reply => {
    return clients.delete(params.id!) ? NO_CONTENT : notFound();
  };

  return {
    root: '/beta',
    routes: [
      { pattern: '/oauth-clients', methods: { GET: list, POST: create } },
      { pattern: '/oauth-clients/:id', methods: { GET: get, PATCH: patch, DELETE: remove } },
    ],
    authorize: (req) => authorize(req, token),
    notFound,
    methodNotAllowed: (method) => errorDto(405, '405 Method Not Allowed', `The method ${method} is not supported for this resource.`),
    tooLarge: () => errorDto(413, '413 Payload Too Large', 'The request body is larger than the server accepts.'),
    internalError: () => errorDto(500, '500.0 Internal Fault', 'An internal fault occurred.'),
  };
}

/** Starts the emulator on a loopback port with a fresh seed and a random bearer token. */
export async function startSandbox(): Promise<SandboxedVendor> {
  const token = randomHex(32);
  const server = await listen(createIdentityNowApi(token));
  return { url: `${server.origin}/beta`, secret: token, close: server.close };
}
