import { builder } from '../../builder.js';
import { upstreamOf, type Context } from '../../context.js';
import { VERSION_DESCRIPTION } from '../../changes/fields.js';
import { digestVersion } from '../../changes/version.js';
import { enumRefs } from '../../changes/inputs.js';
import { defineJsonPatchLifecycle } from '../../changes/json-patch-lifecycle.js';
import { notFound } from '../../changes/json-patch-change.js';
import { upstreamPath } from '../../upstream/path.js';
import { checkId, isId } from '../../path-args.js';
import { asObject, bool, dateTime, enumList, enumValue, int, str, strList, type Raw } from '../../upstream-values.js';
import { createOauthClient, deleteOauthClient, getOauthClient, listOauthClients, patchOauthClient } from './client.js';
import {
  ACCESS_TYPES,
  CLIENT_TYPES,
  CREATE_FIELDS,
  GRANT_TYPES,
  PATCH_RULES,
  PATCHABLE_NOT_SHOWN,
  redirectUrisProblem,
  SECRET_MEMBERS,
  UPDATE_FIELDS,
} from './spec.js';
import { expectShape, unexpectedBody } from '../../upstream/response.js';

const GrantTypeEnum = builder.enumType('IdentityNowGrantType', { description: 'OAuth2 grant type.', values: GRANT_TYPES });
const AccessTypeEnum = builder.enumType('IdentityNowAccessType', { description: 'Online or offline use.', values: ACCESS_TYPES });
const ClientTypeEnum = builder.enumType('IdentityNowClientType', { description: 'Public or confidential.', values: CLIENT_TYPES });

export interface IdentityNowOAuthClientShape {
  id: string;
  businessName: string | null;
  homepageUrl: string | null;
  name: string | null;
  description: string | null;
  accessTokenValiditySeconds: number | null;
  refreshTokenValiditySeconds: number | null;
  redirectUris: string[] | null;
  grantTypes: Array<(typeof GRANT_TYPES)[number] | null> | null;
  accessType: (typeof ACCESS_TYPES)[number] | null;
  type: (typeof CLIENT_TYPES)[number] | null;
  internal: boolean | null;
  enabled: boolean | null;
  strongAuthSupported: boolean | null;
  claimsSupported: boolean | null;
  created: string | null;
  modified: string | null;
  metadata: string | null;
  lastUsed: string | null;
  scope: string[] | null;
  version: string;
}

/** GetOAuthClientResponse → the GraphQL shape; `secret` is never read. Undefined when the body has no id. */
export function toIdentityNowClient(value: unknown): IdentityNowOAuthClientShape | undefined {
  const raw: Raw | undefined = asObject(value);
  const id = raw && str(raw.id);
  if (!raw || !id) return undefined;
  return {
    id,
    businessName: str(raw.businessName),
    homepageUrl: str(raw.homepageUrl),
    name: str(raw.name),
    description: str(raw.description),
    accessTokenValiditySeconds: int(raw.accessTokenValiditySeconds),
    refreshTokenValiditySeconds: int(raw.refreshTokenValiditySeconds),
    redirectUris: strList(raw.redirectUris),
    grantTypes: enumList(raw.grantTypes, GRANT_TYPES, 'IdentityNowOAuthClient.grantTypes'),
    accessType: enumValue(raw.accessType, ACCESS_TYPES, 'IdentityNowOAuthClient.accessType'),
    type: enumValue(raw.type, CLIENT_TYPES, 'IdentityNowOAuthClient.type'),
    internal: bool(raw.internal),
    enabled: bool(raw.enabled),
    strongAuthSupported: bool(raw.strongAuthSupported),
    claimsSupported: bool(raw.claimsSupported),
    created: dateTime(raw.created),
    modified: dateTime(raw.modified),
    metadata: str(raw.metadata),
    lastUsed: dateTime(raw.lastUsed),
    scope: strList(raw.scope),
    // IdentityNow stamps every change in `modified`.
    version: str(raw.modified) ?? digestVersion(raw, SECRET_MEMBERS),
  };
}

function requireClient(value: unknown, operation: string): IdentityNowOAuthClientShape {
  return expectShape(value, toIdentityNowClient, 'identitynow', operation, 'an OAuth client');
}

export const IdentityNowOAuthClient = builder.objectRef<IdentityNowOAuthClientShape>('IdentityNowOAuthClient').implement({
  description: 'A SailPoint IdentityNow (Identity Security Cloud) API client. The client secret is never readable.',
  fields: (t) => ({
    id: t.exposeID('id', { nullable: false }),
    businessName: t.exposeString('businessName'),
    homepageUrl: t.exposeString('homepageUrl'),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    accessTokenValiditySeconds: t.exposeInt('accessTokenValiditySeconds'),
    refreshTokenValiditySeconds: t.exposeInt('refreshTokenValiditySeconds'),
    redirectUris: t.exposeStringList('redirectUris', { nullable: { list: true, items: false } }),
    grantTypes: t.expose('grantTypes', {
      type: [GrantTypeEnum],
      nullable: { list: true, items: true },
      description: 'Grant types; an item is null when IdentityNow reports one this schema does not know yet.',
    }),
    accessType: t.expose('accessType', { type: AccessTypeEnum }),
    type: t.expose('type', { type: ClientTypeEnum }),
    internal: t.exposeBoolean('internal'),
    enabled: t.exposeBoolean('enabled'),
    strongAuthSupported: t.exposeBoolean('strongAuthSupported'),
    claimsSupported: t.exposeBoolean('claimsSupported'),
    created: t.expose('created', { type: 'DateTime' }),
    modified: t.expose('modified', { type: 'DateTime' }),
    metadata: t.exposeString('metadata'),
    lastUsed: t.expose('lastUsed', { type: 'DateTime' }),
    scope: t.exposeStringList('scope', { nullable: { list: true, items: false } }),
    version: t.exposeString('version', { nullable: false, description: VERSION_DESCRIPTION }),
  }),
});

/** GET /oauth-clients/{id}: the client, or null when IdentityNow has none. */
async function fetchClient(ctx: Context, id: string): Promise<IdentityNowOAuthClientShape | null> {
  const body = await getOauthClient(upstreamOf(ctx, 'identitynow', 'getOauthClient'), id);
  return body === undefined ? null : requireClient(body, 'getOauthClient');
}

// Representations come from other subgraphs, typed or not: a key that could never be an IdentityNow
// id is an unknown entity (null), not a request to send.
builder.asEntity(IdentityNowOAuthClient, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: ({ id }, ctx) =>
    isId(id) ? ctx.entities.load('IdentityNowOAuthClient', id, (scoped) => fetchClient(scoped, id)) : null,
});

builder.queryFields((t) => ({
  oauthClient: t.field({
    type: IdentityNowOAuthClient,
    description: 'One IdentityNow OAuth client (GET /oauth-clients/{id}); null when IdentityNow has no such client.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => fetchClient(ctx, checkId(String(args.id), 'id')),
  }),
  oauthClients: t.field({
    type: [IdentityNowOAuthClient],
    nullable: false,
    description: 'IdentityNow OAuth clients (GET /oauth-clients).',
    args: {
      filters: t.arg.string({ description: 'IdentityNow filter expression; supported: lastUsed le, isnull.' }),
    },
    resolve: (_root, args, ctx) => listClients(ctx, args.filters ?? undefined),
  }),
}));

/** GET /oauth-clients: every client (the spec declares no paging), or those `filters` selects. */
export async function listClients(ctx: Context, filters: string | undefined): Promise<IdentityNowOAuthClientShape[]> {
  const body = await listOauthClients(upstreamOf(ctx, 'identitynow', 'listOauthClients'), filters);
  if (!Array.isArray(body)) throw unexpectedBody('identitynow', 'listOauthClients', 'a list of OAuth clients');
  return body.map((item) => requireClient(item, 'listOauthClients'));
}

// ---- writes ----

defineJsonPatchLifecycle<IdentityNowOAuthClientShape>({
  type: IdentityNowOAuthClient,
  what: 'client',
  rules: PATCH_RULES,
  enums: enumRefs([GRANT_TYPES, GrantTypeEnum], [ACCESS_TYPES, AccessTypeEnum], [CLIENT_TYPES, ClientTypeEnum]),
  resource: {
    service: 'identitynow',
    getOperation: 'getOauthClient',
    patchOperation: 'patchOauthClient',
    path: (id) => upstreamPath`/oauth-clients/${id}`,
    contentType: 'application/json-patch+json',
    get: (http, id) => getOauthClient(http, id),
    patch: async (http, id, ops, field) => requireClient(await patchOauthClient(http, id, ops, field), 'patchOauthClient'),
    versionOf: (document) => requireClient(document, 'getOauthClient').version,
    // IdentityNow stamps each change in `modified`, which the version is: asserting it asserts everything.
    versionTests: (document) => [{ op: 'test', path: '/modified', value: document.modified }],
    notFound: (id) => notFound('identitynow', 'getOauthClient', `IdentityNow OAuth client ${id}`),
    secrets: SECRET_MEMBERS,
    hidden: PATCHABLE_NOT_SHOWN,
  },
  patch: { name: 'patchOAuthClient', description: 'Applies a JSON Patch to an IdentityNow OAuth client (PATCH /oauth-clients/{id}).' },
  update: {
    name: 'updateOAuthClient',
    description:
      'Changes the fields given of an IdentityNow OAuth client, as a JSON Patch of replace operations (PATCH /oauth-clients/{id}).',
    input: 'UpdateOAuthClientInput',
    inputDescription: 'The fields of an IdentityNow API client to change: each becomes a JSON Patch replace; null clears a nullable field.',
    fields: UPDATE_FIELDS,
  },
  create: {
    name: 'createOAuthClient',
    description: 'Creates an IdentityNow API client (POST /oauth-clients). Its secret is in this answer only.',
    input: 'CreateOAuthClientInput',
    inputDescription: 'A new IdentityNow API client (CreateOAuthClientRequest). name and description must be given, and may be null.',
    created: 'CreatedIdentityNowOAuthClient',
    fields: CREATE_FIELDS,
    operation: 'createOauthClient',
    id: (client) => client.id,
    path: '/oauth-clients',
    check: (body) => {
      const problem = redirectUrisProblem(body.grantTypes, body.redirectUris);
      return problem ? { field: 'input.redirectUris', messages: [problem] } : undefined;
    },
    send: async (http, body) => {
      const raw = asObject(await createOauthClient(http, body));
      const secret = raw && str(raw.secret);
      if (!raw || !secret) throw unexpectedBody('identitynow', 'createOauthClient', 'a created OAuth client with its secret');
      return { resource: requireClient(raw, 'createOauthClient'), secret };
    },
  },
  remove: {
    name: 'deleteOAuthClient',
    description: 'Deletes an IdentityNow API client (DELETE /oauth-clients/{id}).',
    operation: 'deleteOauthClient',
    send: deleteOauthClient,
  },
});
