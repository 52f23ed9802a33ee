import type { PatchRules } from '../../json-patch.js';

/**
 * LaunchDarkly's OAuth 2.0 client, transcribed once (launchdarkly.openapi.yaml): read by the
 * gateway's input checks and by the sandbox's emulation.
 */

/** "Only name, description, and redirectUri may be patched"; the spec's Client requires name and redirectUri. */
export const PATCH_RULES: PatchRules = {
  vendor: 'LaunchDarkly',
  fields: {
    name: { schema: { type: 'string' } },
    description: { schema: { type: 'string' }, removable: true },
    redirectUri: { schema: { type: 'string' } },
  },
};
