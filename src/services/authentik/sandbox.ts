import { randomInt } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  bearerToken,
  json,
  listen,
  mediaType,
  NO_CONTENT,
  parseJson,
  randomHex,
  randomUuid,
  readBody,
  sameSecret,
  type Reply,
  type RequestContext,
  type VendorApi,
} from '../../sandbox/http.js';
import { generatedRedirectUrl, ordinal, stableHex, stableUuid, upTo } from '../../sandbox/generated.js';
import type { SandboxedVendor } from '../vendor.js';
import { stringForWrite, type RedirectUriRule } from './redirect-uris.js';
import { within, type Release, type Span } from './releases.js';
import { drfFields, validatePartial, type FieldErrors } from './sandbox-drf.js';
import {
  CLIENT_TYPES,
  fieldsAt,
  GROUP_MATCHING_MODES,
  ISSUER_MODES,
  type LOGOUT_METHODS,
  type PKCE_METHODS,
  type AUTHORIZATION_CODE_AUTH_METHODS,
  POLICY_ENGINE_MODES,
  PROVIDER_FIELDS,
  PROVIDER_RESPONSE,
  responseAt,
  SOURCE_FIELDS,
  SOURCE_RESPONSE,
  SUB_MODES,
  USER_MATCHING_MODES,
  type ProviderType,
} from './spec.js';
import { SANDBOX_RELEASES } from './settings.js';

/**
 * authentik's API as one release has it (SANDBOX_AUTHENTIK_VERSION: 2024.8.1 or 2026.2.0, the
 * releases of the specs in upstream-specs/), OAuth2 providers, OAuth sources and the version
 * endpoint only, under the API root /api/v3. The release's members, constraints and response
 * shapes come from the transcription (spec.ts); it behaves like authentik's Django REST framework
 * views: DRF-style field errors, partial updates that ignore unknown and read-only keys,
 * authentik's own pagination object (and its page size limits from 2025.12 on).
 */

// ---- stored resources ----

/**
 * OAuth2Provider without its read-only derived fields, plus the write-only client_secret: the
 * members of every release; each release reads and writes its own.
 */
interface StoredProvider {
  pk: number;
  name: string;
  authentication_flow: string | null;
  authorization_flow: string;
  invalidation_flow: string;
  property_mappings: string[];
  assigned_application_slug: string;
  assigned_application_name: string;
  assigned_backchannel_application_slug: string;
  assigned_backchannel_application_name: string;
  client_type: (typeof CLIENT_TYPES)[number];
  client_id: string;
  client_secret: string;
  access_code_validity: string;
  access_token_validity: string;
  refresh_token_validity: string;
  refresh_token_threshold: string;
  include_claims_in_id_token: boolean;
  signing_key: string | null;
  encryption_key: string | null;
  /** In the release's form: one string, or a list of rules. */
  redirect_uris: string | RedirectUriRule[];
  logout_uri: string;
  logout_method: (typeof LOGOUT_METHODS)[number];
  sub_mode: (typeof SUB_MODES)[number];
  issuer_mode: (typeof ISSUER_MODES)[number];
  jwks_sources: string[];
  jwt_federation_sources: string[];
  jwt_federation_providers: number[];
}

/** OAuthSource without its read-only derived fields, plus the write-only consumer_secret. */
interface StoredSource {
  pk: string;
  name: string;
  slug: string;
  enabled: boolean;
  promoted: boolean;
  authentication_flow: string | null;
  enrollment_flow: string | null;
  user_property_mappings: string[];
  group_property_mappings: string[];
  policy_engine_mode: (typeof POLICY_ENGINE_MODES)[number];
  user_matching_mode: (typeof USER_MATCHING_MODES)[number];
  user_path_template: string;
  /** Writable from 2025.12: a file name in the media storage, or a URL; "" for the type's own. */
  icon: string;
  group_matching_mode: (typeof GROUP_MATCHING_MODES)[number];
  provider_type: ProviderType;
  request_token_url: string | null;
  authorization_url: string | null;
  access_token_url: string | null;
  profile_url: string | null;
  pkce: (typeof PKCE_METHODS)[number];
  consumer_key: string;
  consumer_secret: string;
  additional_scopes: string;
  oidc_well_known_url: string;
  oidc_jwks_url: string;
  oidc_jwks: unknown;
  authorization_code_auth_method: (typeof AUTHORIZATION_CODE_AUTH_METHODS)[number];
}

// Flows, property mappings and keypairs that a fresh authentik install creates.
const FLOW_IMPLICIT_CONSENT = '4e3a1b5c-8d2f-4a6e-9b7c-1f0e2d3c4b5a';
const FLOW_EXPLICIT_CONSENT = '9c8b7a6d-5e4f-4321-8fed-cba987654321';
const FLOW_SOURCE_AUTH = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const FLOW_SOURCE_ENROLL = 'b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e';
const MAPPING_OPENID = '3f1e2d4c-5b6a-4798-8a9b-0c1d2e3f4a5b';
const MAPPING_EMAIL = '6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d';
const MAPPING_PROFILE = '8d7c6b5a-4f3e-4d2c-b1a0-9f8e7d6c5b4a';
const SELF_SIGNED_KEY = 'c0ffee00-1234-4abc-8def-0123456789ab';
const KEYCLOAK_SOURCE = '5d9e4c2a-7b3f-4e81-a6c0-2f8d1b7e9a34';
// Created on upgrade to 2024.10 for every provider (migration core 0040).
const FLOW_INVALIDATION = '0a9d4a5e-6c1b-4f3e-8d7a-2b5c9e1f4a36';

/** What migrations 0030/0031 (2025.10) and 0040 (2024.10) give a provider that predates them. */
const PROVIDER_DEFAULTS = {
  invalidation_flow: FLOW_INVALIDATION,
  refresh_token_threshold: 'seconds=0',
  encryption_key: null,
  logout_uri: '',
  logout_method: 'backchannel',
  jwt_federation_providers: [],
} satisfies Partial<StoredProvider>;

const PROVIDER_SEED: StoredProvider[] = [
  {
    ...PROVIDER_DEFAULTS,
    pk: 1,
    name: 'Grafana',
    authentication_flow: null,
    authorization_flow: FLOW_IMPLICIT_CONSENT,
    property_mappings: [MAPPING_OPENID, MAPPING_EMAIL, MAPPING_PROFILE],
    assigned_application_slug: 'grafana',
    assigned_application_name: 'Grafana',
    assigned_backchannel_application_slug: '',
    assigned_backchannel_application_name: '',
    client_type: 'confidential',
    client_id: 'kXq3U8dT0bW2vNf9LrC7aYh1sPe4Gm6ZjQ5oIiKx',
    client_secret: 'sandbox-secret-grafana-7f4c1d9e2b8a6f3c0e5d1b9a7c4f2e8d6b3a1c9f7e5d',
    access_code_validity: 'minutes=1',
    access_token_validity: 'minutes=5',
    refresh_token_validity: 'days=30',
    include_claims_in_id_token: true,
    signing_key: SELF_SIGNED_KEY,
    redirect_uris: [{ matching_mode: 'strict', url: 'https://grafana.example.com/login/generic_oauth' }],
    sub_mode: 'hashed_user_id',
    issuer_mode: 'per_provider',
    jwks_sources: [],
    jwt_federation_sources: [],
  },
  {
    ...PROVIDER_DEFAULTS,
    pk: 2,
    name: 'Field Service Mobile App',
    authentication_flow: null,
    authorization_flow: FLOW_EXPLICIT_CONSENT,
    property_mappings: [MAPPING_OPENID, MAPPING_EMAIL],
    assigned_application_slug: 'field-service-mobile',
    assigned_application_name: 'Field Service Mobile',
    assigned_backchannel_application_slug: '',
    assigned_backchannel_application_name: '',
    client_type: 'public',
    client_id: 'field-service-mobile',
    client_secret: '',
    access_code_validity: 'minutes=1',
    access_token_validity: 'hours=1',
    refresh_token_validity: 'days=7;hours=12',
    include_claims_in_id_token: false,
    signing_key: null,
    redirect_uris: [
      { matching_mode: 'strict', url: 'com.example.fieldservice:/oauth2redirect' },
      { matching_mode: 'strict', url: 'http://localhost:8100/callback' },
    ],
    sub_mode: 'user_email',
    issuer_mode: 'global',
    jwks_sources: [KEYCLOAK_SOURCE],
    jwt_federation_sources: [KEYCLOAK_SOURCE],
  },
];

const SOURCE_DEFAULTS = {
  enabled: true,
  promoted: false,
  icon: '',
  pkce: 'none',
  authorization_code_auth_method: 'basic_auth',
  authentication_flow: FLOW_SOURCE_AUTH,
  enrollment_flow: FLOW_SOURCE_ENROLL,
  user_property_mappings: [],
  group_property_mappings: [],
  policy_engine_mode: 'any',
  user_path_template: 'goauthentik.io/sources/%(slug)s',
  group_matching_mode: 'identifier',
  request_token_url: null,
  authorization_url: null,
  access_token_url: null,
  profile_url: null,
  oidc_well_known_url: '',
  oidc_jwks_url: '',
  oidc_jwks: {},
} satisfies Partial<StoredSource>;

const SOURCE_SEED: StoredSource[] = [
  {
    ...SOURCE_DEFAULTS,
    pk: '0f6a3e21-94c8-4d5b-b7e2-6c1d8a9f3b47',
    name: 'GitHub',
    slug: 'github',
    user_matching_mode: 'identifier',
    provider_type: 'github',
    consumer_key: 'Iv1.8a61f9b3a7aba766',
    consumer_secret: 'sandbox-github-client-secret-0b1c2d3e4f5a6b7c8d9e',
    additional_scopes: 'read:org',
  },
  {
    ...SOURCE_DEFAULTS,
    pk: '7c2b9e14-3a6f-4d08-9e51-b4a7c0d2f8e6',
    name: 'Google',
    slug: 'google',
    user_matching_mode: 'email_link',
    provider_type: 'google',
    consumer_key: '104937812345-8d3kq5v0b6n2m9c7x1z4a.apps.googleusercontent.com',
    consumer_secret: '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',
    additional_scopes: '',
    oidc_well_known_url: 'https://accounts.google.com/.well-known/openid-configuration',
    oidc_jwks_url: 'https://www.googleapis.com/oauth2/v3/certs',
  },
  {
    ...SOURCE_DEFAULTS,
    pk: KEYCLOAK_SOURCE,
    name: 'Corporate SSO (Keycloak)',
    slug: 'corporate-sso',
    policy_engine_mode: 'all',
    user_matching_mode: 'username_link',
    group_matching_mode: 'name_link',
    provider_type: 'openidconnect',
    authorization_url: 'https://sso.example.com/realms/corp/protocol/openid-connect/auth',
    access_token_url: 'https://sso.example.com/realms/corp/protocol/openid-connect/token',
    profile_url: 'https://sso.example.com/realms/corp/protocol/openid-connect/userinfo',
    consumer_key: 'authentik',
    consumer_secret: 'sandbox-keycloak-secret-9e8d7c6b5a4f',
    additional_scopes: 'groups offline_access',
    oidc_well_known_url: 'https://sso.example.com/realms/corp/.well-known/openid-configuration',
    oidc_jwks_url: 'https://sso.example.com/realms/corp/protocol/openid-connect/certs',
    oidc_jwks: {
      keys: [
        {
          kid: 'Yc3pK1r0aZs4xVt6m9BhQe2JfWnLd8GuTo5Rk7Ci',
          kty: 'RSA',
          alg: 'RS256',
          use: 'sig',
          n: 'u1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0_IzW7yWR7QkrmBL7jTKEn5u-qKhbwKfBstIs-bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW_VDL5AaWTg0nLVkjRo9z-40RQzuVaE8AkAFmxZzow3x-VJYKdjykkJ0iT9wCS0DRTXu269V264Vf_3jvredZiKRkgwlL9xNAwxXFg0x_XFw005UWVRIkdgcKWTjpBP2dPwVZ4WWC-9aGVd-Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbcmw',
          e: 'AQAB',
        },
      ],
    },
  },
];

/** SourceType per provider_type: what authentik knows about each kind of OAuth source. */
interface SourceType {
  name: ProviderType;
  verbose_name: string;
  urls_customizable: boolean;
  request_token_url: string | null;
  authorization_url: string | null;
  access_token_url: string | null;
  profile_url: string | null;
  oidc_well_known_url: string | null;
  oidc_jwks_url: string | null;
}

const KNOWN_TYPE_URLS: Partial<Record<ProviderType, Partial<SourceType>>> = {
  github: {
    authorization_url: 'https://github.com/login/oauth/authorize',
    access_token_url: 'https://github.com/login/oauth/access_token',
    profile_url: 'https://api.github.com/user',
    oidc_well_known_url: 'https://token.actions.githubusercontent.com/.well-known/openid-configuration',
    oidc_jwks_url: 'https://token.actions.githubusercontent.com/.well-known/jwks',
  },
  google: {
    authorization_url: 'https://accounts.google.com/o/oauth2/auth',
    access_token_url: 'https://oauth2.googleapis.com/token',
    profile_url: 'https://www.googleapis.com/oauth2/v1/userinfo',
    oidc_well_known_url: 'https://accounts.google.com/.well-known/openid-configuration',
    oidc_jwks_url: 'https://www.googleapis.com/oauth2/v3/certs',
  },
  discord: {
    authorization_url: 'https://discord.com/api/oauth2/authorize',
    access_token_url: 'https://discord.com/api/oauth2/token',
    profile_url: 'https://discord.com/api/users/@me',
  },
};

const TYPE_NAMES: Record<ProviderType, [verboseName: string, urlsCustomizable: boolean]> = {
  apple: ['Apple', false],
  openidconnect: ['OpenID Connect', true],
  entraid: ['Entra ID', true],
  azuread: ['Azure AD', true],
  discord: ['Discord', false],
  facebook: ['Facebook', false],
  github: ['GitHub', true],
  gitlab: ['GitLab', true],
  google: ['Google', false],
  mailcow: ['Mailcow', true],
  okta: ['Okta', true],
  patreon: ['Patreon', false],
  reddit: ['Reddit', false],
  slack: ['Slack', false],
  twitch: ['Twitch', false],
  twitter: ['Twitter', false],
  wechat: ['WeChat', false],
};

function sourceType(name: ProviderType): SourceType {
  const [verbose_name, urls_customizable] = TYPE_NAMES[name];
  return {
    name,
    verbose_name,
    urls_customizable,
    request_token_url: null,
    authorization_url: null,
    access_token_url: null,
    profile_url: null,
    oidc_well_known_url: null,
    oidc_jwks_url: null,
    ...KNOWN_TYPE_URLS[name],
  };
}

// ---- representations (OAuth2Provider, OAuthSource) as one release answers them; secrets never leave ----

/** The members a release answers (`members`, in its document's order) out of `full`. */
function answeredBy(members: string[], full: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(members.filter((name) => Object.hasOwn(full, name)).map((name) => [name, full[name]]));
}

function presentProvider(p: StoredProvider, at: Release): Record<string, unknown> {
  const { client_secret: _secret, ...stored } = p;
  const full = {
    ...stored,
    component: 'ak-provider-oauth2-form',
    verbose_name: 'OAuth2/OpenID Provider',
    verbose_name_plural: 'OAuth2/OpenID Providers',
    meta_model_name: 'authentik_providers_oauth2.oauth2provider',
  };
  return answeredBy(responseAt(PROVIDER_RESPONSE, at), full);
}

function presentSource(s: StoredSource, at: Release): Record<string, unknown> {
  const { consumer_secret: _secret, ...stored } = s;
  // Without an uploaded icon authentik serves the source type's bundled one.
  const bundled = `/static/authentik/sources/${s.provider_type}.svg`;
  // A URL is served as it is; a file name from the media storage (the emulation's guess at its path).
  const iconUrl = s.icon === '' ? bundled : /^https?:\/\//.test(s.icon) ? s.icon : `/media/public/${s.icon}`;
  const full = {
    ...stored,
    component: 'ak-source-oauth-form',
    verbose_name: 'OAuth Source',
    verbose_name_plural: 'OAuth Sources',
    meta_model_name: 'authentik_sources_oauth.oauthsource',
    managed: null,
    // Before 2025.12 icon is the read-only URL; since, the icon as set, its URL in icon_url.
    icon: within(at, SOURCE_RESPONSE.icon_url!) ? s.icon : bundled,
    icon_url: iconUrl,
    icon_themed_urls: s.icon.includes('%(theme)s')
      ? { light: iconUrl.replaceAll('%(theme)s', 'light'), dark: iconUrl.replaceAll('%(theme)s', 'dark') }
      : null,
    callback_url: `/source/oauth/callback/${s.slug}/`,
    type: sourceType(s.provider_type),
  };
  return answeredBy(responseAt(SOURCE_RESPONSE, at), full);
}

// ---- list queries: filters, search, ordering, pagination ----

type ListFilter = { kind: 'exact' } | { kind: 'choice'; choices: readonly string[] } | { kind: 'boolean' };

const PROVIDER_FILTERS: Readonly<Record<string, ListFilter>> = {
  name: { kind: 'exact' },
  client_id: { kind: 'exact' },
  authorization_flow: { kind: 'exact' },
  signing_key: { kind: 'exact' },
  access_code_validity: { kind: 'exact' },
  access_token_validity: { kind: 'exact' },
  refresh_token_validity: { kind: 'exact' },
  client_type: { kind: 'choice', choices: CLIENT_TYPES },
  issuer_mode: { kind: 'choice', choices: ISSUER_MODES },
  sub_mode: { kind: 'choice', choices: SUB_MODES },
  include_claims_in_id_token: { kind: 'boolean' },
};

const SOURCE_FILTERS: Readonly<Record<string, ListFilter>> = {
  name: { kind: 'exact' },
  slug: { kind: 'exact' },
  authentication_flow: { kind: 'exact' },
  enrollment_flow: { kind: 'exact' },
  provider_type: { kind: 'exact' },
  request_token_url: { kind: 'exact' },
  authorization_url: { kind: 'exact' },
  access_token_url: { kind: 'exact' },
  profile_url: { kind: 'exact' },
  consumer_key: { kind: 'exact' },
  additional_scopes: { kind: 'exact' },
  policy_engine_mode: { kind: 'choice', choices: POLICY_ENGINE_MODES },
  user_matching_mode: { kind: 'choice', choices: USER_MATCHING_MODES },
  group_matching_mode: { kind: 'choice', choices: GROUP_MATCHING_MODES },
  enabled: { kind: 'boolean' },
};

/** django-filter's NullBooleanSelect: anything else means "no filter". */
function queryBoolean(value: string): boolean | undefined {
  if (['true', 'True', '1'].includes(value)) return true;
  if (['false', 'False', '0'].includes(value)) return false;
  return undefined;
}

type Row = Record<string, unknown>;

function applyFilters(rows: Row[], query: URLSearchParams, filters: Readonly<Record<string, ListFilter>>): Row[] | FieldErrors {
  let result = rows;
  for (const [param, filter] of Object.entries(filters)) {
    const wanted = query.get(param);
    if (wanted === null || wanted === '') continue;
    if (filter.kind === 'choice' && !filter.choices.includes(wanted)) {
      return { [param]: [`Select a valid choice. ${wanted} is not one of the available choices.`] };
    }
    if (filter.kind === 'boolean') {
      const flag = queryBoolean(wanted);
      if (flag !== undefined) result = result.filter((row) => row[param] === flag);
      continue;
    }
    result = result.filter((row) => row[param] === wanted);
  }
  return result;
}

/** DRF SearchFilter: every whitespace- or comma-separated term must occur in one of the fields. */
function search(rows: Row[], term: string | null, fields: readonly string[]): Row[] {
  const terms = (term ?? '')
    .replaceAll('\0', '')
    .replaceAll(',', ' ')
    .split(/\s+/)
    .filter(Boolean)
    .map((t) => t.toLowerCase());
  return rows.filter((row) =>
    terms.every((t) =>
      fields.some((field) =>
        String(row[field] ?? '')
          .toLowerCase()
          .includes(t),
      ),
    ),
  );
}

function compare(a: unknown, b: unknown): number {
  // PostgreSQL sorts NULL after everything else in ascending order.
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const [x, y] = [String(a), String(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** DRF OrderingFilter: unknown fields are dropped; with none left the view's default applies. */
function order(rows: Row[], ordering: string | null, allowed: readonly string[]): Row[] {
  const terms = (ordering ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => allowed.includes(t.replace(/^-/, '')));
  const keys = terms.length > 0 ? terms : ['name'];
  return [...rows].sort((a, b) => {
    for (const key of keys) {
      const desc = key.startsWith('-');
      const field = desc ? key.slice(1) : key;
      const result = compare(a[field], b[field]);
      if (result !== 0) return desc ? -result : result;
    }
    return 0;
  });
}

/** From 2025.8 a paginated list also answers `autocomplete` (f025d0d1d). */
const AUTOCOMPLETE: Span = { since: '2025.8.0' };
/** From 2025.12 the page size comes from the tenant: 20 unless asked, at most 100 (#18165); before, 100 and no maximum. */
const TENANT_PAGE_SIZES: Span = { since: '2025.12.0' };

/** authentik's Pagination class over Django's Paginator; a page that does not exist is a 404. */
function paginate(rows: Row[], query: URLSearchParams, at: Release): Reply {
  const [defaultSize, maxSize] = within(at, TENANT_PAGE_SIZES) ? [20, 100] : [100, Infinity];
  const sizeParam = query.get('page_size') ?? '';
  const asked = /^\s*\+?\d+\s*$/.test(sizeParam) && Number(sizeParam) > 0 ? Number(sizeParam) : defaultSize;
  const size = Math.min(asked, maxSize);
  const count = rows.length;
  const totalPages = Math.max(1, Math.ceil(count / size));
  const pageParam = query.get('page') || '1';
  const page = pageParam === 'last' ? totalPages : /^\s*[+-]?\d+\s*$/.test(pageParam) ? Number(pageParam) : NaN;
  if (!Number.isInteger(page) || page < 1 || page > totalPages) return json(404, { detail: 'Invalid page.' });
  const start = (page - 1) * size;
  const results = rows.slice(start, start + size);
  return json(200, {
    pagination: {
      next: page < totalPages ? page + 1 : 0,
      previous: page > 1 ? page - 1 : 0,
      count,
      current: page,
      total_pages: totalPages,
      start_index: count === 0 ? 0 : start + 1,
      end_index: page === totalPages ? count : page * size,
    },
    results,
    ...(within(at, AUTOCOMPLETE) ? { autocomplete: {} } : {}),
  });
}

function listReply(
  rows: Row[],
  query: URLSearchParams,
  at: Release,
  options: { filters: Readonly<Record<string, ListFilter>>; searchFields: readonly string[]; orderingFields: readonly string[] },
): Reply {
  const filtered = applyFilters(rows, query, options.filters);
  if (!Array.isArray(filtered)) return json(400, filtered);
  const found = search(filtered, query.get('search'), options.searchFields);
  return paginate(order(found, query.get('ordering'), options.orderingFields), query, at);
}

// ---- authentication, errors ----

const AUTHENTICATE = { 'www-authenticate': 'Bearer realm="authentik"' };

function authorize(req: IncomingMessage, token: string): Reply | undefined {
  const credential = bearerToken(req);
  // authentik treats a header without "<type> <credentials>" as no credentials at all.
  if (!credential || credential.token === '') {
    return json(401, { detail: 'Authentication credentials were not provided.' }, AUTHENTICATE);
  }
  if (credential.scheme.toLowerCase() !== 'bearer') return json(401, { detail: 'Unsupported authentication type' }, AUTHENTICATE);
  if (!sameSecret(credential.token, token)) return json(401, { detail: 'Token invalid/expired' }, AUTHENTICATE);
  return undefined;
}

const notFound = () => json(404, { detail: 'Not found.' });

/** The JSON object of a PATCH: an empty body is `{}`, as DRF reads it. */
async function readPatchBody(req: IncomingMessage): Promise<{ ok: true; value: unknown } | { ok: false; reply: Reply }> {
  const body = await readBody(req);
  if (body.length === 0) return { ok: true, value: {} };
  const type = mediaType(req);
  if (type !== 'application/json') {
    return { ok: false, reply: json(415, { detail: `Unsupported media type "${req.headers['content-type'] ?? ''}" in request.` }) };
  }
  const parsed = parseJson(body);
  return parsed.ok ? parsed : { ok: false, reply: json(400, { detail: `JSON parse error - ${parsed.error}` }) };
}

// ---- the API ----

const PROVIDER_ORDERING = [
  'pk',
  'name',
  'client_id',
  'client_type',
  'include_claims_in_id_token',
  'sub_mode',
  'issuer_mode',
  'access_code_validity',
  'access_token_validity',
  'refresh_token_validity',
];
const SOURCE_ORDERING = [
  'pk',
  'name',
  'slug',
  'enabled',
  'provider_type',
  'policy_engine_mode',
  'user_matching_mode',
  'group_matching_mode',
  'consumer_key',
  'additional_scopes',
];

/**
 * The n-th generated provider (SANDBOX_EXTRA_APPLICATIONS): one or two STRICT redirect URIs, or, on
 * a release with rules, every tenth a REGEX rule for the hosts under apps.example.com.
 */
function generatedProvider(n: number, rules: boolean): StoredProvider {
  const strict = (i: number): RedirectUriRule => ({ matching_mode: 'strict', url: generatedRedirectUrl(i) });
  return {
    ...PROVIDER_DEFAULTS,
    pk: 100 + n,
    name: `Generated Provider ${ordinal(n)}`,
    authentication_flow: null,
    authorization_flow: FLOW_IMPLICIT_CONSENT,
    property_mappings: [MAPPING_OPENID],
    assigned_application_slug: `generated-${n}`,
    assigned_application_name: `Generated ${ordinal(n)}`,
    assigned_backchannel_application_slug: '',
    assigned_backchannel_application_name: '',
    client_type: 'confidential',
    client_id: `generated-provider-${n}`,
    client_secret: `sandbox-secret-${stableHex(`authentik-provider-${n}`)}`,
    access_code_validity: 'minutes=1',
    access_token_validity: 'minutes=5',
    refresh_token_validity: 'days=30',
    include_claims_in_id_token: true,
    signing_key: SELF_SIGNED_KEY,
    redirect_uris:
      rules && n % 10 === 5
        ? [{ matching_mode: 'regex', url: 'https://[a-z0-9-]+\\.apps\\.example\\.com/callback/[0-9]+' }]
        : n % 3 === 0
          ? [strict(n), strict(n + 1)]
          : [strict(n)],
    sub_mode: 'hashed_user_id',
    issuer_mode: 'per_provider',
    jwks_sources: [],
    jwt_federation_sources: [],
  };
}

/** The n-th generated source (SANDBOX_EXTRA_APPLICATIONS): an OpenID Connect login. */
function generatedSource(n: number): StoredSource {
  return {
    ...SOURCE_DEFAULTS,
    pk: stableUuid(`authentik-source-${n}`),
    name: `Generated Source ${ordinal(n)}`,
    slug: `generated-${n}`,
    user_matching_mode: 'identifier',
    provider_type: 'openidconnect',
    consumer_key: `generated-source-${n}`,
    consumer_secret: `sandbox-secret-${stableHex(`authentik-source-${n}`)}`,
    additional_scopes: '',
  };
}

/** The seed (and `extra` generated providers) as release `at` keeps it: redirect URIs as one string where it has no rules. */
function seedProviders(at: Release, extra: number): StoredProvider[] {
  const keepsString = fieldsAt(PROVIDER_FIELDS, at).redirect_uris?.schema.type === 'string';
  const generated = upTo(extra).map((n) => generatedProvider(n, !keepsString));
  return [...structuredClone(PROVIDER_SEED), ...generated].map((p) => {
    if (!keepsString || typeof p.redirect_uris === 'string') return p;
    const written = stringForWrite(p.redirect_uris);
    if (!('value' in written)) throw new Error(`the seed of provider ${p.pk} has redirect URIs authentik ${at.name} cannot keep`);
    return { ...p, redirect_uris: written.value };
  });
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** authentik's generate_id: letters and digits from a CSPRNG. */
function randomAlnum(length: number): string {
  let id = '';
  for (let i = 0; i < length; i += 1) id += ALNUM[randomInt(ALNUM.length)];
  return id;
}

/**
 * authentik's API as release `at` (one of SANDBOX_RELEASES) has it, with `token` as its one API
 * token, seeded with the samples and `extra` generated providers and sources.
 */
export function createAuthentikApi(token: string, at: Release = SANDBOX_RELEASES.at(-1)!, extra = 0): VendorApi {
  const providers = new Map<number, StoredProvider>(seedProviders(at, extra).map((p) => [p.pk, p]));
  // Keyed by pk: a slug can change, the pk cannot.
  const sourceSeed = [...structuredClone(SOURCE_SEED), ...upTo(extra).map(generatedSource)];
  const sources = new Map<string, StoredSource>(sourceSeed.map((s) => [s.pk, s]));
  const providerSerializer = drfFields(fieldsAt(PROVIDER_FIELDS, at));
  const keepsString = fieldsAt(PROVIDER_FIELDS, at).redirect_uris?.schema.type === 'string';
  const sourceSerializer = drfFields(fieldsAt(SOURCE_FIELDS, at));

  const findProvider = (id: string) => (/^[1-9]\d{0,15}$/.test(id) ? providers.get(Number(id)) : undefined);
  const findSource = (slug: string) => [...sources.values()].find((s) => s.slug === slug);

  const listProviders = ({ query }: RequestContext): Reply =>
    listReply(
      [...providers.values()].map((p) => presentProvider(p, at)),
      query,
      at,
      { filters: PROVIDER_FILTERS, searchFields: ['name'], orderingFields: PROVIDER_ORDERING },
    );

  const listSources = ({ query }: RequestContext): Reply =>
    listReply(
      [...sources.values()].map((s) => presentSource(s, at)),
      query,
      at,
      { filters: SOURCE_FILTERS, searchFields: ['name', 'slug'], orderingFields: SOURCE_ORDERING },
    );

  const getProvider = ({ params }: RequestContext): Reply => {
    const provider = findProvider(params.id!);
    return provider ? json(200, presentProvider(provider, at)) : notFound();
  };

  const getSource = ({ params }: RequestContext): Reply => {
    const source = findSource(params.slug!);
    return source ? json(200, presentSource(source, at)) : notFound();
  };

  const patchProvider = async ({ req, params }: RequestContext): Promise<Reply> => {
    const provider = findProvider(params.id!);
    if (!provider) return notFound();
    const body = await readPatchBody(req);
    if (!body.ok) return body.reply;
    const result = validatePartial(providerSerializer, body.value);
    if ('errors' in result) return json(400, result.errors);
    const clientId = result.values.client_id;
    if (clientId !== undefined && [...providers.values()].some((p) => p.pk !== provider.pk && p.client_id === clientId)) {
      return json(400, { client_id: ['OAuth2/OpenID Provider with this Client ID already exists.'] });
    }
    const updated: StoredProvider = { ...provider, ...(result.values as Partial<StoredProvider>) };
    providers.set(updated.pk, updated);
    return json(200, presentProvider(updated, at));
  };

  const patchSource = async ({ req, params }: RequestContext): Promise<Reply> => {
    const source = findSource(params.slug!);
    if (!source) return notFound();
    const body = await readPatchBody(req);
    if (!body.ok) return body.reply;
    const result = validatePartial(sourceSerializer, body.value);
    if ('errors' in result) return json(400, result.errors);
    const slug = result.values.slug;
    if (slug !== undefined && [...sources.values()].some((s) => s.pk !== source.pk && s.slug === slug)) {
      return json(400, { slug: ['Source with this slug already exists.'] } satisfies FieldErrors);
    }
    const updated: StoredSource = { ...source, ...(result.values as Partial<StoredSource>) };
    sources.set(updated.pk, updated);
    return json(200, presentSource(updated, at));
  };

  // ModelViewSet.create: the required members first ("This field is required."), then the fields, then uniqueness.
  const required = (members: typeof PROVIDER_FIELDS, body: unknown): FieldErrors => {
    const given = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
    return Object.fromEntries(
      Object.entries(fieldsAt(members, at))
        .filter(([name, field]) => field.requiredOnCreate && !Object.hasOwn(given, name))
        .map(([name]) => [name, ['This field is required.']]),
    );
  };

  const createProvider = async ({ req }: RequestContext): Promise<Reply> => {
    const body = await readPatchBody(req);
    if (!body.ok) return body.reply;
    const result = validatePartial(providerSerializer, body.value);
    const missing = required(PROVIDER_FIELDS, body.value);
    if ('errors' in result || Object.keys(missing).length > 0)
      return json(400, { ...missing, ...('errors' in result ? result.errors : {}) });
    const clientId = (result.values.client_id as string | undefined) ?? randomAlnum(40);
    if ([...providers.values()].some((p) => p.client_id === clientId)) {
      return json(400, { client_id: ['OAuth2/OpenID Provider with this Client ID already exists.'] });
    }
    const pk = Math.max(0, ...providers.keys()) + 1;
    const created: StoredProvider = {
      ...PROVIDER_DEFAULTS,
      authentication_flow: null,
      property_mappings: [],
      assigned_application_slug: '',
      assigned_application_name: '',
      assigned_backchannel_application_slug: '',
      assigned_backchannel_application_name: '',
      client_type: 'confidential',
      client_secret: randomAlnum(128),
      access_code_validity: 'minutes=1',
      access_token_validity: 'minutes=5',
      refresh_token_validity: 'days=30',
      include_claims_in_id_token: true,
      signing_key: null,
      redirect_uris: keepsString ? '' : [],
      sub_mode: 'hashed_user_id',
      issuer_mode: 'per_provider',
      jwks_sources: [],
      jwt_federation_sources: [],
      ...(result.values as Partial<StoredProvider>),
      pk,
      name: result.values.name as string,
      authorization_flow: result.values.authorization_flow as string,
      client_id: clientId,
    };
    providers.set(pk, created);
    // The create answer is the one place the emulation shows the client secret.
    return json(201, { ...presentProvider(created, at), client_secret: created.client_secret });
  };

  const createSource = async ({ req }: RequestContext): Promise<Reply> => {
    const body = await readPatchBody(req);
    if (!body.ok) return body.reply;
    const result = validatePartial(sourceSerializer, body.value);
    const missing = required(SOURCE_FIELDS, body.value);
    if ('errors' in result || Object.keys(missing).length > 0)
      return json(400, { ...missing, ...('errors' in result ? result.errors : {}) });
    const slug = result.values.slug as string;
    if (findSource(slug)) return json(400, { slug: ['Source with this slug already exists.'] } satisfies FieldErrors);
    const created: StoredSource = {
      ...SOURCE_DEFAULTS,
      user_matching_mode: 'identifier',
      additional_scopes: '',
      ...(result.values as Partial<StoredSource>),
      pk: randomUuid(),
      name: result.values.name as string,
      slug,
      provider_type: result.values.provider_type as ProviderType,
      consumer_key: result.values.consumer_key as string,
      consumer_secret: result.values.consumer_secret as string,
    };
    sources.set(created.pk, created);
    return json(201, presentSource(created, at));
  };

  const removeProvider = ({ params }: RequestContext): Reply => {
    const provider = findProvider(params.id!);
    if (!provider) return notFound();
    providers.delete(provider.pk);
    return NO_CONTENT;
  };

  const removeSource = ({ params }: RequestContext): Reply => {
    const source = findSource(params.slug!);
    if (!source) return notFound();
    sources.delete(source.pk);
    return NO_CONTENT;
  };

  // VersionView: any authenticated user may ask.
  const version = (): Reply =>
    json(200, {
      version_current: at.name,
      version_latest: at.name,
      version_latest_valid: true,
      build_hash: '',
      outdated: false,
      outpost_outdated: false,
    });

  return {
    root: '/api/v3',
    routes: [
      { pattern: '/admin/version/', methods: { GET: version } },
      { pattern: '/providers/oauth2/', methods: { GET: listProviders, POST: createProvider } },
      { pattern: '/providers/oauth2/:id/', methods: { GET: getProvider, PATCH: patchProvider, DELETE: removeProvider } },
      { pattern: '/sources/oauth/', methods: { GET: listSources, POST: createSource } },
      { pattern: '/sources/oauth/:slug/', methods: { GET: getSource, PATCH: patchSource, DELETE: removeSource } },
    ],
    authorize: (req) => authorize(req, token),
    notFound,
    methodNotAllowed: (method) => json(405, { detail: `Method "${method}" not allowed.` }),
    tooLarge: () => json(413, { detail: 'Request body is too large.' }),
    internalError: () => json(500, { detail: 'A server error occurred.' }),
  };
}

/** Starts the emulator of release `at` on a loopback port with a fresh seed (and `extra` generated resources) and a random API token. */
export async function startSandbox(at: Release, extra = 0): Promise<SandboxedVendor> {
  const token = randomHex(30);
  const server = await listen(createAuthentikApi(token, at, extra));
  return { url: `${server.origin}/api/v3`, secret: token, close: server.close };
}
