import { builder, type Types } from '../../builder.js';
import { upstreamOf, type Context } from '../../context.js';
import { asObject, bool, enumValue, json, str, strList, upstreamEnum } from '../../upstream-values.js';
import { list, retrieve, type Resource } from './client.js';
import { listArgs, listParams, results } from './list-args.js';
import { VERSION_DESCRIPTION } from '../../changes/fields.js';
import { digestVersion } from '../../changes/version.js';
import type { ArgBuilder } from '@pothos/core';
import { defineChange } from '../../changes/define.js';
import { DeletedResource, type DeletedResourceShape } from '../../changes/types.js';
import { JsonPatchOperationInput, type PatchOperation } from '../../json-patch.js';
import { prepareCreate, prepareDelete, preparePatch, prepareUpdate, type AuthentikResource } from './changes.js';
import { gatewayError } from '../../errors.js';
import { enumRefs } from '../../changes/inputs.js';
import { graphqlNames, partialUpdateInput, type WriteSurface } from './partial-update.js';
import { checkSlug, slugProblem } from './path-args.js';
import { serverRelease } from './release-detection.js';
import { describeSpan, onlyIn } from './releases.js';
import {
  AUTHORIZATION_CODE_AUTH_METHODS,
  GROUP_MATCHING_MODES,
  PKCE_METHODS,
  POLICY_ENGINE_MODES,
  PROVIDER_TYPES,
  secretsOf,
  SOURCE_FIELDS,
  SOURCE_RESPONSE,
  USER_MATCHING_MODES,
  valueSpan,
} from './spec.js';
import { expectShape } from '../../upstream/response.js';

const PolicyEngineModeEnum = upstreamEnum('AuthentikPolicyEngineMode', POLICY_ENGINE_MODES);
const UserMatchingModeEnum = upstreamEnum(
  'AuthentikUserMatchingMode',
  USER_MATCHING_MODES,
  'How the source decides whether an existing user is authenticated or a new one enrolled.',
);
const GroupMatchingModeEnum = upstreamEnum(
  'AuthentikGroupMatchingMode',
  GROUP_MATCHING_MODES,
  'How the source decides whether an existing group is used or a new one created.',
);
const ProviderTypeEnum = upstreamEnum('AuthentikProviderType', PROVIDER_TYPES, 'The kind of OAuth source.', (value) => {
  const where = describeSpan(valueSpan(PROVIDER_TYPES, value));
  return where ? `Only in ${where}.` : undefined;
});
const PkceMethodEnum = upstreamEnum('AuthentikPkceMethod', PKCE_METHODS, 'The PKCE method a source uses when authorizing at its provider.');
const AuthorizationCodeAuthMethodEnum = upstreamEnum(
  'AuthentikAuthorizationCodeAuthMethod',
  AUTHORIZATION_CODE_AUTH_METHODS,
  "How a source sends its client credentials to the provider's token endpoint: HTTP Basic (basic_auth) or in the body (post_body).",
);
const ENUMS = enumRefs(
  [POLICY_ENGINE_MODES, PolicyEngineModeEnum],
  [USER_MATCHING_MODES, UserMatchingModeEnum],
  [GROUP_MATCHING_MODES, GroupMatchingModeEnum],
  [PROVIDER_TYPES, ProviderTypeEnum],
  [PKCE_METHODS, PkceMethodEnum],
  [AUTHORIZATION_CODE_AUTH_METHODS, AuthorizationCodeAuthMethodEnum],
);

const SURFACE: WriteSurface = { members: SOURCE_FIELDS };

export const SOURCES: Resource = {
  collection: '/sources/oauth/',
  list: 'sources_oauth_list',
  retrieve: 'sources_oauth_retrieve',
  partialUpdate: 'sources_oauth_partial_update',
  create: 'sources_oauth_create',
  destroy: 'sources_oauth_destroy',
  fieldNames: graphqlNames(SURFACE),
};

const UpdateOAuthSourceInput = partialUpdateInput(
  'UpdateOAuthSourceInput',
  'The fields of an authentik OAuth source to change; only the fields given are sent. null clears a nullable field. ' +
    "A field or value the server's authentik release does not have is refused, naming the field and the release.",
  SURFACE,
  ENUMS,
);

const CreateOAuthSourceInput = partialUpdateInput(
  'CreateOAuthSourceInput',
  "A new authentik OAuth source (OAuthSourceRequest). A field or value the server's release does not have is refused.",
  SURFACE,
  ENUMS,
  () => ({}),
  { create: true },
);

export interface AuthentikSourceTypeShape {
  name: string | null;
  verboseName: string | null;
  urlsCustomizable: boolean | null;
  requestTokenUrl: string | null;
  authorizationUrl: string | null;
  accessTokenUrl: string | null;
  profileUrl: string | null;
  oidcWellKnownUrl: string | null;
  oidcJwksUrl: string | null;
}

export interface AuthentikThemedUrlsShape {
  light: string | null;
  dark: string | null;
}

export interface AuthentikOAuthSourceShape {
  id: string | null;
  slug: string;
  name: string | null;
  enabled: boolean | null;
  promoted: boolean | null;
  authenticationFlow: string | null;
  enrollmentFlow: string | null;
  userPropertyMappings: string[] | null;
  groupPropertyMappings: string[] | null;
  component: string | null;
  verboseName: string | null;
  verboseNamePlural: string | null;
  metaModelName: string | null;
  policyEngineMode: (typeof POLICY_ENGINE_MODES)[number] | null;
  userMatchingMode: (typeof USER_MATCHING_MODES)[number] | null;
  managed: string | null;
  userPathTemplate: string | null;
  icon: string | null;
  iconUrl: string | null;
  iconThemedUrls: AuthentikThemedUrlsShape | null;
  groupMatchingMode: (typeof GROUP_MATCHING_MODES)[number] | null;
  providerType: (typeof PROVIDER_TYPES)[number] | null;
  requestTokenUrl: string | null;
  authorizationUrl: string | null;
  accessTokenUrl: string | null;
  profileUrl: string | null;
  pkce: (typeof PKCE_METHODS)[number] | null;
  consumerKey: string | null;
  callbackUrl: string | null;
  additionalScopes: string | null;
  type: AuthentikSourceTypeShape | null;
  oidcWellKnownUrl: string | null;
  oidcJwksUrl: string | null;
  oidcJwks: unknown;
  authorizationCodeAuthMethod: (typeof AUTHORIZATION_CODE_AUTH_METHODS)[number] | null;
  version: string;
}

const SECRETS = secretsOf(SOURCE_RESPONSE);

function toThemedUrls(value: unknown): AuthentikThemedUrlsShape | null {
  const raw = asObject(value);
  return raw ? { light: str(raw.light), dark: str(raw.dark) } : null;
}

function toSourceType(value: unknown): AuthentikSourceTypeShape | null {
  const raw = asObject(value);
  if (!raw) return null;
  return {
    name: str(raw.name),
    verboseName: str(raw.verbose_name),
    urlsCustomizable: bool(raw.urls_customizable),
    requestTokenUrl: str(raw.request_token_url),
    authorizationUrl: str(raw.authorization_url),
    accessTokenUrl: str(raw.access_token_url),
    profileUrl: str(raw.profile_url),
    oidcWellKnownUrl: str(raw.oidc_well_known_url),
    oidcJwksUrl: str(raw.oidc_jwks_url),
  };
}

/** OAuthSource → the GraphQL shape (consumer_secret is write-only upstream). Undefined without a slug. */
export function toOAuthSource(value: unknown): AuthentikOAuthSourceShape | undefined {
  const raw = asObject(value);
  const slug = raw && str(raw.slug);
  if (!raw || !slug) return undefined;
  return {
    id: str(raw.pk),
    slug,
    name: str(raw.name),
    enabled: bool(raw.enabled),
    promoted: bool(raw.promoted),
    authenticationFlow: str(raw.authentication_flow),
    enrollmentFlow: str(raw.enrollment_flow),
    userPropertyMappings: strList(raw.user_property_mappings),
    groupPropertyMappings: strList(raw.group_property_mappings),
    component: str(raw.component),
    verboseName: str(raw.verbose_name),
    verboseNamePlural: str(raw.verbose_name_plural),
    metaModelName: str(raw.meta_model_name),
    policyEngineMode: enumValue(raw.policy_engine_mode, POLICY_ENGINE_MODES, 'AuthentikOAuthSource.policyEngineMode'),
    userMatchingMode: enumValue(raw.user_matching_mode, USER_MATCHING_MODES, 'AuthentikOAuthSource.userMatchingMode'),
    managed: str(raw.managed),
    userPathTemplate: str(raw.user_path_template),
    icon: str(raw.icon),
    iconUrl: str(raw.icon_url),
    iconThemedUrls: toThemedUrls(raw.icon_themed_urls),
    groupMatchingMode: enumValue(raw.group_matching_mode, GROUP_MATCHING_MODES, 'AuthentikOAuthSource.groupMatchingMode'),
    providerType: enumValue(raw.provider_type, PROVIDER_TYPES, 'AuthentikOAuthSource.providerType'),
    requestTokenUrl: str(raw.request_token_url),
    authorizationUrl: str(raw.authorization_url),
    accessTokenUrl: str(raw.access_token_url),
    profileUrl: str(raw.profile_url),
    pkce: enumValue(raw.pkce, PKCE_METHODS, 'AuthentikOAuthSource.pkce'),
    consumerKey: str(raw.consumer_key),
    callbackUrl: str(raw.callback_url),
    additionalScopes: str(raw.additional_scopes),
    type: toSourceType(raw.type),
    oidcWellKnownUrl: str(raw.oidc_well_known_url),
    oidcJwksUrl: str(raw.oidc_jwks_url),
    oidcJwks: json(raw.oidc_jwks),
    authorizationCodeAuthMethod: enumValue(
      raw.authorization_code_auth_method,
      AUTHORIZATION_CODE_AUTH_METHODS,
      'AuthentikOAuthSource.authorizationCodeAuthMethod',
    ),
    // authentik keeps no modification time for a source.
    version: digestVersion(raw, SECRETS),
  };
}

function requireSource(value: unknown, operation: string): AuthentikOAuthSourceShape {
  return expectShape(value, toOAuthSource, 'authentik', operation, 'an OAuth source');
}

const sentBy = (member: string) => onlyIn(SOURCE_RESPONSE[member]);

const AuthentikThemedUrls = builder.objectRef<AuthentikThemedUrlsShape>('AuthentikThemedUrls').implement({
  description: "An icon's URL for the light and the dark theme.",
  fields: (t) => ({ light: t.exposeString('light'), dark: t.exposeString('dark') }),
});

const AuthentikSourceType = builder.objectRef<AuthentikSourceTypeShape>('AuthentikSourceType').implement({
  description: "The kind of OAuth source and the provider's default URLs.",
  fields: (t) => ({
    name: t.exposeString('name'),
    verboseName: t.exposeString('verboseName'),
    urlsCustomizable: t.exposeBoolean('urlsCustomizable'),
    requestTokenUrl: t.exposeString('requestTokenUrl'),
    authorizationUrl: t.exposeString('authorizationUrl'),
    accessTokenUrl: t.exposeString('accessTokenUrl'),
    profileUrl: t.exposeString('profileUrl'),
    oidcWellKnownUrl: t.exposeString('oidcWellKnownUrl'),
    oidcJwksUrl: t.exposeString('oidcJwksUrl'),
  }),
});

export const AuthentikOAuthSource = builder.objectRef<AuthentikOAuthSourceShape>('AuthentikOAuthSource').implement({
  description:
    'An authentik OAuth source (login with GitHub, Google, any OpenID Connect provider, ...). The consumer secret is never readable.',
  fields: (t) => ({
    id: t.field({
      type: 'ID',
      nullable: false,
      description: "authentik's primary key (pk), a UUID.",
      resolve: (source) => {
        if (source.id !== null) return source.id;
        throw gatewayError('UPSTREAM_ERROR', 'authentik answered a source without its pk.', {
          upstream: { service: 'authentik', operation: SOURCES.retrieve },
        });
      },
    }),
    slug: t.exposeString('slug', { nullable: false, description: 'Internal source name, used in URLs.' }),
    name: t.exposeString('name'),
    enabled: t.exposeBoolean('enabled'),
    promoted: t.exposeBoolean('promoted', { description: `Shown prominently on the login page.${sentBy('promoted')}` }),
    authenticationFlow: t.exposeString('authenticationFlow'),
    enrollmentFlow: t.exposeString('enrollmentFlow'),
    userPropertyMappings: t.exposeStringList('userPropertyMappings', { nullable: { list: true, items: false } }),
    groupPropertyMappings: t.exposeStringList('groupPropertyMappings', { nullable: { list: true, items: false } }),
    component: t.exposeString('component'),
    verboseName: t.exposeString('verboseName'),
    verboseNamePlural: t.exposeString('verboseNamePlural'),
    metaModelName: t.exposeString('metaModelName'),
    policyEngineMode: t.expose('policyEngineMode', { type: PolicyEngineModeEnum }),
    userMatchingMode: t.expose('userMatchingMode', { type: UserMatchingModeEnum }),
    managed: t.exposeString('managed'),
    userPathTemplate: t.exposeString('userPathTemplate'),
    icon: t.exposeString('icon', {
      description:
        'Before authentik 2025.12, the URL of the source\'s icon; since, the icon as it is set (a file name in authentik\'s media, a URL, or "" for the default), its URL in iconUrl.',
    }),
    iconUrl: t.exposeString('iconUrl', { description: `The URL of the source's icon.${sentBy('icon_url')}` }),
    iconThemedUrls: t.expose('iconThemedUrls', {
      type: AuthentikThemedUrls,
      description: `The icon's URLs per theme, when its name holds %(theme)s.${sentBy('icon_themed_urls')}`,
    }),
    groupMatchingMode: t.expose('groupMatchingMode', { type: GroupMatchingModeEnum }),
    providerType: t.expose('providerType', { type: ProviderTypeEnum }),
    requestTokenUrl: t.exposeString('requestTokenUrl'),
    authorizationUrl: t.exposeString('authorizationUrl'),
    accessTokenUrl: t.exposeString('accessTokenUrl'),
    profileUrl: t.exposeString('profileUrl'),
    pkce: t.expose('pkce', { type: PkceMethodEnum, description: `The PKCE method used when authorizing.${sentBy('pkce')}` }),
    consumerKey: t.exposeString('consumerKey'),
    callbackUrl: t.exposeString('callbackUrl'),
    additionalScopes: t.exposeString('additionalScopes'),
    type: t.expose('type', { type: AuthentikSourceType }),
    oidcWellKnownUrl: t.exposeString('oidcWellKnownUrl'),
    oidcJwksUrl: t.exposeString('oidcJwksUrl'),
    oidcJwks: t.expose('oidcJwks', { type: 'JSON' }),
    authorizationCodeAuthMethod: t.expose('authorizationCodeAuthMethod', {
      type: AuthorizationCodeAuthMethodEnum,
      description: `How the client credentials are sent to the token endpoint.${sentBy('authorization_code_auth_method')}`,
    }),
    version: t.exposeString('version', { nullable: false, description: VERSION_DESCRIPTION }),
  }),
});

/** GET /sources/oauth/{slug}/: the source, or null when authentik has none. */
async function fetchSource(ctx: Context, slug: string): Promise<AuthentikOAuthSourceShape | null> {
  const body = await retrieve(upstreamOf(ctx, 'authentik', SOURCES.retrieve), SOURCES, slug);
  return body === undefined ? null : requireSource(body, SOURCES.retrieve);
}

// A key that is not an authentik slug is an unknown entity (null), not a request to send.
builder.asEntity(AuthentikOAuthSource, {
  key: builder.selection<{ slug: string }>('slug'),
  resolveReference: async ({ slug }, ctx) =>
    (await slugProblem(slug, serverRelease(ctx)))
      ? null
      : ctx.entities.load('AuthentikOAuthSource', slug, (scoped) => fetchSource(scoped, slug)),
});

builder.queryFields((t) => ({
  oauthSource: t.field({
    type: AuthentikOAuthSource,
    description: 'One authentik OAuth source (GET /sources/oauth/{slug}/); null when authentik has no such source.',
    args: { slug: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx) => fetchSource(ctx, await checkSlug(args.slug, 'slug', serverRelease(ctx))),
  }),
  oauthSources: t.field({
    type: [AuthentikOAuthSource],
    nullable: false,
    description: 'authentik OAuth sources (GET /sources/oauth/); without arguments, the first page authentik gives.',
    args: listArgs(t.arg),
    resolve: async (_root, args, ctx) => {
      const body = await list(upstreamOf(ctx, 'authentik', SOURCES.list), SOURCES, listParams(args));
      return results(body, SOURCES.list).map((item) => requireSource(item, SOURCES.list));
    },
  }),
}));

// ---- writes ----

const SOURCE_CHANGES: AuthentikResource<AuthentikOAuthSourceShape> = {
  resource: SOURCES,
  what: (slug) => `authentik OAuth source ${slug}`,
  surface: SURFACE,
  // consumer_secret is write-only: authentik never answers it, and nothing of the gateway shows it.
  secrets: [...SECRETS, 'consumer_secret'],
  shape: requireSource,
};

const slugArg = (arg: ArgBuilder<Types>) => arg.string({ required: true });
const ifVersionArg = (arg: ArgBuilder<Types>) =>
  arg.string({ description: 'The version last read: the change is refused (CONFLICT) if the source has changed since.' });
type Keyed = { slug: string; ifVersion?: string | null };

defineChange<Keyed & { input: Record<string, unknown> }, AuthentikOAuthSourceShape>({
  name: 'updateOAuthSource',
  description: "Partially updates an authentik OAuth source (PATCH /sources/oauth/{slug}/), in the form the server's release takes.",
  service: 'authentik',
  operation: SOURCES.partialUpdate,
  type: AuthentikOAuthSource,
  args: (arg) => ({ slug: slugArg(arg), input: arg({ type: UpdateOAuthSourceInput, required: true }), ifVersion: ifVersionArg(arg) }),
  resourceId: (args) => args.slug,
  prepare: async (args, ctx, io) => {
    const release = serverRelease(ctx);
    return prepareUpdate(SOURCE_CHANGES, await checkSlug(args.slug, 'slug', release), args.input, args.ifVersion, release, io);
  },
});

defineChange<Keyed & { ops: PatchOperation[] }, AuthentikOAuthSourceShape>({
  name: 'patchOAuthSource',
  description:
    "Applies a JSON Patch to authentik's own document of an OAuth source (the members as authentik names them, e.g. " +
    '/user_matching_mode), and sends the writable members that changed as a partial update (PATCH /sources/oauth/{slug}/).',
  service: 'authentik',
  operation: SOURCES.partialUpdate,
  type: AuthentikOAuthSource,
  args: (arg) => ({ slug: slugArg(arg), ops: arg({ type: [JsonPatchOperationInput], required: true }), ifVersion: ifVersionArg(arg) }),
  resourceId: (args) => args.slug,
  prepare: async (args, ctx, io) => {
    const release = serverRelease(ctx);
    const slug = await checkSlug(args.slug, 'slug', release);
    return preparePatch(SOURCE_CHANGES, slug, args.ops, ctx.limits.maxPatchOps, args.ifVersion, release, io);
  },
});

defineChange<{ input: Record<string, unknown> }, AuthentikOAuthSourceShape>({
  name: 'createOAuthSource',
  description: 'Creates an authentik OAuth source (POST /sources/oauth/).',
  service: 'authentik',
  operation: SOURCES.create,
  type: AuthentikOAuthSource,
  createdId: (source) => source.slug,
  args: (arg) => ({ input: arg({ type: CreateOAuthSourceInput, required: true }) }),
  prepare: (args, ctx) =>
    prepareCreate(
      SOURCE_CHANGES,
      args.input,
      serverRelease(ctx),
      (_document, source) => source,
      // The slug is unique: a source there with the name and type given is the one this create made.
      async (http, body) => {
        const found = await retrieve(http, SOURCES, String(body.slug));
        if (found === undefined) return 'NOT_APPLIED';
        const source = found as Record<string, unknown>;
        return source.name === body.name && source.provider_type === body.provider_type ? 'APPLIED' : 'UNKNOWN';
      },
    ),
});

defineChange<Keyed, DeletedResourceShape>({
  name: 'deleteOAuthSource',
  description: 'Deletes an authentik OAuth source (DELETE /sources/oauth/{slug}/).',
  service: 'authentik',
  operation: SOURCES.destroy,
  type: DeletedResource,
  args: (arg) => ({ slug: slugArg(arg), ifVersion: ifVersionArg(arg) }),
  resourceId: (args) => args.slug,
  prepare: async (args, ctx, io) =>
    prepareDelete(SOURCE_CHANGES, await checkSlug(args.slug, 'slug', serverRelease(ctx)), args.ifVersion, io),
});
