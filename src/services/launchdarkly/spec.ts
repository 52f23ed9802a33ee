import type { PatchRules } from '../../json-patch.js';

/**
 * LaunchDarkly's OAuth 2.0 client, transcribed once (launchdarkly.openapi.yaml): read by the
 * gateway's input checks and by the sandbox's emulation.
 */

/** Members of the vendor's representation that hold a secret: never read, never in a version. */
export const SECRET_MEMBERS = ['_clientSecret'] as const;

/** "Only name, description, and redirectUri may be patched"; the spec's Client requires name and redirectUri. */
export const PATCH_RULES: PatchRules = {
  vendor: 'LaunchDarkly',
  fields: {
    name: { schema: { type: 'string' } },
    description: { schema: { type: 'string' }, removable: true },
    redirectUri: { schema: { type: 'string' } },
  },
};
