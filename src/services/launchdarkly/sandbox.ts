import type { IncomingMessage } from 'node:http';
import {
  applyPatch,
  json,
  listen,
  mediaType,
  NO_CONTENT,
  parseJson,
  parsePatch,
  randomHex,
  randomUuid,
  readBody,
  sameSecret,
  type PatchOp,
  type Reply,
  type RequestContext,
  type VendorApi,
} from '../../sandbox/http.js';
import { checkValue } from '../../value-schema.js';
import type { SandboxedVendor } from '../vendor.js';
import { CREATE_FIELDS, PATCH_RULES, redirectUriProblem } from './spec.js';

/**
 * LaunchDarkly REST API, OAuth 2.0 clients only (launchdarkly.openapi.yaml): GET /api/v2/oauth/clients,
 * GET and PATCH /api/v2/oauth/clients/{clientId}, at the origin.
 */

const COLLECTION = '/api/v2/oauth/clients';

interface Link {
  href: string;
  type: string;
}

/** The spec's Client schema, without `_clientSecret` (shown only upon creation). */
export interface LaunchDarklyClient {
  _links: Record<string, Link>;
  name: string;
  description?: string;
  _accountId: string;
  _clientId: string;
  redirectUri: string;
  _creationDate: number;
}

type StoredClient = Omit<LaunchDarklyClient, '_links'>;

const ACCOUNT_ID = '5f3e8a1c9d2b4e0017a6c3f1';

const SEED: StoredClient[] = [
  {
    name: 'Release Dashboard',
    description: 'Internal dashboard that shows flag status per environment',
    _accountId: ACCOUNT_ID,
    _clientId: '50666563-9144-4125-b822-33f308227e45',
    redirectUri: 'https://release-dashboard.example.com/oauth/callback',
    _creationDate: 1706780412345,
  },
  {
    name: 'Flag Bot for Slack',
    _accountId: ACCOUNT_ID,
    _clientId: 'b3a1f0c2-7d4e-4c8a-9f61-2e5d8a7c4b10',
    redirectUri: 'https://flagbot.example.com/launchdarkly/callback',
    _creationDate: 1718012233987,
  },
];

/** The only members the spec lets a patch touch. */
const PATCHABLE = new Set(Object.keys(PATCH_RULES.fields).map((field) => `/${field}`));
const ONLY = `only ${Object.keys(PATCH_RULES.fields)
  .map((field) => `/${field}`)
  .join(', ')
  .replace(/, ([^,]*)$/, ' and $1')} may be patched`;

function error(status: number, code: string, message: string): Reply {
  return json(status, { code, message, id: randomUuid() });
}

const invalid = (message: string) => error(400, 'invalid_request', message);
const notFound = () => error(404, 'not_found', 'Invalid resource identifier');

function authorize(req: IncomingMessage, apiKey: string): Reply | undefined {
  // The header holds the access token itself, without a scheme.
  const given = req.headers.authorization?.trim();
  return given && sameSecret(given, apiKey) ? undefined : error(401, 'unauthorized', 'Invalid access token');
}

function represent(client: StoredClient): LaunchDarklyClient {
  return {
    _links: {
      parent: { href: COLLECTION, type: 'application/json' },
      self: { href: `${COLLECTION}/${encodeURIComponent(client._clientId)}`, type: 'application/json' },
    },
    ...client,
  };
}

/** A JSON Patch array, or the documented `{comment, patch}` wrapper around one. */
function patchDocument(body: unknown): unknown {
  if (typeof body === 'object' && body !== null && !Array.isArray(body) && 'patch' in body) return body.patch;
  return body;
}

function opProblem(op: PatchOp): string | undefined {
  if (!PATCHABLE.has(op.path)) return `Path ${op.path} cannot be patched; ${ONLY}`;
  if ((op.op === 'move' || op.op === 'copy') && op.from !== undefined && !PATCHABLE.has(op.from))
    return `Path ${op.from} cannot be patched; ${ONLY}`;
  return undefined;
}

function resultProblem(client: Record<string, unknown>): string | undefined {
  for (const [field, { schema, removable }] of Object.entries(PATCH_RULES.fields)) {
    if (removable && !(field in client)) continue;
    if (checkValue(client[field], schema) !== undefined)
      return removable ? `${field} must be a string` : `${field} is required and must be a string`;
  }
  return undefined;
}

export function createLaunchDarklyApi(apiKey: string): VendorApi {
  const clients = new Map<string, StoredClient>(structuredClone(SEED).map((c) => [c._clientId, c]));

  const list = (): Reply =>
    json(200, {
      _links: { self: { href: COLLECTION, type: 'application/json' } },
      items: [...clients.values()].map(represent),
    });

  const get = ({ params }: RequestContext): Reply => {
    const client = clients.get(params.clientId!);
    return client ? json(200, represent(client)) : notFound();
  };

  const patch = async ({ req, params }: RequestContext): Promise<Reply> => {
    const stored = clients.get(params.clientId!);
    if (!stored) return notFound();
    if (mediaType(req) !== 'application/json') return invalid('Content-Type must be application/json');
    const body = parseJson(await readBody(req));
    if (!body.ok) return invalid('Invalid request body');
    const parsed = parsePatch(patchDocument(body.value));
    if ('error' in parsed) return invalid(`Invalid JSON patch: ${parsed.error}`);
    for (const op of parsed.ops) {
      const problem = opProblem(op);
      if (problem) return invalid(problem);
    }
    const outcome = applyPatch(stored, parsed.ops);
    if (!outcome.ok) return invalid(outcome.reason);
    const problem = resultProblem(outcome.document as unknown as Record<string, unknown>);
    if (problem) return invalid(problem);
    clients.set(stored._clientId, outcome.document);
    return json(200, represent(outcome.document));
  };

  const create = async ({ req }: RequestContext): Promise<Reply> => {
    if (mediaType(req) !== 'application/json') return invalid('Content-Type must be application/json');
    const body = parseJson(await readBody(req));
    if (!body.ok || typeof body.value !== 'object' || body.value === null || Array.isArray(body.value))
      return invalid('Invalid request body');
    const input = body.value as Record<string, unknown>;
    for (const [field, spec] of Object.entries(CREATE_FIELDS)) {
      if (!Object.hasOwn(input, field)) {
        if (spec.required) return invalid(`${field} is required`);
        continue;
      }
      if (checkValue(input[field], spec.schema) !== undefined) return invalid(`${field} must be a string`);
    }
    if (redirectUriProblem(input.redirectUri)) return invalid('redirectUri must be an absolute URL');
    const stored: StoredClient = {
      name: input.name as string,
      ...(typeof input.description === 'string' ? { description: input.description } : {}),
      _accountId: ACCOUNT_ID,
      _clientId: randomUuid(),
      redirectUri: input.redirectUri as string,
      _creationDate: Date.now(),
    };
    clients.set(stored._clientId, stored);
    // "The client secret. This will only be shown upon creation."
    return json(201, { ...represent(stored), _clientSecret: randomHex(32) });
  };

  const remove = ({ params }: RequestContext): Reply => (clients.delete(params.clientId!) ? NO_CONTENT : notFound());

  return {
    root: '',
    routes: [
      { pattern: COLLECTION, methods: { GET: list, POST: create } },
      { pattern: `${COLLECTION}/:clientId`, methods: { GET: get, PATCH: patch, DELETE: remove } },
    ],
    authorize: (req) => authorize(req, apiKey),
    notFound,
    methodNotAllowed: (method) => error(405, 'method_not_allowed', `Method ${method} is not allowed on this resource`),
    tooLarge: () => error(413, 'request_entity_too_large', 'Request body is too large'),
    internalError: () => error(500, 'internal_server_error', 'An unexpected error occurred'),
  };
}

/** Starts the emulator on a loopback port with a fresh seed and a random access token. */
export async function startSandbox(): Promise<SandboxedVendor> {
  const apiKey = `api-${randomHex(16)}`;
  const server = await listen(createLaunchDarklyApi(apiKey));
  return { url: server.origin, secret: apiKey, close: server.close };
}
