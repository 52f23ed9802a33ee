import { builder } from '../../builder.js';
import { upstreamOf, type Context } from '../../context.js';
import { asObject, bool, enumValue, int, str, strList, upstreamEnum } from '../../upstream-values.js';
import { list, partialUpdate, retrieve, type Resource } from './client.js';
import { listArgs, listParams, results } from './list-args.js';
import { VERSION_DESCRIPTION } from '../../changes/fields.js';
import { digestVersion } from '../../changes/version.js';
import { runWrite } from '../../changes/write.js';
import { bodyChanges, enumRefs, graphqlNames, partialUpdateBody, partialUpdateInput } from './partial-update.js';
import { checkPositiveInteger } from './path-args.js';
import { CLIENT_TYPES, ISSUER_MODES, positiveInteger, PROVIDER_FIELDS, PROVIDER_SECRETS, SUB_MODES } from './spec.js';
import { expectShape } from '../../upstream/response.js';

const ClientTypeEnum = upstreamEnum(
  'AuthentikClientType',
  CLIENT_TYPES,
  'Confidential clients can keep their credentials secret; public clients cannot.',
);
const SubModeEnum = upstreamEnum('AuthentikSubMode', SUB_MODES, 'What data is used as the unique user identifier (sub).');
const IssuerModeEnum = upstreamEnum('AuthentikIssuerMode', ISSUER_MODES, 'How the issuer field of the ID token is filled.');
const ENUMS = enumRefs([CLIENT_TYPES, ClientTypeEnum], [SUB_MODES, SubModeEnum], [ISSUER_MODES, IssuerModeEnum]);

const PROVIDERS: Resource = {
  collection: '/providers/oauth2/',
  list: 'providers_oauth2_list',
  retrieve: 'providers_oauth2_retrieve',
  partialUpdate: 'providers_oauth2_partial_update',
  fieldNames: graphqlNames(PROVIDER_FIELDS),
};

const UpdateOAuth2ProviderInput = partialUpdateInput(
  'UpdateOAuth2ProviderInput',
  'The fields of an authentik OAuth2 provider to change; only the fields given are sent. null clears a nullable field.',
  PROVIDER_FIELDS,
  ENUMS,
);

export interface AuthentikOAuth2ProviderShape {
  id: string;
  name: string | null;
  authenticationFlow: string | null;
  authorizationFlow: string | null;
  propertyMappings: string[] | null;
  component: string | null;
  assignedApplicationSlug: string | null;
  assignedApplicationName: string | null;
  assignedBackchannelApplicationSlug: string | null;
  assignedBackchannelApplicationName: string | null;
  verboseName: string | null;
  verboseNamePlural: string | null;
  metaModelName: string | null;
  clientType: (typeof CLIENT_TYPES)[number] | null;
  clientId: string | null;
  accessCodeValidity: string | null;
  accessTokenValidity: string | null;
  refreshTokenValidity: string | null;
  includeClaimsInIdToken: boolean | null;
  signingKey: string | null;
  redirectUris: string | null;
  subMode: (typeof SUB_MODES)[number] | null;
  issuerMode: (typeof ISSUER_MODES)[number] | null;
  jwksSources: string[] | null;
  version: string;
}

/** OAuth2Provider → the GraphQL shape; `client_secret` is never read. Undefined without an integer pk. */
export function toOAuth2Provider(value: unknown): AuthentikOAuth2ProviderShape | undefined {
  const raw = asObject(value);
  const pk = raw && int(raw.pk);
  if (!raw || pk === null || pk === undefined) return undefined;
  return {
    id: String(pk),
    name: str(raw.name),
    authenticationFlow: str(raw.authentication_flow),
    authorizationFlow: str(raw.authorization_flow),
    propertyMappings: strList(raw.property_mappings),
    component: str(raw.component),
    assignedApplicationSlug: str(raw.assigned_application_slug),
    assignedApplicationName: str(raw.assigned_application_name),
    assignedBackchannelApplicationSlug: str(raw.assigned_backchannel_application_slug),
    assignedBackchannelApplicationName: str(raw.assigned_backchannel_application_name),
    verboseName: str(raw.verbose_name),
    verboseNamePlural: str(raw.verbose_name_plural),
    metaModelName: str(raw.meta_model_name),
    clientType: enumValue(raw.client_type, CLIENT_TYPES, 'AuthentikOAuth2Provider.clientType'),
    clientId: str(raw.client_id),
    accessCodeValidity: str(raw.access_code_validity),
    accessTokenValidity: str(raw.access_token_validity),
    refreshTokenValidity: str(raw.refresh_token_validity),
    includeClaimsInIdToken: bool(raw.include_claims_in_id_token),
    signingKey: str(raw.signing_key),
    redirectUris: str(raw.redirect_uris),
    subMode: enumValue(raw.sub_mode, SUB_MODES, 'AuthentikOAuth2Provider.subMode'),
    issuerMode: enumValue(raw.issuer_mode, ISSUER_MODES, 'AuthentikOAuth2Provider.issuerMode'),
    jwksSources: strList(raw.jwks_sources),
    // authentik keeps no modification time for a provider.
    version: digestVersion(raw, PROVIDER_SECRETS),
  };
}

function requireProvider(value: unknown, operation: string): AuthentikOAuth2ProviderShape {
  return expectShape(value, toOAuth2Provider, 'authentik', operation, 'an OAuth2 provider');
}

export const AuthentikOAuth2Provider = builder.objectRef<AuthentikOAuth2ProviderShape>('AuthentikOAuth2Provider').implement({
  description: 'An authentik OAuth2/OpenID provider. The client secret is never readable.',
  fields: (t) => ({
    id: t.exposeID('id', { nullable: false, description: "authentik's integer primary key (pk)." }),
    name: t.exposeString('name'),
    authenticationFlow: t.exposeString('authenticationFlow'),
    authorizationFlow: t.exposeString('authorizationFlow'),
    propertyMappings: t.exposeStringList('propertyMappings', { nullable: { list: true, items: false } }),
    component: t.exposeString('component'),
    assignedApplicationSlug: t.exposeString('assignedApplicationSlug'),
    assignedApplicationName: t.exposeString('assignedApplicationName'),
    assignedBackchannelApplicationSlug: t.exposeString('assignedBackchannelApplicationSlug'),
    assignedBackchannelApplicationName: t.exposeString('assignedBackchannelApplicationName'),
    verboseName: t.exposeString('verboseName'),
    verboseNamePlural: t.exposeString('verboseNamePlural'),
    metaModelName: t.exposeString('metaModelName'),
    clientType: t.expose('clientType', { type: ClientTypeEnum }),
    clientId: t.exposeString('clientId'),
    accessCodeValidity: t.exposeString('accessCodeValidity'),
    accessTokenValidity: t.exposeString('accessTokenValidity'),
    refreshTokenValidity: t.exposeString('refreshTokenValidity'),
    includeClaimsInIdToken: t.exposeBoolean('includeClaimsInIdToken'),
    signingKey: t.exposeString('signingKey'),
    redirectUris: t.exposeString('redirectUris', { description: 'Allowed redirect URIs, one per line.' }),
    subMode: t.expose('subMode', { type: SubModeEnum }),
    issuerMode: t.expose('issuerMode', { type: IssuerModeEnum }),
    jwksSources: t.exposeStringList('jwksSources', { nullable: { list: true, items: false } }),
    version: t.exposeString('version', { nullable: false, description: VERSION_DESCRIPTION }),
  }),
});

/** GET /providers/oauth2/{id}/: the provider, or null when authentik has none. */
async function fetchProvider(ctx: Context, id: number): Promise<AuthentikOAuth2ProviderShape | null> {
  const body = await retrieve(upstreamOf(ctx, 'authentik', PROVIDERS.retrieve), PROVIDERS, id);
  return body === undefined ? null : requireProvider(body, PROVIDERS.retrieve);
}

// A key that is not an authentik primary key is an unknown entity (null), not a request to send.
builder.asEntity(AuthentikOAuth2Provider, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: ({ id }, ctx) => {
    const pk = positiveInteger(id);
    return pk === undefined ? null : ctx.entities.load('AuthentikOAuth2Provider', pk, () => fetchProvider(ctx, pk));
  },
});

builder.queryFields((t) => ({
  oauth2Provider: t.field({
    type: AuthentikOAuth2Provider,
    description: 'One authentik OAuth2 provider (GET /providers/oauth2/{id}/); null when authentik has no such provider.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => fetchProvider(ctx, checkPositiveInteger(String(args.id), 'id')),
  }),
  oauth2Providers: t.field({
    type: [AuthentikOAuth2Provider],
    nullable: false,
    description: 'authentik OAuth2 providers (GET /providers/oauth2/); without arguments, the first page authentik gives.',
    args: listArgs(t.arg),
    resolve: async (_root, args, ctx) => {
      const body = await list(upstreamOf(ctx, 'authentik', PROVIDERS.list), PROVIDERS, listParams(args));
      return results(body, PROVIDERS.list).map((item) => requireProvider(item, PROVIDERS.list));
    },
  }),
}));

builder.mutationField('updateOAuth2Provider', (t) =>
  t.field({
    type: AuthentikOAuth2Provider,
    nullable: false,
    description: 'Partially updates an authentik OAuth2 provider (PATCH /providers/oauth2/{id}/).',
    args: {
      id: t.arg.id({ required: true }),
      input: t.arg({ type: UpdateOAuth2ProviderInput, required: true }),
    },
    resolve: (_root, args, ctx) =>
      runWrite(ctx, { service: 'authentik', operation: PROVIDERS.partialUpdate, resourceId: String(args.id) }, async (write) => {
        const id = checkPositiveInteger(String(args.id), 'id');
        const body = partialUpdateBody(args.input as Record<string, unknown>, PROVIDER_FIELDS);
        write.changes = bodyChanges(body, PROVIDER_FIELDS);
        const updated = await partialUpdate(write.upstream(), PROVIDERS, id, body);
        return requireProvider(updated, PROVIDERS.partialUpdate);
      }),
  }),
);
