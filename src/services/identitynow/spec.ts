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
