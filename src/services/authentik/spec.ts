import type { StringCheck, ValueSchema } from '../../value-schema.js';
import { OLDEST, release, within, type Release, type Span } from './releases.js';

/**
 * authentik's OAuth2 providers and OAuth sources, transcribed once from its OpenAPI documents
 * (authentik-2024.8.1.openapi.yaml and authentik-2026.2.openapi.yaml), release by release: the
 * enums and the releases each value is in, the writable members of each Patched*Request with their
 * constraints in each release (and whether the create request requires them), the members of each
 * response, and the limits of path arguments. The releases between the two documents come from
 * authentik's schema.yml at every release tag and the migrations that made each change. Read by the
 * gateway's input checks and by the sandbox's emulation; `fieldsAt` gives one release's view.
 */

// ---- enums ----

// The releases of each value of an enum whose values came in different releases.
const valueSpans = new WeakMap<readonly string[], Readonly<Record<string, Span>>>();

/** An enum's values in the newest document's order; the releases each is in are kept for `fieldsAt`. */
function releasedValues<const T extends string>(values: Readonly<Record<T, Span>>): readonly T[] {
  const all = Object.keys(values) as T[];
  valueSpans.set(all, values);
  return all;
}

export const CLIENT_TYPES = ['confidential', 'public'] as const;
export const SUB_MODES = ['hashed_user_id', 'user_id', 'user_uuid', 'user_username', 'user_email', 'user_upn'] as const;
export const ISSUER_MODES = ['global', 'per_provider'] as const;
/** MatchingModeEnum: how a RedirectURI's url is compared (2024.8.5 and 2024.10.3 on). */
export const MATCHING_MODES = ['strict', 'regex'] as const;
/** OAuth2ProviderLogoutMethodEnum (2025.10 on). */
export const LOGOUT_METHODS = ['backchannel', 'frontchannel'] as const;
export const POLICY_ENGINE_MODES = ['all', 'any'] as const;
export const USER_MATCHING_MODES = ['identifier', 'email_link', 'email_deny', 'username_link', 'username_deny'] as const;
export const GROUP_MATCHING_MODES = ['identifier', 'name_link', 'name_deny'] as const;
/** PKCEMethodEnum (2025.10 on). */
export const PKCE_METHODS = ['none', 'plain', 'S256'] as const;
/** AuthorizationCodeAuthMethodEnum (2025.4 on). */
export const AUTHORIZATION_CODE_AUTH_METHODS = ['basic_auth', 'post_body'] as const;
export const PROVIDER_TYPES = releasedValues({
  apple: {},
  openidconnect: {},
  entraid: { since: '2025.8.0' },
  azuread: {},
  discord: {},
  facebook: {},
  github: {},
  gitlab: {},
  google: {},
  mailcow: {},
  okta: {},
  patreon: {},
  reddit: {},
  slack: { since: '2025.12.0' },
  twitch: {},
  twitter: {},
  wechat: { since: '2025.12.0' },
});

export type ProviderType = (typeof PROVIDER_TYPES)[number];

/** Source slugs: the spec's pattern ^[-a-zA-Z0-9_]+$; at most 50 characters before 2025.12, unbounded since. */
export const SLUG_PATTERN = /^[-a-zA-Z0-9_]+$/;
const SLUG_HINT = 'may contain only letters, digits, "-" and "_".';

// ---- authentik's own string formats ----

const TIMEDELTA_UNITS = ['weeks', 'days', 'hours', 'minutes', 'seconds', 'milliseconds', 'microseconds'];
const NUMBER = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

/**
 * authentik's `timedelta_from_string`: `unit=amount` pairs joined by `;`, each unit one of Python
 * timedelta's (any case, spaces around), each amount a number Python's float() reads.
 */
export const TIMEDELTA: StringCheck = {
  name: 'timedelta',
  test: (text) =>
    text.split(';').every((pair) => {
      const parts = pair.split('=');
      return parts.length === 2 && TIMEDELTA_UNITS.includes(parts[0]!.trim().toLowerCase()) && NUMBER.test(parts[1]!);
    }),
  hint: 'must be a duration like hours=1;minutes=2;seconds=3.',
};

/**
 * `logout_uri` (format: uri): blank for none (the model field is blank=True), otherwise an http or
 * https URL, as authentik's DomainlessURLValidator(schemes=("http", "https")) takes it (a host
 * without a dot, such as localhost, included).
 */
export const HTTP_URL: StringCheck = {
  name: 'http(s) URL',
  test: (text) => {
    if (text === '') return true;
    if (/\s/.test(text)) return false;
    try {
      const url = new URL(text);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
    } catch {
      return false;
    }
  },
  hint: 'must be an http or https URL, or "" for none.',
};

// ---- request members ----

/** One schema a request member has over a run of releases. */
export interface MemberVersion extends Span {
  readonly schema: ValueSchema;
  /** The create request (OAuth2ProviderRequest, OAuthSourceRequest) of these releases requires it. */
  readonly requiredOnCreate?: boolean;
}

/** One writable member of a Patched*Request (and of the create request), release by release. */
export interface RequestMember {
  /** Its schema over each run of releases; a release none of them covers lacks the member. */
  readonly versions: readonly MemberVersion[];
  readonly description?: string;
  /** Write-only through the gateway, and never shown in a log, an error, a plan or an audit event. */
  readonly secret?: boolean;
}

export type RequestMembers = Readonly<Record<string, RequestMember>>;

/** A member as one release has it. */
export interface WritableField {
  schema: ValueSchema;
  description?: string;
  secret?: boolean;
  requiredOnCreate?: boolean;
}

export type WritableFields = Readonly<Record<string, WritableField>>;

interface MemberOptions extends Span {
  description?: string;
  secret?: true;
  /** Required on create in every release that has the member. */
  create?: true;
}

/** A member with one schema wherever it exists. */
function member(schema: ValueSchema, options: MemberOptions = {}): RequestMember {
  const { since, until, description, secret, create } = options;
  return {
    versions: [{ schema, ...(since ? { since } : {}), ...(until ? { until } : {}), ...(create ? { requiredOnCreate: true } : {}) }],
    ...(description ? { description } : {}),
    ...(secret ? { secret } : {}),
  };
}

const UUID = { type: 'string', format: 'uuid' } as const;
const UUIDS = { type: 'array', items: UUID } as const;
const STRING = { type: 'string' } as const;
const NAME = { type: 'string', minLength: 1 } as const;
const DURATION = { type: 'string', minLength: 1, check: TIMEDELTA } as const;
const DURATION_HELP = 'Format: hours=1;minutes=2;seconds=3.';
const URL_255 = { type: 'string', maxLength: 255, nullable: true } as const;
const enumOf = (values: readonly string[]) => ({ type: 'enum', values }) as const;

/** RedirectURIRequest: one allowed redirect URI and how it is compared. */
export const REDIRECT_URI: ValueSchema = {
  type: 'object',
  properties: { matching_mode: enumOf(MATCHING_MODES), url: { type: 'string', minLength: 1 } },
  required: ['matching_mode', 'url'],
};

/**
 * redirect_uris: a newline-separated string up to 2024.8.4 and in 2024.10.0 to 2024.10.2, a list of
 * RedirectURIRequest (required on create) from the fix of CVE-2024-52289, shipped in 2024.8.5 and
 * 2024.10.3; migration 0024 converted the one into the other (see redirect-uris.ts).
 */
const REDIRECT_URIS: RequestMember = {
  versions: [
    { until: '2024.8.5', schema: STRING },
    { since: '2024.8.5', until: '2024.10.0', schema: { type: 'array', items: REDIRECT_URI }, requiredOnCreate: true },
    { since: '2024.10.0', until: '2024.10.3', schema: STRING },
    { since: '2024.10.3', schema: { type: 'array', items: REDIRECT_URI }, requiredOnCreate: true },
  ],
  description: 'Allowed redirect URIs.',
};

/** PatchedOAuth2ProviderRequest (and OAuth2ProviderRequest: the members it requires). */
export const PROVIDER_FIELDS: RequestMembers = {
  name: member(NAME, { create: true }),
  authentication_flow: member(
    { ...UUID, nullable: true },
    { description: 'Flow (UUID) used for authentication when the application is accessed by an unauthenticated user.' },
  ),
  authorization_flow: member(UUID, { create: true, description: 'Flow (UUID) used when authorizing this provider.' }),
  invalidation_flow: member(UUID, {
    since: '2024.10.0',
    create: true,
    description: 'Flow (UUID) used when logging out of this provider.',
  }),
  property_mappings: member(UUIDS),
  client_type: member(enumOf(CLIENT_TYPES)),
  client_id: member({ type: 'string', minLength: 1, maxLength: 255 }),
  client_secret: member({ type: 'string', maxLength: 255 }, { secret: true, description: 'Never readable through the gateway.' }),
  access_code_validity: member(DURATION, { description: `Access codes not valid on or after now + this. ${DURATION_HELP}` }),
  access_token_validity: member(DURATION, { description: `Tokens not valid on or after now + this. ${DURATION_HELP}` }),
  refresh_token_validity: member(DURATION, { description: `Refresh tokens not valid on or after now + this. ${DURATION_HELP}` }),
  refresh_token_threshold: member(DURATION, {
    since: '2025.10.0',
    description: `When refreshing a token valid for less than this, a new refresh token is issued; seconds=0 always renews. ${DURATION_HELP}`,
  }),
  include_claims_in_id_token: member({ type: 'boolean' }),
  signing_key: member({ ...UUID, nullable: true }, { description: 'Key (UUID) used to sign the tokens.' }),
  encryption_key: member({ ...UUID, nullable: true }, { since: '2024.10.0', description: 'Key (UUID) used to encrypt the tokens.' }),
  redirect_uris: REDIRECT_URIS,
  logout_uri: member(
    { type: 'string', check: HTTP_URL },
    { since: '2025.10.0', description: 'Where the provider sends logout notifications; "" for none.' },
  ),
  logout_method: member(enumOf(LOGOUT_METHODS), { since: '2025.10.0' }),
  sub_mode: member(enumOf(SUB_MODES)),
  issuer_mode: member(enumOf(ISSUER_MODES)),
  // Renamed jwt_federation_sources in 2024.12 (migration 0025, a RenameField).
  jwks_sources: member(UUIDS, { until: '2024.12.0', description: 'Sources (UUIDs) whose JWKs may sign JWTs used to authenticate.' }),
  jwt_federation_sources: member(UUIDS, {
    since: '2024.12.0',
    description: 'Sources (UUIDs) whose JWKs may sign JWTs used to authenticate.',
  }),
  jwt_federation_providers: member(
    { type: 'array', items: { type: 'integer' } },
    { since: '2024.12.0', description: 'Providers (ids) whose JWTs may be used to authenticate.' },
  ),
};

/** PatchedOAuthSourceRequest (and OAuthSourceRequest: the members it requires). */
export const SOURCE_FIELDS: RequestMembers = {
  name: member(NAME, { create: true, description: "Source's display name." }),
  slug: {
    // Source.slug became a TextField in 2025.12 (migration core 0053): the pattern stayed, the limit went.
    versions: [
      { until: '2025.12.0', schema: { ...NAME, maxLength: 50, pattern: SLUG_PATTERN, patternHint: SLUG_HINT }, requiredOnCreate: true },
      { since: '2025.12.0', schema: { ...NAME, pattern: SLUG_PATTERN, patternHint: SLUG_HINT }, requiredOnCreate: true },
    ],
    description: 'Internal source name, used in URLs. Changing it moves the source to the new slug.',
  },
  enabled: member({ type: 'boolean' }),
  promoted: member({ type: 'boolean' }, { since: '2025.12.0', description: 'Shown prominently on the login page.' }),
  authentication_flow: member({ ...UUID, nullable: true }, { description: 'Flow (UUID) used when authenticating existing users.' }),
  enrollment_flow: member({ ...UUID, nullable: true }, { description: 'Flow (UUID) used when enrolling new users.' }),
  user_property_mappings: member(UUIDS),
  group_property_mappings: member(UUIDS),
  policy_engine_mode: member(enumOf(POLICY_ENGINE_MODES)),
  user_matching_mode: member(enumOf(USER_MATCHING_MODES)),
  user_path_template: member(NAME),
  icon: member(STRING, { since: '2025.12.0', description: 'The icon: a file name in authentik\'s media, or a URL; "" for the default.' }),
  group_matching_mode: member(enumOf(GROUP_MATCHING_MODES)),
  provider_type: member(enumOf(PROVIDER_TYPES), { create: true }),
  request_token_url: member(URL_255, { description: 'URL used to request the initial token (OAuth 1 only).' }),
  authorization_url: member(URL_255, { description: 'URL the user is redirected to to consent.' }),
  access_token_url: member(URL_255, { description: 'URL authentik uses to retrieve tokens.' }),
  profile_url: member(URL_255, { description: 'URL authentik uses to get user information.' }),
  pkce: member(enumOf(PKCE_METHODS), { since: '2025.10.0', description: 'The PKCE method used when authorizing at the provider.' }),
  consumer_key: member(NAME, { create: true }),
  consumer_secret: member(NAME, { create: true, secret: true, description: 'Write-only: never returned.' }),
  additional_scopes: member(STRING),
  oidc_well_known_url: member(STRING),
  oidc_jwks_url: member(STRING),
  // Any JSON until 2025.8 (a plain JSONField); a JSON object since (JSONDictField, #15236).
  oidc_jwks: {
    versions: [
      { until: '2025.8.0', schema: { type: 'any' } },
      { since: '2025.8.0', schema: { type: 'object' } },
    ],
  },
  authorization_code_auth_method: member(enumOf(AUTHORIZATION_CODE_AUTH_METHODS), {
    since: '2025.4.0',
    description: 'How the client credentials are sent to the token endpoint.',
  }),
};

// ---- response members ----

/** A member of a response (OAuth2Provider, OAuthSource) and the releases that send it. */
export interface ResponseMember extends Span {
  /** Holds a secret: never read, never in a version. */
  readonly secret?: boolean;
}

export type ResponseMembers = Readonly<Record<string, ResponseMember>>;

/** OAuth2Provider. */
export const PROVIDER_RESPONSE: ResponseMembers = {
  pk: {},
  name: {},
  authentication_flow: {},
  authorization_flow: {},
  invalidation_flow: { since: '2024.10.0' },
  property_mappings: {},
  component: {},
  assigned_application_slug: {},
  assigned_application_name: {},
  assigned_backchannel_application_slug: {},
  assigned_backchannel_application_name: {},
  verbose_name: {},
  verbose_name_plural: {},
  meta_model_name: {},
  client_type: {},
  client_id: {},
  client_secret: { secret: true },
  access_code_validity: {},
  access_token_validity: {},
  refresh_token_validity: {},
  refresh_token_threshold: { since: '2025.10.0' },
  include_claims_in_id_token: {},
  signing_key: {},
  encryption_key: { since: '2024.10.0' },
  redirect_uris: {},
  logout_uri: { since: '2025.10.0' },
  logout_method: { since: '2025.10.0' },
  sub_mode: {},
  issuer_mode: {},
  jwks_sources: { until: '2024.12.0' },
  jwt_federation_sources: { since: '2024.12.0' },
  jwt_federation_providers: { since: '2024.12.0' },
};

/** OAuthSource (consumer_secret is write-only there). */
export const SOURCE_RESPONSE: ResponseMembers = {
  pk: {},
  name: {},
  slug: {},
  enabled: {},
  promoted: { since: '2025.12.0' },
  authentication_flow: {},
  enrollment_flow: {},
  user_property_mappings: {},
  group_property_mappings: {},
  component: {},
  verbose_name: {},
  verbose_name_plural: {},
  meta_model_name: {},
  policy_engine_mode: {},
  user_matching_mode: {},
  managed: {},
  user_path_template: {},
  // A read-only URL until 2025.12; since, the writable file name or URL, read as icon_url.
  icon: {},
  icon_url: { since: '2025.12.0' },
  icon_themed_urls: { since: '2025.12.2' },
  group_matching_mode: {},
  provider_type: {},
  request_token_url: {},
  authorization_url: {},
  access_token_url: {},
  profile_url: {},
  pkce: { since: '2025.10.0' },
  consumer_key: {},
  callback_url: {},
  additional_scopes: {},
  type: {},
  oidc_well_known_url: {},
  oidc_jwks_url: {},
  oidc_jwks: {},
  authorization_code_auth_method: { since: '2025.4.0' },
};

/** The members of a response as `at` sends them, in the document's order. */
export function responseAt(members: ResponseMembers, at: Release): string[] {
  return Object.entries(members)
    .filter(([, span]) => within(at, span))
    .map(([name]) => name);
}

/** The secrets among a response's members. */
export function secretsOf(members: ResponseMembers): string[] {
  return Object.entries(members)
    .filter(([, m]) => m.secret)
    .map(([name]) => name);
}

// ---- one release's view ----

/** The member's schema in `at`, or undefined when `at` lacks it. */
export function versionAt(member: RequestMember, at: Release): MemberVersion | undefined {
  return member.versions.find((version) => within(at, version));
}

/** A schema with the enum values `at` has. */
export function schemaAt(schema: ValueSchema, at: Release): ValueSchema {
  switch (schema.type) {
    case 'enum': {
      const spans = valueSpans.get(schema.values);
      return spans ? { ...schema, values: schema.values.filter((value) => within(at, spans[value]!)) } : schema;
    }
    case 'array':
      return { ...schema, items: schemaAt(schema.items, at) };
    case 'object':
      return schema.properties
        ? { ...schema, properties: Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, schemaAt(v, at)])) }
        : schema;
    default:
      return schema;
  }
}

const views = new WeakMap<RequestMembers, Map<number, WritableFields>>();

/** The members `at` has, each with its schema there. */
export function fieldsAt(members: RequestMembers, at: Release): WritableFields {
  let byRelease = views.get(members);
  if (!byRelease) views.set(members, (byRelease = new Map()));
  let view = byRelease.get(at.key);
  if (!view) {
    const fields: Record<string, WritableField> = {};
    for (const [name, m] of Object.entries(members)) {
      const version = versionAt(m, at);
      if (!version) continue;
      fields[name] = {
        schema: schemaAt(version.schema, at),
        ...(m.description ? { description: m.description } : {}),
        ...(m.secret ? { secret: true } : {}),
        ...(version.requiredOnCreate ? { requiredOnCreate: true } : {}),
      };
    }
    byRelease.set(at.key, (view = fields));
  }
  return view;
}

const boundaries = new WeakMap<RequestMember, Release[]>();

/**
 * One release from each run in which the member, its schema and its enum values stay the same:
 * checking a value against each of them tells whether the server's release matters for it.
 */
export function releasesThatDiffer(m: RequestMember): readonly Release[] {
  let found = boundaries.get(m);
  if (!found) {
    const names = new Set<string>();
    for (const version of m.versions) {
      if (version.since) names.add(version.since);
      if (version.until) names.add(version.until);
      collectValueBoundaries(version.schema, names);
    }
    found = [OLDEST, ...[...names].map(release)].sort((a, b) => a.key - b.key).filter((r, i, all) => i === 0 || r.key !== all[i - 1]!.key);
    boundaries.set(m, found);
  }
  return found;
}

function collectValueBoundaries(schema: ValueSchema, into: Set<string>): void {
  if (schema.type === 'enum') {
    for (const span of Object.values(valueSpans.get(schema.values) ?? {})) {
      if (span.since) into.add(span.since);
      if (span.until) into.add(span.until);
    }
  } else if (schema.type === 'array') collectValueBoundaries(schema.items, into);
  else if (schema.type === 'object') for (const property of Object.values(schema.properties ?? {})) collectValueBoundaries(property, into);
}

/** The releases that have one value of an enum (every release, for an enum whose values never changed). */
export function valueSpan(values: readonly string[], value: string): Span {
  return valueSpans.get(values)?.[value] ?? {};
}

// ---- path arguments ----

/** authentik's integer primary keys (a Django AutoField: 1 to 2^31-1). */
export function positiveInteger(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^[1-9][0-9]{0,9}$/.test(value) || Number(value) > 2_147_483_647) return undefined;
  return Number(value);
}
