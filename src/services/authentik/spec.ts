import type { StringCheck, ValueSchema } from '../../value-schema.js';

/**
 * authentik's OAuth2 providers and OAuth sources, transcribed once from its OpenAPI documents
 * (authentik-2024.8.1.openapi.yaml): the enums, the writable members of each Patched*Request with
 * their constraints, and the limits of path arguments. Read by the gateway's input checks and by the
 * sandbox's emulation.
 */

export const CLIENT_TYPES = ['confidential', 'public'] as const;
export const SUB_MODES = ['hashed_user_id', 'user_id', 'user_uuid', 'user_username', 'user_email', 'user_upn'] as const;
export const ISSUER_MODES = ['global', 'per_provider'] as const;
export const POLICY_ENGINE_MODES = ['all', 'any'] as const;
export const USER_MATCHING_MODES = ['identifier', 'email_link', 'email_deny', 'username_link', 'username_deny'] as const;
export const GROUP_MATCHING_MODES = ['identifier', 'name_link', 'name_deny'] as const;
export const PROVIDER_TYPES = [
  'apple',
  'openidconnect',
  'azuread',
  'discord',
  'facebook',
  'github',
  'gitlab',
  'google',
  'mailcow',
  'okta',
  'patreon',
  'reddit',
  'twitch',
  'twitter',
] as const;

export type ProviderType = (typeof PROVIDER_TYPES)[number];

/** Source slugs: the spec's pattern ^[-a-zA-Z0-9_]+$ and maxLength 50. */
export const SLUG_PATTERN = /^[-a-zA-Z0-9_]+$/;
export const SLUG_MAX_LENGTH = 50;

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

/** One writable member of a Patched*Request: its constraints, and what it means for the caller. */
export interface WritableField {
  schema: ValueSchema;
  description?: string;
  /** Write-only, and never shown in a log, an error, a plan or an audit event. */
  secret?: boolean;
}

export type WritableFields = Readonly<Record<string, WritableField>>;

/** Members of the vendor's representations that hold a secret: never read, never in a version. */
export const PROVIDER_SECRETS = ['client_secret'] as const;
export const SOURCE_SECRETS = ['consumer_secret'] as const;

const UUID = { type: 'string', format: 'uuid' } as const;
const DURATION = { type: 'string', minLength: 1, check: TIMEDELTA } as const;
const DURATION_HELP = 'Format: hours=1;minutes=2;seconds=3.';
const URL_255 = { type: 'string', maxLength: 255, nullable: true } as const;

/** PatchedOAuth2ProviderRequest. */
export const PROVIDER_FIELDS: WritableFields = {
  name: { schema: { type: 'string', minLength: 1 } },
  authentication_flow: {
    schema: { ...UUID, nullable: true },
    description: 'Flow (UUID) used for authentication when the application is accessed by an unauthenticated user.',
  },
  authorization_flow: { schema: UUID, description: 'Flow (UUID) used when authorizing this provider.' },
  property_mappings: { schema: { type: 'array', items: UUID } },
  client_type: { schema: { type: 'enum', values: CLIENT_TYPES } },
  client_id: { schema: { type: 'string', minLength: 1, maxLength: 255 } },
  client_secret: { schema: { type: 'string', maxLength: 255 }, secret: true, description: 'Write-only: never returned.' },
  access_code_validity: { schema: DURATION, description: `Access codes not valid on or after now + this. ${DURATION_HELP}` },
  access_token_validity: { schema: DURATION, description: `Tokens not valid on or after now + this. ${DURATION_HELP}` },
  refresh_token_validity: { schema: DURATION, description: `Refresh tokens not valid on or after now + this. ${DURATION_HELP}` },
  include_claims_in_id_token: { schema: { type: 'boolean' } },
  signing_key: { schema: { ...UUID, nullable: true }, description: 'Key (UUID) used to sign the tokens.' },
  redirect_uris: { schema: { type: 'string' }, description: 'Allowed redirect URIs, one per line.' },
  sub_mode: { schema: { type: 'enum', values: SUB_MODES } },
  issuer_mode: { schema: { type: 'enum', values: ISSUER_MODES } },
  jwks_sources: { schema: { type: 'array', items: UUID }, description: 'Sources (UUIDs) whose JWKs may sign JWTs used to authenticate.' },
};

/** PatchedOAuthSourceRequest. */
export const SOURCE_FIELDS: WritableFields = {
  name: { schema: { type: 'string', minLength: 1 }, description: "Source's display name." },
  slug: {
    schema: {
      type: 'string',
      minLength: 1,
      maxLength: SLUG_MAX_LENGTH,
      pattern: SLUG_PATTERN,
      patternHint: 'may contain only letters, digits, "-" and "_".',
    },
    description: 'Internal source name, used in URLs. Changing it moves the source to the new slug.',
  },
  enabled: { schema: { type: 'boolean' } },
  authentication_flow: { schema: { ...UUID, nullable: true }, description: 'Flow (UUID) used when authenticating existing users.' },
  enrollment_flow: { schema: { ...UUID, nullable: true }, description: 'Flow (UUID) used when enrolling new users.' },
  user_property_mappings: { schema: { type: 'array', items: UUID } },
  group_property_mappings: { schema: { type: 'array', items: UUID } },
  policy_engine_mode: { schema: { type: 'enum', values: POLICY_ENGINE_MODES } },
  user_matching_mode: { schema: { type: 'enum', values: USER_MATCHING_MODES } },
  user_path_template: { schema: { type: 'string', minLength: 1 } },
  group_matching_mode: { schema: { type: 'enum', values: GROUP_MATCHING_MODES } },
  provider_type: { schema: { type: 'enum', values: PROVIDER_TYPES } },
  request_token_url: { schema: URL_255, description: 'URL used to request the initial token (OAuth 1 only).' },
  authorization_url: { schema: URL_255, description: 'URL the user is redirected to to consent.' },
  access_token_url: { schema: URL_255, description: 'URL authentik uses to retrieve tokens.' },
  profile_url: { schema: URL_255, description: 'URL authentik uses to get user information.' },
  consumer_key: { schema: { type: 'string', minLength: 1 } },
  consumer_secret: { schema: { type: 'string', minLength: 1 }, secret: true, description: 'Write-only: never returned.' },
  additional_scopes: { schema: { type: 'string' } },
  oidc_well_known_url: { schema: { type: 'string' } },
  oidc_jwks_url: { schema: { type: 'string' } },
  oidc_jwks: { schema: { type: 'any' } },
};

// ---- path arguments ----

export function isSlug(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= SLUG_MAX_LENGTH && SLUG_PATTERN.test(value);
}

/** authentik's integer primary keys (a Django AutoField: 1 to 2^31-1). */
export function positiveInteger(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^[1-9][0-9]{0,9}$/.test(value) || Number(value) > 2_147_483_647) return undefined;
  return Number(value);
}
