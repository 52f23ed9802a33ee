import { builder, type Types } from '../../builder.js';
import { upstreamOf, type Context } from '../../context.js';
import { asObject, bool, enumValue, int, str, strList, upstreamEnum } from '../../upstream-values.js';
import { list, retrieve, type ListParams, type Resource } from './client.js';
import { listArgs, listParams, results } from './list-args.js';
import { VERSION_DESCRIPTION } from '../../changes/fields.js';
import { digestVersion } from '../../changes/version.js';
import type { ArgBuilder, InputFieldBuilder } from '@pothos/core';
import { randomInt } from 'node:crypto';
import { defineChange } from '../../changes/define.js';
import { DeletedResource, type DeletedResourceShape } from '../../changes/types.js';
import { SECRET_MARKER } from '../../changes/write.js';
import { JsonPatchOperationInput, type PatchOperation } from '../../json-patch.js';
import { prepareCreate, prepareDelete, preparePatch, prepareUpdate, type AuthentikResource } from './changes.js';
import { gatewayError } from '../../errors.js';
import { enumRefs } from '../../changes/inputs.js';
import { graphqlNames, partialUpdateInput, type Conversion, type WriteSurface } from './partial-update.js';
import { checkPositiveInteger } from './path-args.js';
import { rulesFromString, stringForWrite, stringFromRules, type MatchingMode, type RedirectUriRule } from './redirect-uris.js';
import { serverRelease } from './release-detection.js';
import { onlyIn, shortName, type Release } from './releases.js';
import {
  CLIENT_TYPES,
  ISSUER_MODES,
  LOGOUT_METHODS,
  MATCHING_MODES,
  positiveInteger,
  PROVIDER_FIELDS,
  PROVIDER_RESPONSE,
  secretsOf,
  SUB_MODES,
  versionAt,
} from './spec.js';
import { expectShape, unexpectedBody } from '../../upstream/response.js';

const ClientTypeEnum = upstreamEnum(
  'AuthentikClientType',
  CLIENT_TYPES,
  'Confidential clients can keep their credentials secret; public clients cannot.',
);
const SubModeEnum = upstreamEnum('AuthentikSubMode', SUB_MODES, 'What data is used as the unique user identifier (sub).');
const IssuerModeEnum = upstreamEnum('AuthentikIssuerMode', ISSUER_MODES, 'How the issuer field of the ID token is filled.');
const LogoutMethodEnum = upstreamEnum(
  'AuthentikLogoutMethod',
  LOGOUT_METHODS,
  'How the provider tells the application of a logout: server to server (backchannel), or through the browser (frontchannel).',
);
const MatchingModeEnum = upstreamEnum(
  'AuthentikRedirectUriMatchingMode',
  MATCHING_MODES,
  'How a redirect URI rule is compared: STRICT for the exact URL, REGEX for a regular expression the whole URL must match.',
);
const ENUMS = enumRefs(
  [CLIENT_TYPES, ClientTypeEnum],
  [SUB_MODES, SubModeEnum],
  [ISSUER_MODES, IssuerModeEnum],
  [LOGOUT_METHODS, LogoutMethodEnum],
  [MATCHING_MODES, MatchingModeEnum],
);

// ---- redirect URIs: one member, two GraphQL inputs ----

/** Whether release `at` keeps redirect_uris as the 2024.8-style string (otherwise as a list of rules). */
function keepsString(at: Release): boolean {
  return versionAt(PROVIDER_FIELDS.redirect_uris!, at)?.schema.type === 'string';
}

const REDIRECT_URIS_STRING: Conversion = {
  field: 'redirectUris',
  member: 'redirect_uris',
  convert: (input, at) => {
    if (typeof input !== 'string') return { problem: 'may not be null.' };
    if (keepsString(at)) return { value: input };
    const rules = rulesFromString(input);
    const empty = rules.findIndex((rule) => rule.url === '');
    if (empty !== -1) {
      return {
        problem:
          `line ${empty + 1} is empty: authentik ${shortName(at)} keeps each line as a redirect URI rule, as its upgrade converted them, ` +
          'and refuses an empty one. For no redirect URI at all, give redirectUriRules: [].',
      };
    }
    // Python's re.compile("*") fails ("nothing to repeat"), so authentik would refuse the rule this line becomes.
    const star = rules.findIndex((rule) => rule.url === '*');
    if (star !== -1) {
      return {
        problem:
          `line ${star + 1} is *: authentik ${shortName(at)} upgrades it to the REGEX rule *, which is not a valid regular expression ` +
          'and which it refuses. For any URL, give the line .* (or redirectUriRules: [{ matchingMode: REGEX, url: ".*" }]).',
      };
    }
    return { value: rules };
  },
};

interface RedirectUriInput {
  matchingMode: MatchingMode;
  url: string;
}

const REDIRECT_URI_RULES: Conversion = {
  field: 'redirectUriRules',
  member: 'redirect_uris',
  convert: (input, at) => {
    if (!Array.isArray(input)) return { problem: 'may not be null.' };
    const rules: RedirectUriRule[] = (input as RedirectUriInput[]).map((rule) => ({ matching_mode: rule.matchingMode, url: rule.url }));
    const blank = rules.findIndex((rule) => rule.url === '');
    if (blank !== -1) return { problem: `rule ${blank}: url may not be blank.` };
    if (!keepsString(at)) return { value: rules };
    const written = stringForWrite(rules);
    if ('value' in written) return written;
    return {
      problem: `rule ${written.index} cannot be written to authentik ${shortName(at)}, which keeps its redirect URIs as one string, one URI per line: ${written.problem}`,
    };
  },
};

/** What the typed inputs write: redirect_uris only through redirectUris or redirectUriRules. */
const SURFACE: WriteSurface = { members: PROVIDER_FIELDS, conversions: [REDIRECT_URI_RULES, REDIRECT_URIS_STRING] };

export const PROVIDERS: Resource = {
  collection: '/providers/oauth2/',
  list: 'providers_oauth2_list',
  retrieve: 'providers_oauth2_retrieve',
  partialUpdate: 'providers_oauth2_partial_update',
  create: 'providers_oauth2_create',
  destroy: 'providers_oauth2_destroy',
  fieldNames: graphqlNames(SURFACE),
};

const RedirectUriInput = builder.inputType('AuthentikRedirectUriInput', {
  description: 'One allowed redirect URI, and how it is compared.',
  fields: (t) => ({
    matchingMode: t.field({ type: MatchingModeEnum, required: true }),
    url: t.string({ required: true, description: 'The URL (STRICT), or a regular expression the whole URL must match (REGEX).' }),
  }),
});

const redirectUriFields = (t: InputFieldBuilder<Types, 'InputObject'>) => ({
  redirectUriRules: t.field({
    type: [RedirectUriInput],
    required: false,
    description:
      'The allowed redirect URIs, replacing all of them. Written as they are on authentik 2024.8.5, 2024.10.3 and later; ' +
      'on releases that keep one string, as its lines, where each rule must be what authentik upgrades that line to: ' +
      'STRICT for any URL without whitespace or line breaks except * and .*, REGEX for exactly * or .*; other rules are refused.',
  }),
  redirectUris: t.string({
    required: false,
    deprecationReason: 'Use redirectUriRules, which every authentik release takes.',
    description:
      'Allowed redirect URIs, one per line (authentik 2024.8). On a release with redirect URI rules, each line is written as ' +
      'authentik upgraded it: a REGEX rule for exactly * or .*, a STRICT rule otherwise, the line kept as it is.',
  }),
});

const UpdateOAuth2ProviderInput = partialUpdateInput(
  'UpdateOAuth2ProviderInput',
  'The fields of an authentik OAuth2 provider to change; only the fields given are sent. null clears a nullable field. ' +
    "A field the server's authentik release does not have is refused, naming the field and the release.",
  SURFACE,
  ENUMS,
  redirectUriFields,
);

const CreateOAuth2ProviderInput = partialUpdateInput(
  'CreateOAuth2ProviderInput',
  "A new authentik OAuth2 provider (OAuth2ProviderRequest). The fields the server's release requires must be given " +
    '(invalidationFlow from authentik 2024.10, redirect URIs from 2024.8.5 and 2024.10.3); a field it does not have is refused.',
  SURFACE,
  ENUMS,
  redirectUriFields,
  { create: true },
);

// ---- the provider ----

export interface AuthentikRedirectUriShape {
  matchingMode: MatchingMode;
  url: string;
}

export interface AuthentikOAuth2ProviderShape {
  id: string;
  name: string | null;
  authenticationFlow: string | null;
  authorizationFlow: string | null;
  invalidationFlow: string | null;
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
  refreshTokenThreshold: string | null;
  includeClaimsInIdToken: boolean | null;
  signingKey: string | null;
  encryptionKey: string | null;
  /** Null when the answer holds no redirect_uris of either form: the field then fails (its type is non-null). */
  redirectUriRules: AuthentikRedirectUriShape[] | null;
  redirectUris: string | null;
  /**
   * authentik answered redirect_uris as one string (before its fix of CVE-2024-52289): it then
   * matches each whitespace-separated entry as a regular expression, whatever redirectUriRules say.
   */
  redirectUrisString: boolean;
  logoutUri: string | null;
  logoutMethod: (typeof LOGOUT_METHODS)[number] | null;
  subMode: (typeof SUB_MODES)[number] | null;
  issuerMode: (typeof ISSUER_MODES)[number] | null;
  jwksSources: string[] | null;
  jwtFederationSources: string[] | null;
  jwtFederationProviders: number[] | null;
  version: string;
  /** The operation that answered this provider, for the error of a field that cannot be read. */
  answeredBy: string;
}

/** redirect_uris in either form as rules (a string as migration 0024 converts it), or undefined when it is neither. */
function readRules(value: unknown): RedirectUriRule[] | undefined {
  if (typeof value === 'string') return rulesFromString(value);
  if (!Array.isArray(value)) return undefined;
  const rules: RedirectUriRule[] = [];
  for (const item of value) {
    const raw = asObject(item);
    const mode = raw?.matching_mode;
    if (!raw || typeof raw.url !== 'string' || !MATCHING_MODES.includes(mode as MatchingMode)) return undefined;
    rules.push({ matching_mode: mode as MatchingMode, url: raw.url });
  }
  return rules;
}

function intList(value: unknown): number[] | null {
  return Array.isArray(value) ? value.filter((item): item is number => Number.isInteger(item)) : null;
}

const SECRETS = secretsOf(PROVIDER_RESPONSE);

/** OAuth2Provider → the GraphQL shape; `client_secret` is never read. Undefined without an integer pk. */
export function toOAuth2Provider(value: unknown, answeredBy = PROVIDERS.retrieve): AuthentikOAuth2ProviderShape | undefined {
  const raw = asObject(value);
  const pk = raw && int(raw.pk);
  if (!raw || pk === null || pk === undefined) return undefined;
  const rules = readRules(raw.redirect_uris);
  return {
    id: String(pk),
    name: str(raw.name),
    authenticationFlow: str(raw.authentication_flow),
    authorizationFlow: str(raw.authorization_flow),
    invalidationFlow: str(raw.invalidation_flow),
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
    refreshTokenThreshold: str(raw.refresh_token_threshold),
    includeClaimsInIdToken: bool(raw.include_claims_in_id_token),
    signingKey: str(raw.signing_key),
    encryptionKey: str(raw.encryption_key),
    redirectUriRules: rules ? rules.map((rule) => ({ matchingMode: rule.matching_mode, url: rule.url })) : null,
    redirectUris: typeof raw.redirect_uris === 'string' ? raw.redirect_uris : rules ? (stringFromRules(rules) ?? null) : null,
    redirectUrisString: typeof raw.redirect_uris === 'string',
    logoutUri: str(raw.logout_uri),
    logoutMethod: enumValue(raw.logout_method, LOGOUT_METHODS, 'AuthentikOAuth2Provider.logoutMethod'),
    subMode: enumValue(raw.sub_mode, SUB_MODES, 'AuthentikOAuth2Provider.subMode'),
    issuerMode: enumValue(raw.issuer_mode, ISSUER_MODES, 'AuthentikOAuth2Provider.issuerMode'),
    jwksSources: strList(raw.jwks_sources),
    jwtFederationSources: strList(raw.jwt_federation_sources),
    jwtFederationProviders: intList(raw.jwt_federation_providers),
    // authentik keeps no modification time for a provider.
    version: digestVersion(raw, SECRETS),
    answeredBy,
  };
}

function requireProvider(value: unknown, operation: string): AuthentikOAuth2ProviderShape {
  return expectShape(value, (v) => toOAuth2Provider(v, operation), 'authentik', operation, 'an OAuth2 provider');
}

const sentBy = (member: string) => onlyIn(PROVIDER_RESPONSE[member]);

const AuthentikRedirectUri = builder.objectRef<AuthentikRedirectUriShape>('AuthentikRedirectUri').implement({
  description: 'One allowed redirect URI, and how it is compared.',
  fields: (t) => ({
    matchingMode: t.expose('matchingMode', { type: MatchingModeEnum, nullable: false }),
    url: t.exposeString('url', { nullable: false }),
  }),
});

export const AuthentikOAuth2Provider = builder.objectRef<AuthentikOAuth2ProviderShape>('AuthentikOAuth2Provider').implement({
  description: 'An authentik OAuth2/OpenID provider. The client secret is never readable.',
  fields: (t) => ({
    id: t.exposeID('id', { nullable: false, description: "authentik's integer primary key (pk)." }),
    name: t.exposeString('name'),
    authenticationFlow: t.exposeString('authenticationFlow'),
    authorizationFlow: t.exposeString('authorizationFlow'),
    invalidationFlow: t.exposeString('invalidationFlow', {
      description: `Flow (UUID) used when logging out of this provider.${sentBy('invalidation_flow')}`,
    }),
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
    refreshTokenThreshold: t.exposeString('refreshTokenThreshold', {
      description: `Refresh tokens valid for less than this are renewed when used.${sentBy('refresh_token_threshold')}`,
    }),
    includeClaimsInIdToken: t.exposeBoolean('includeClaimsInIdToken'),
    signingKey: t.exposeString('signingKey'),
    encryptionKey: t.exposeString('encryptionKey', {
      description: `Key (UUID) used to encrypt the tokens.${sentBy('encryption_key')}`,
    }),
    redirectUriRules: t.field({
      type: [AuthentikRedirectUri],
      nullable: false,
      description:
        'The allowed redirect URIs, on every release. From a release that keeps one string (2024.8), its lines as authentik ' +
        'upgraded them (migration 0024): split at line breaks only, each line kept as it is (an empty one too), ' +
        'REGEX for exactly * or .*, STRICT otherwise. authentik 2024.8 itself matches every line as a regular expression.',
      resolve: (provider) => {
        if (provider.redirectUriRules) return provider.redirectUriRules;
        throw gatewayError(
          'UPSTREAM_ERROR',
          'authentik answered a provider whose redirect_uris is neither a string nor a list of {matching_mode: strict | regex, url}.',
          { upstream: { service: 'authentik', operation: provider.answeredBy } },
        );
      },
    }),
    redirectUris: t.exposeString('redirectUris', {
      deprecationReason: 'Use redirectUriRules, which every authentik release answers.',
      description:
        'Allowed redirect URIs, one per line, as authentik 2024.8 keeps them. From a release with redirect URI rules, their ' +
        'URLs joined by line breaks when authentik would upgrade that string back to the same rules; null when it would not ' +
        '(a REGEX rule other than * or .*, a STRICT * or .*, a URL with a line break).',
    }),
    logoutUri: t.exposeString('logoutUri', { description: `Where logout notifications are sent; "" for none.${sentBy('logout_uri')}` }),
    logoutMethod: t.expose('logoutMethod', { type: LogoutMethodEnum, description: `How logouts are sent.${sentBy('logout_method')}` }),
    subMode: t.expose('subMode', { type: SubModeEnum }),
    issuerMode: t.expose('issuerMode', { type: IssuerModeEnum }),
    jwksSources: t.exposeStringList('jwksSources', {
      nullable: { list: true, items: false },
      description: `Sources (UUIDs) whose JWKs may sign JWTs used to authenticate; renamed jwtFederationSources in authentik 2024.12.${sentBy('jwks_sources')}`,
    }),
    jwtFederationSources: t.exposeStringList('jwtFederationSources', {
      nullable: { list: true, items: false },
      description: `Sources (UUIDs) whose JWKs may sign JWTs used to authenticate.${sentBy('jwt_federation_sources')}`,
    }),
    jwtFederationProviders: t.exposeIntList('jwtFederationProviders', {
      nullable: { list: true, items: false },
      description: `Providers (ids) whose JWTs may be used to authenticate.${sentBy('jwt_federation_providers')}`,
    }),
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
    return pk === undefined ? null : ctx.entities.load('AuthentikOAuth2Provider', pk, (scoped) => fetchProvider(scoped, pk));
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

// ---- writes ----

const PROVIDER_CHANGES: AuthentikResource<AuthentikOAuth2ProviderShape> = {
  resource: PROVIDERS,
  what: (id) => `authentik OAuth2 provider ${id}`,
  surface: SURFACE,
  secrets: SECRETS,
  shape: requireProvider,
};

interface CreatedShape {
  provider: AuthentikOAuth2ProviderShape;
  clientSecret: string;
}

const CreatedAuthentikOAuth2Provider = builder.objectRef<CreatedShape>('CreatedAuthentikOAuth2Provider').implement({
  description: 'A provider just created, or whose secret was just rotated, with its client secret: shown in this answer only, never again.',
  fields: (t) => ({
    provider: t.field({ type: AuthentikOAuth2Provider, nullable: false, resolve: (created) => created.provider }),
    clientSecret: t.exposeString('clientSecret', { nullable: false }),
  }),
});

const idArg = (arg: ArgBuilder<Types>) => arg.id({ required: true });
const ifVersionArg = (arg: ArgBuilder<Types>) =>
  arg.string({ description: 'The version last read: the change is refused (CONFLICT) if the provider has changed since.' });
type Keyed = { id: string; ifVersion?: string | null };

defineChange<Keyed & { input: Record<string, unknown> }, AuthentikOAuth2ProviderShape>({
  name: 'updateOAuth2Provider',
  description: "Partially updates an authentik OAuth2 provider (PATCH /providers/oauth2/{id}/), in the form the server's release takes.",
  service: 'authentik',
  operation: PROVIDERS.partialUpdate,
  type: AuthentikOAuth2Provider,
  args: (arg) => ({ id: idArg(arg), input: arg({ type: UpdateOAuth2ProviderInput, required: true }), ifVersion: ifVersionArg(arg) }),
  resourceId: (args) => String(args.id),
  prepare: (args, ctx, io) =>
    prepareUpdate(PROVIDER_CHANGES, checkPositiveInteger(String(args.id), 'id'), args.input, args.ifVersion, serverRelease(ctx), io),
});

defineChange<Keyed & { ops: PatchOperation[] }, AuthentikOAuth2ProviderShape>({
  name: 'patchOAuth2Provider',
  description:
    "Applies a JSON Patch to authentik's own document of an OAuth2 provider (the members as authentik names them, e.g. " +
    '/client_type), and sends the writable members that changed as a partial update (PATCH /providers/oauth2/{id}/).',
  service: 'authentik',
  operation: PROVIDERS.partialUpdate,
  type: AuthentikOAuth2Provider,
  args: (arg) => ({ id: idArg(arg), ops: arg({ type: [JsonPatchOperationInput], required: true }), ifVersion: ifVersionArg(arg) }),
  resourceId: (args) => String(args.id),
  prepare: (args, ctx, io) =>
    preparePatch(
      PROVIDER_CHANGES,
      checkPositiveInteger(String(args.id), 'id'),
      args.ops,
      ctx.limits.maxPatchOps,
      args.ifVersion,
      serverRelease(ctx),
      io,
    ),
});

defineChange<{ input: Record<string, unknown> }, CreatedShape>({
  name: 'createOAuth2Provider',
  description: 'Creates an authentik OAuth2 provider (POST /providers/oauth2/). Its client secret is in this answer only.',
  service: 'authentik',
  operation: PROVIDERS.create,
  type: CreatedAuthentikOAuth2Provider,
  secretAnswer: true,
  createdId: (created) => created.provider.id,
  args: (arg) => ({ input: arg({ type: CreateOAuth2ProviderInput, required: true }) }),
  prepare: (args, ctx) =>
    prepareCreate(
      PROVIDER_CHANGES,
      args.input,
      serverRelease(ctx),
      (document, provider) => {
        // authentik answers the secret it made (or was given); a public client may have none.
        const clientSecret = typeof document.client_secret === 'string' ? document.client_secret : undefined;
        if (clientSecret === undefined) throw unexpectedBody('authentik', PROVIDERS.create, 'a created provider with its client_secret');
        return { provider, clientSecret };
      },
      // client_id is unique: a create in doubt that named one can be found by it.
      async (http, body) => {
        if (typeof body.client_id !== 'string') return 'UNKNOWN';
        const found = results(await list(http, PROVIDERS, { client_id: body.client_id } as ListParams), PROVIDERS.list);
        return found.length > 0 ? 'APPLIED' : 'NOT_APPLIED';
      },
    ),
});

defineChange<Keyed, DeletedResourceShape>({
  name: 'deleteOAuth2Provider',
  description: 'Deletes an authentik OAuth2 provider (DELETE /providers/oauth2/{id}/).',
  service: 'authentik',
  operation: PROVIDERS.destroy,
  type: DeletedResource,
  args: (arg) => ({ id: idArg(arg), ifVersion: ifVersionArg(arg) }),
  resourceId: (args) => String(args.id),
  prepare: (args, _ctx, io) => prepareDelete(PROVIDER_CHANGES, checkPositiveInteger(String(args.id), 'id'), args.ifVersion, io),
});

defineChange<Keyed, CreatedShape>({
  name: 'rotateOAuth2ProviderSecret',
  description:
    'Gives an authentik OAuth2 provider a new client secret, generated by the gateway (128 letters and digits, as authentik ' +
    'makes them), and writes it (PATCH /providers/oauth2/{id}/). The secret is in this answer only.',
  service: 'authentik',
  operation: PROVIDERS.partialUpdate,
  type: CreatedAuthentikOAuth2Provider,
  secretAnswer: true,
  args: (arg) => ({ id: idArg(arg), ifVersion: ifVersionArg(arg) }),
  resourceId: (args) => String(args.id),
  prepare: async (args, ctx, io) => {
    const id = checkPositiveInteger(String(args.id), 'id');
    // A plan shows the write without making a secret no one will see.
    const clientSecret = io.planning ? '' : generateClientSecret();
    const update = await prepareUpdate(
      PROVIDER_CHANGES,
      id,
      { clientSecret: io.planning ? SECRET_MARKER : clientSecret },
      args.ifVersion,
      serverRelease(ctx),
      io,
    );
    return {
      ...update,
      send: async (http) => ({ provider: await update.send(http), clientSecret }),
      // authentik answers client_secret on a read: the new one there means the rotation took.
      readBack: async (http) => {
        const document = await retrieve(http, PROVIDERS, id);
        const now = typeof document === 'object' && document !== null ? (document as Record<string, unknown>).client_secret : undefined;
        return typeof now !== 'string' ? 'UNKNOWN' : now === clientSecret ? 'APPLIED' : 'NOT_APPLIED';
      },
    };
  },
});

const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** authentik's generate_client_secret: 128 characters of letters and digits, from a CSPRNG. */
function generateClientSecret(): string {
  let secret = '';
  for (let i = 0; i < 128; i += 1) secret += SECRET_ALPHABET[randomInt(SECRET_ALPHABET.length)];
  return secret;
}
