import type { InputSpecs } from '../../changes/inputs.js';
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

/**
 * oauthClientPost. The spec lists no required member, but the Client it answers with requires name
 * and redirectUri, so a create without them could not succeed.
 */
export const CREATE_FIELDS: InputSpecs = {
  name: { upstream: 'name', schema: { type: 'string' }, required: true },
  redirectUri: {
    upstream: 'redirectUri',
    schema: { type: 'string' },
    required: true,
    description: 'An absolute URL, https as LaunchDarkly asks.',
  },
  description: { upstream: 'description', schema: { type: 'string' } },
};

/** The patchable members as a typed input: a value becomes `replace` (`add` for the description, which may be absent), a null description is removed. */
export const UPDATE_FIELDS: InputSpecs = {
  name: { upstream: 'name', schema: { type: 'string' } },
  description: { upstream: 'description', schema: { type: 'string', nullable: true }, description: 'null removes it.' },
  redirectUri: { upstream: 'redirectUri', schema: { type: 'string' } },
};

/** "redirectUri should be an absolute URL". */
export function redirectUriProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    new URL(value);
    return undefined;
  } catch {
    return 'must be an absolute URL, e.g. https://app.example.com/callback.';
  }
}
