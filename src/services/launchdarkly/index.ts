import { RESOURCE_TREE } from '../../upstream/read-sharing.js';
import { defineVendor, staticCredential } from '../vendor.js';
import { startSandbox } from './sandbox.js';
// The schema modules: importing them adds the vendor's types, queries and mutations to the builder.
import './oauth-client.js';
import { launchDarklyClients } from './inventory.js';
import { launchDarklyQuota } from './quota.js';
import { SECRET_MEMBERS } from './spec.js';

/** LaunchDarkly's REST API. It has one public API root, so an access token alone configures it. */
export const launchdarkly = defineVendor({
  id: 'launchdarkly',
  envPrefix: 'LAUNCHDARKLY',
  defaultUrl: 'https://app.launchdarkly.com',
  // The access token goes in Authorization as it is, without a scheme.
  auth: { scheme: 'raw', callerHeader: 'X-LaunchDarkly-Api-Key' },
  credential: (env) => staticCredential(env, 'LAUNCHDARKLY_API_KEY'),
  // No numbers are published: its answers say what is left.
  quota: { signals: launchDarklyQuota },
  secretMembers: SECRET_MEMBERS,
  // Its answers hold one OAuth client or a list of them: a write changes no read of another client.
  readsChangedBy: RESOURCE_TREE,
  sandbox: (_settings, seed) => startSandbox(seed.extraApplications),
  applications: [launchDarklyClients],
});
