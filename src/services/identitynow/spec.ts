import type { InputSpecs } from '../../changes/inputs.js';
import type { PatchRules } from '../../json-patch.js';
import { INT32 } from '../../value-schema.js';

/**
 * The IdentityNow beta spec's OAuth client, transcribed once (identitynow-beta.openapi.yaml): read by
 * the gateway's input checks and by the sandbox's emulation.
 */

// GrantType, AccessType, ClientType.
export const GRANT_TYPES = ['CLIENT_CREDENTIALS', 'AUTHORIZATION_CODE', 'REFRESH_TOKEN'] as const;
export const ACCESS_TYPES = ['ONLINE', 'OFFLINE'] as const;
export const CLIENT_TYPES = ['CONFIDENTIAL', 'PUBLIC'] as const;

export type GrantType = (typeof GRANT_TYPES)[number];
export type AccessType = (typeof ACCESS_TYPES)[number];
export type ClientType = (typeof CLIENT_TYPES)[number];

/** Members of the vendor's representation that hold a secret: never read, never in a version. */
export const SECRET_MEMBERS = ['secret'] as const;

/** Patchable, but not a member of GetOAuthClientResponse: a client need not have it, and never shows it. */
export const PATCHABLE_NOT_SHOWN = ['tenant'] as const;

/**
 * The patchable fields the spec's PATCH request body description lists, typed as
 * GetOAuthClientResponse types them. None may be removed: the response requires all of them.
 */
export const PATCH_RULES: PatchRules = {
  vendor: 'IdentityNow',
  fields: {
    tenant: { schema: { type: 'string' } },
    businessName: { schema: { type: 'string', nullable: true } },
    homepageUrl: { schema: { type: 'string', nullable: true } },
    name: { schema: { type: 'string' } },
    description: { schema: { type: 'string', nullable: true } },
    accessTokenValiditySeconds: { schema: { type: 'integer', ...INT32 } },
    refreshTokenValiditySeconds: { schema: { type: 'integer', ...INT32 } },
    redirectUris: { schema: { type: 'array', nullable: true, items: { type: 'string' } } },
    grantTypes: { schema: { type: 'array', items: { type: 'enum', values: GRANT_TYPES } } },
    accessType: { schema: { type: 'enum', values: ACCESS_TYPES } },
    enabled: { schema: { type: 'boolean' } },
    strongAuthSupported: { schema: { type: 'boolean' } },
    claimsSupported: { schema: { type: 'boolean' } },
  },
};

/** CreateOAuthClientRequest: name, description and grantTypes are required yet nullable. */
export const CREATE_FIELDS: InputSpecs = {
  businessName: {
    upstream: 'businessName',
    schema: { type: 'string', nullable: true },
    description: 'The name of the business the API client belongs to.',
  },
  homepageUrl: { upstream: 'homepageUrl', schema: { type: 'string', nullable: true } },
  name: { upstream: 'name', schema: { type: 'string', nullable: true }, required: true },
  description: { upstream: 'description', schema: { type: 'string', nullable: true }, required: true },
  accessTokenValiditySeconds: { upstream: 'accessTokenValiditySeconds', schema: { type: 'integer', ...INT32 }, required: true },
  refreshTokenValiditySeconds: { upstream: 'refreshTokenValiditySeconds', schema: { type: 'integer', ...INT32 } },
  redirectUris: {
    upstream: 'redirectUris',
    schema: { type: 'array', nullable: true, items: { type: 'string' } },
    description: 'Required, with at least one URI, with the AUTHORIZATION_CODE grant type.',
  },
  grantTypes: {
    upstream: 'grantTypes',
    schema: { type: 'array', nullable: true, items: { type: 'enum', values: GRANT_TYPES } },
    required: true,
  },
  accessType: { upstream: 'accessType', schema: { type: 'enum', values: ACCESS_TYPES }, required: true },
  type: { upstream: 'type', schema: { type: 'enum', values: CLIENT_TYPES } },
  internal: { upstream: 'internal', schema: { type: 'boolean' } },
  enabled: { upstream: 'enabled', schema: { type: 'boolean' }, required: true },
  strongAuthSupported: { upstream: 'strongAuthSupported', schema: { type: 'boolean' } },
  claimsSupported: { upstream: 'claimsSupported', schema: { type: 'boolean' } },
  scope: {
    upstream: 'scope',
    schema: { type: 'array', nullable: true, items: { type: 'string' } },
    description: 'Without one, IdentityNow gives the client sp:scopes:all: every right of its owner.',
  },
};

/** The patchable fields as a typed input: each becomes a `replace` operation. */
export const UPDATE_FIELDS: InputSpecs = Object.fromEntries(
  Object.entries(PATCH_RULES.fields).map(([field, { schema }]) => [field, { upstream: field, schema }]),
);

/** "Provide one or more URIs when assigning the AUTHORIZATION_CODE grant type to a new OAuth Client." */
export function redirectUrisProblem(grantTypes: unknown, redirectUris: unknown): string | undefined {
  const wantsCode = Array.isArray(grantTypes) && grantTypes.includes('AUTHORIZATION_CODE');
  return wantsCode && !(Array.isArray(redirectUris) && redirectUris.length > 0)
    ? 'The AUTHORIZATION_CODE grant type needs at least one redirect URI.'
    : undefined;
}
