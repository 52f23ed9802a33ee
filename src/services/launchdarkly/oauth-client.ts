import { builder } from '../../builder.js';
import { upstreamOf, type Context } from '../../context.js';
import { VERSION_DESCRIPTION } from '../../changes/fields.js';
import { digestVersion } from '../../changes/version.js';
import { enumRefs } from '../../changes/inputs.js';
import { defineJsonPatchLifecycle } from '../../changes/json-patch-lifecycle.js';
import { notFound } from '../../changes/json-patch-change.js';
import { upstreamPath } from '../../upstream/path.js';
import { checkId, isId } from '../../path-args.js';
import { asObject, dateTime, str } from '../../upstream-values.js';
import { createOAuth2Client, deleteOAuthClient, getOAuthClientById, getOAuthClients, patchOAuthClient } from './client.js';
import { CREATE_FIELDS, PATCH_RULES, redirectUriProblem, SECRET_MEMBERS, UPDATE_FIELDS } from './spec.js';
import { expectShape, unexpectedBody } from '../../upstream/response.js';

export interface LaunchDarklyOAuthClientShape {
  id: string;
  name: string | null;
  description: string | null;
  redirectUri: string | null;
  accountId: string | null;
  createdAt: string | null;
  version: string;
}

/** The spec's Client → the GraphQL shape; `_clientSecret` is never read. Undefined without `_clientId`. */
export function toLaunchDarklyClient(value: unknown): LaunchDarklyOAuthClientShape | undefined {
  const raw = asObject(value);
  const id = raw && str(raw._clientId);
  if (!raw || !id) return undefined;
  return {
    id,
    name: str(raw.name),
    description: str(raw.description),
    redirectUri: str(raw.redirectUri),
    accountId: str(raw._accountId),
    createdAt: dateTime(raw._creationDate),
    // LaunchDarkly keeps no modification time for a client.
    version: digestVersion(raw, SECRET_MEMBERS),
  };
}

function requireClient(value: unknown, operation: string): LaunchDarklyOAuthClientShape {
  return expectShape(value, toLaunchDarklyClient, 'launchdarkly', operation, 'an OAuth client');
}

export const LaunchDarklyOAuthClient = builder.objectRef<LaunchDarklyOAuthClientShape>('LaunchDarklyOAuthClient').implement({
  description: 'A LaunchDarkly OAuth 2.0 client. The client secret is never readable.',
  fields: (t) => ({
    id: t.exposeID('id', { nullable: false, description: "The client's unique ID (_clientId)." }),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    redirectUri: t.exposeString('redirectUri'),
    accountId: t.exposeString('accountId', { description: 'The account the client is registered under (_accountId).' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the client was created (_creationDate).' }),
    version: t.exposeString('version', { nullable: false, description: VERSION_DESCRIPTION }),
  }),
});

/** GET /api/v2/oauth/clients/{clientId}: the client, or null when LaunchDarkly has none. */
async function fetchClient(ctx: Context, id: string): Promise<LaunchDarklyOAuthClientShape | null> {
  const body = await getOAuthClientById(upstreamOf(ctx, 'launchdarkly', 'getOAuthClientById'), id);
  return body === undefined ? null : requireClient(body, 'getOAuthClientById');
}

// A key that could never be a LaunchDarkly client id is an unknown entity (null), not a request to send.
builder.asEntity(LaunchDarklyOAuthClient, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: ({ id }, ctx) =>
    isId(id) ? ctx.entities.load('LaunchDarklyOAuthClient', id, (scoped) => fetchClient(scoped, id)) : null,
});

builder.queryFields((t) => ({
  launchDarklyOAuthClient: t.field({
    type: LaunchDarklyOAuthClient,
    description: 'One LaunchDarkly OAuth client (GET /api/v2/oauth/clients/{clientId}); null when LaunchDarkly has no such client.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => fetchClient(ctx, checkId(String(args.id), 'id')),
  }),
  launchDarklyOAuthClients: t.field({
    type: [LaunchDarklyOAuthClient],
    nullable: false,
    description: 'The OAuth clients registered by the LaunchDarkly account (GET /api/v2/oauth/clients).',
    resolve: (_root, _args, ctx) => listClients(ctx),
  }),
}));

/** GET /api/v2/oauth/clients: every client of the account (the spec declares no paging). */
export async function listClients(ctx: Context): Promise<LaunchDarklyOAuthClientShape[]> {
  const body = asObject(await getOAuthClients(upstreamOf(ctx, 'launchdarkly', 'getOAuthClients')));
  if (!body || !Array.isArray(body.items)) {
    throw unexpectedBody('launchdarkly', 'getOAuthClients', 'a client collection');
  }
  return body.items.map((item) => requireClient(item, 'getOAuthClients'));
}

// ---- writes ----

// The members a patch can change; the others (_clientId, _accountId, _creationDate) never change.
const MUTABLE = Object.keys(PATCH_RULES.fields);

defineJsonPatchLifecycle<LaunchDarklyOAuthClientShape>({
  type: LaunchDarklyOAuthClient,
  what: 'client',
  rules: PATCH_RULES,
  enums: enumRefs(),
  resource: {
    service: 'launchdarkly',
    getOperation: 'getOAuthClientById',
    patchOperation: 'patchOAuthClient',
    path: (id) => upstreamPath`/api/v2/oauth/clients/${id}`,
    contentType: 'application/json',
    get: (http, id) => getOAuthClientById(http, id),
    patch: async (http, id, ops, field) => requireClient(await patchOAuthClient(http, id, ops, field), 'patchOAuthClient'),
    versionOf: (document) => requireClient(document, 'getOAuthClientById').version,
    // The version is a digest: assert each member that can change. JSON Patch cannot assert that a
    // member is absent, so a description added in between goes unnoticed by the vendor.
    versionTests: (document) =>
      MUTABLE.filter((member) => Object.hasOwn(document, member)).map((member) => ({
        op: 'test',
        path: `/${member}`,
        value: document[member],
      })),
    notFound: (id) => notFound('launchdarkly', 'getOAuthClientById', `LaunchDarkly OAuth client ${id}`),
    secrets: SECRET_MEMBERS,
  },
  patch: {
    name: 'patchLaunchDarklyOAuthClient',
    description:
      'Applies a JSON Patch to a LaunchDarkly OAuth client (PATCH /api/v2/oauth/clients/{clientId}). Only /name, /description and /redirectUri may be patched.',
  },
  update: {
    name: 'updateLaunchDarklyOAuthClient',
    description: 'Changes the fields given of a LaunchDarkly OAuth client, as a JSON Patch (PATCH /api/v2/oauth/clients/{clientId}).',
    input: 'UpdateLaunchDarklyOAuthClientInput',
    inputDescription:
      'The fields of a LaunchDarkly OAuth client to change, as a JSON Patch: a value replaces the member (the description is added, since it may be absent); a null description is removed, whether or not the client has one.',
    fields: UPDATE_FIELDS,
    check: (input) => redirectUriError(input.redirectUri),
  },
  create: {
    name: 'createLaunchDarklyOAuthClient',
    description: 'Creates a LaunchDarkly OAuth 2.0 client (POST /api/v2/oauth/clients). Its secret is in this answer only.',
    input: 'CreateLaunchDarklyOAuthClientInput',
    inputDescription: 'A new LaunchDarkly OAuth 2.0 client (oauthClientPost).',
    created: 'CreatedLaunchDarklyOAuthClient',
    fields: CREATE_FIELDS,
    operation: 'createOAuth2Client',
    id: (client) => client.id,
    path: '/api/v2/oauth/clients',
    check: (body) => redirectUriError(body.redirectUri),
    send: async (http, body) => {
      const raw = asObject(await createOAuth2Client(http, body));
      const secret = raw && str(raw._clientSecret);
      if (!raw || !secret) throw unexpectedBody('launchdarkly', 'createOAuth2Client', 'a created OAuth client with its secret');
      return { resource: requireClient(raw, 'createOAuth2Client'), secret };
    },
  },
  remove: {
    name: 'deleteLaunchDarklyOAuthClient',
    description: 'Deletes a LaunchDarkly OAuth 2.0 client (DELETE /api/v2/oauth/clients/{clientId}).',
    operation: 'deleteOAuthClient',
    send: deleteOAuthClient,
  },
});

function redirectUriError(value: unknown) {
  const problem = redirectUriProblem(value);
  return problem ? { field: 'input.redirectUri', messages: [problem] } : undefined;
}
