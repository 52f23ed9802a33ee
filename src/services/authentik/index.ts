import { defineVendor, staticCredential } from '../vendor.js';
import { startSandbox } from './sandbox.js';
import { readSettings, settingsOf } from './settings.js';
// The schema modules: importing them adds the vendor's types, queries and mutations to the builder.
import './oauth2-provider.js';
import './oauth-source.js';
import { authentikProviders, authentikSources } from './inventory.js';

/** authentik's API (/api/v3): OAuth2 providers and OAuth sources. */
export const authentik = defineVendor({
  id: 'authentik',
  envPrefix: 'AUTHENTIK',
  auth: { scheme: 'bearer', callerHeader: 'X-Authentik-Token' },
  credential: (env) => staticCredential(env, 'AUTHENTIK_TOKEN'),
  // AUTHENTIK_API_VERSION, SANDBOX_AUTHENTIK_VERSION.
  settings: readSettings,
  // authentik throttles only unauthenticated requests (DRF's AnonRateThrottle): no rate by default.
  secretMembers: ['client_secret', 'consumer_secret'],
  // No readsChangedBy: any write may change any read. A change may move a resource to another path
  // (a source's key is its slug, which a change may rename), and a provider's answer names sources and
  // other providers (jwt_federation_sources, jwt_federation_providers), which deleting one changes.
  sandbox: (settings, seed) => startSandbox(settingsOf(settings).sandboxRelease, seed.extraApplications),
  applications: [authentikProviders, authentikSources],
});
