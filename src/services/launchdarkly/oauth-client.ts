import { builder } from '../../builder.js';
import { upstreamOf, type Context } from '../../context.js';
import { gatewayError } from '../../errors.js';
import { VERSION_DESCRIPTION } from '../../changes/fields.js';
import { digestVersion } from '../../changes/version.js';
import { runWrite } from '../../changes/write.js';
import { checkPatch, JsonPatchOperationInput, patchChanges, sendPatch, type PatchOperation } from '../../json-patch.js';
import { checkId, isId } from '../../path-args.js';
import { asObject, dateTime, str } from '../../upstream-values.js';
import { getOAuthClientById, getOAuthClients, patchOAuthClient } from './client.js';
import { PATCH_RULES, SECRET_MEMBERS } from './spec.js';
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

builder.mutationField('patchLaunchDarklyOAuthClient', (t) =>
  t.field({
    type: LaunchDarklyOAuthClient,
    nullable: false,
    description:
      'Applies a JSON Patch to a LaunchDarkly OAuth client (PATCH /api/v2/oauth/clients/{clientId}). Only /name, /description and /redirectUri may be patched.',
    args: {
      id: t.arg.id({ required: true }),
      ops: t.arg({ type: [JsonPatchOperationInput], required: true }),
    },
    resolve: (_root, args, ctx) =>
      runWrite(ctx, { service: 'launchdarkly', operation: 'patchOAuthClient', resourceId: String(args.id) }, async (write) => {
        const id = checkId(String(args.id), 'id');
        const ops = checkPatch(args.ops as PatchOperation[], PATCH_RULES, ctx.limits.maxPatchOps);
        write.changes = patchChanges(ops);
        const http = write.upstream();
        const body = await sendPatch(ops, {
          // The document the TEST operations are rehearsed on must be a client, like any answer.
          current: async () => {
            const body = await getOAuthClientById(http, id);
            if (body !== undefined) requireClient(body, 'getOAuthClientById');
            return body;
          },
          notFound: () =>
            gatewayError('NOT_FOUND', `LaunchDarkly has no OAuth client ${id}.`, {
              upstream: { service: 'launchdarkly', status: 404, operation: 'getOAuthClientById' },
            }),
          send: () => patchOAuthClient(http, id, ops),
        });
        return requireClient(body, 'patchOAuthClient');
      }),
  }),
);
