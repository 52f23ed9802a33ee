import { builder, type Types } from '../../builder.js';
import { upstreamOf, type Context } from '../../context.js';
import { badUserInput } from '../../errors.js';
import { VERSION_DESCRIPTION } from '../../changes/fields.js';
import { digestVersion } from '../../changes/version.js';
import type { ArgBuilder } from '@pothos/core';
import { defineChange } from '../../changes/define.js';
import { prepareDelete } from '../../changes/delete-change.js';
import { enumRefs, readCreate, replaceOps, specInput } from '../../changes/inputs.js';
import { notFound, preparePatch, type JsonPatchResource } from '../../changes/json-patch-change.js';
import { DeletedResource, type DeletedResourceShape } from '../../changes/types.js';
import { checkPatch, JsonPatchOperationInput, type PatchOperation } from '../../json-patch.js';
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
  resolveReference: ({ id }, ctx) => (isId(id) ? ctx.entities.load('LaunchDarklyOAuthClient', id, () => fetchClient(ctx, id)) : null),
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
    resolve: async (_root, _args, ctx) => {
      const body = asObject(await getOAuthClients(upstreamOf(ctx, 'launchdarkly', 'getOAuthClients')));
      if (!body || !Array.isArray(body.items)) {
        throw unexpectedBody('launchdarkly', 'getOAuthClients', 'a client collection');
      }
      return body.items.map((item) => requireClient(item, 'getOAuthClients'));
    },
  }),
}));

// ---- writes ----

const CreateLaunchDarklyOAuthClientInput = specInput(
  'CreateLaunchDarklyOAuthClientInput',
  'A new LaunchDarkly OAuth 2.0 client (oauthClientPost).',
  CREATE_FIELDS,
  enumRefs(),
  {
    required: true,
  },
);

const UpdateLaunchDarklyOAuthClientInput = specInput(
  'UpdateLaunchDarklyOAuthClientInput',
  'The fields of a LaunchDarkly OAuth client to change: each becomes a JSON Patch replace; a null description is removed.',
  UPDATE_FIELDS,
  enumRefs(),
);

interface CreatedShape {
  client: LaunchDarklyOAuthClientShape;
  secret: string;
}

const CreatedLaunchDarklyOAuthClient = builder.objectRef<CreatedShape>('CreatedLaunchDarklyOAuthClient').implement({
  description: 'A client just created, with its secret: shown in this answer only, never again.',
  fields: (t) => ({
    client: t.field({ type: LaunchDarklyOAuthClient, nullable: false, resolve: (created) => created.client }),
    secret: t.exposeString('secret', { nullable: false }),
  }),
});

// The members a patch can change; the others (_clientId, _accountId, _creationDate) never change.
const MUTABLE = Object.keys(PATCH_RULES.fields);

const CLIENTS: JsonPatchResource<LaunchDarklyOAuthClientShape> = {
  service: 'launchdarkly',
  getOperation: 'getOAuthClientById',
  patchOperation: 'patchOAuthClient',
  path: (id) => upstreamPath`/api/v2/oauth/clients/${id}`,
  contentType: 'application/json',
  get: (http, id) => getOAuthClientById(http, id),
  patch: async (http, id, ops) => requireClient(await patchOAuthClient(http, id, ops), 'patchOAuthClient'),
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
};

const ifVersionArg = (arg: ArgBuilder<Types>) =>
  arg.string({ description: 'The version last read: the change is refused (CONFLICT) if the client has changed since.' });

defineChange<{ id: string; ops: PatchOperation[]; ifVersion?: string | null }, LaunchDarklyOAuthClientShape>({
  name: 'patchLaunchDarklyOAuthClient',
  description:
    'Applies a JSON Patch to a LaunchDarkly OAuth client (PATCH /api/v2/oauth/clients/{clientId}). Only /name, /description and /redirectUri may be patched.',
  service: 'launchdarkly',
  operation: 'patchOAuthClient',
  type: LaunchDarklyOAuthClient,
  args: (arg) => ({
    id: arg.id({ required: true }),
    ops: arg({ type: [JsonPatchOperationInput], required: true }),
    ifVersion: ifVersionArg(arg),
  }),
  resourceId: (args) => String(args.id),
  prepare: (args, ctx, io) => {
    const id = checkId(String(args.id), 'id');
    const ops = checkPatch(args.ops, PATCH_RULES, ctx.limits.maxPatchOps);
    return preparePatch(CLIENTS, id, ops, args.ifVersion, io);
  },
});

defineChange<{ id: string; input: Record<string, unknown>; ifVersion?: string | null }, LaunchDarklyOAuthClientShape>({
  name: 'updateLaunchDarklyOAuthClient',
  description: 'Changes the fields given of a LaunchDarkly OAuth client, as a JSON Patch (PATCH /api/v2/oauth/clients/{clientId}).',
  service: 'launchdarkly',
  operation: 'patchOAuthClient',
  type: LaunchDarklyOAuthClient,
  args: (arg) => ({
    id: arg.id({ required: true }),
    input: arg({ type: UpdateLaunchDarklyOAuthClientInput, required: true }),
    ifVersion: ifVersionArg(arg),
  }),
  resourceId: (args) => String(args.id),
  prepare: (args, ctx, io) => {
    const id = checkId(String(args.id), 'id');
    const problem = redirectUriProblem(args.input.redirectUri);
    if (problem) throw badUserInput([{ field: 'input.redirectUri', messages: [problem] }]);
    const ops = checkPatch(replaceOps(args.input, UPDATE_FIELDS, PATCH_RULES), PATCH_RULES, ctx.limits.maxPatchOps, 'input');
    return preparePatch(CLIENTS, id, ops, args.ifVersion, io);
  },
});

defineChange<{ input: Record<string, unknown> }, CreatedShape>({
  name: 'createLaunchDarklyOAuthClient',
  description: 'Creates a LaunchDarkly OAuth 2.0 client (POST /api/v2/oauth/clients). Its secret is in this answer only.',
  service: 'launchdarkly',
  operation: 'createOAuth2Client',
  type: CreatedLaunchDarklyOAuthClient,
  secretAnswer: true,
  args: (arg) => ({ input: arg({ type: CreateLaunchDarklyOAuthClientInput, required: true }) }),
  prepare: async (args) => {
    const { body, changes } = readCreate(args.input, CREATE_FIELDS, {
      extra: (b) => redirectUriProblem(b.redirectUri),
      extraField: 'redirectUri',
    });
    return {
      before: null,
      after: body,
      changes,
      requests: [{ method: 'POST', path: '/api/v2/oauth/clients', contentType: 'application/json', body }],
      send: async (http) => {
        const raw = asObject(await createOAuth2Client(http, body));
        const secret = raw && str(raw._clientSecret);
        if (!raw || !secret) throw unexpectedBody('launchdarkly', 'createOAuth2Client', 'a created OAuth client with its secret');
        return { client: requireClient(raw, 'createOAuth2Client'), secret };
      },
    };
  },
});

defineChange<{ id: string; ifVersion?: string | null }, DeletedResourceShape>({
  name: 'deleteLaunchDarklyOAuthClient',
  description: 'Deletes a LaunchDarkly OAuth 2.0 client (DELETE /api/v2/oauth/clients/{clientId}).',
  service: 'launchdarkly',
  operation: 'deleteOAuthClient',
  type: DeletedResource,
  args: (arg) => ({ id: arg.id({ required: true }), ifVersion: ifVersionArg(arg) }),
  resourceId: (args) => String(args.id),
  prepare: (args, _ctx, io) =>
    prepareDelete({
      id: checkId(String(args.id), 'id'),
      ifVersion: args.ifVersion,
      io,
      service: 'launchdarkly',
      path: upstreamPath`/api/v2/oauth/clients/${String(args.id)}`,
      get: (http, id) => getOAuthClientById(http, id),
      versionOf: CLIENTS.versionOf,
      secrets: SECRET_MEMBERS,
      getOperation: 'getOAuthClientById',
      delete: (http, id) => deleteOAuthClient(http, id),
    }),
});
