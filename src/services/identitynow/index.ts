import { ConfigError, httpUrl } from '../../env.js';
import { RESOURCE_TREE } from '../../upstream/read-sharing.js';
import { defineVendor, staticCredential } from '../vendor.js';
import { startSandbox } from './sandbox.js';
// The schema modules: importing them adds the vendor's types, queries and mutations to the builder.
import './oauth-client.js';
import { identityNowClients } from './inventory.js';
import { SECRET_MEMBERS } from './spec.js';

/** SailPoint Identity Security Cloud (IdentityNow), beta API. */
export const identitynow = defineVendor({
  id: 'identitynow',
  envPrefix: 'IDENTITYNOW',
  auth: { scheme: 'bearer', callerHeader: 'X-IdentityNow-Token' },
  // A token, or a client the gateway obtains and renews its own tokens for (client credentials grant).
  credential(env, apiRoot) {
    const clientId = env('IDENTITYNOW_CLIENT_ID');
    const clientSecret = env('IDENTITYNOW_CLIENT_SECRET');
    const token = env('IDENTITYNOW_TOKEN');
    if (!clientId && !clientSecret) return staticCredential(env, 'IDENTITYNOW_TOKEN');
    if (!clientId || !clientSecret) throw new ConfigError('IDENTITYNOW_CLIENT_ID and IDENTITYNOW_CLIENT_SECRET must be set together');
    if (token) throw new ConfigError('set either IDENTITYNOW_TOKEN or IDENTITYNOW_CLIENT_ID/IDENTITYNOW_CLIENT_SECRET, not both');
    const tokenUrl = env('IDENTITYNOW_TOKEN_URL') ?? `${new URL(apiRoot).origin}/oauth/token`;
    return { kind: 'clientCredentials', clientId, clientSecret, tokenUrl: httpUrl('IDENTITYNOW_TOKEN_URL', tokenUrl) };
  },
  // "100 requests per client_id and API version per 10 seconds" (SailPoint's rate-limit page); a 429 says Retry-After.
  quota: { rate: '100/10s' },
  secretMembers: SECRET_MEMBERS,
  // Its answers hold one OAuth client or a list of them: a write changes no read of another client.
  readsChangedBy: RESOURCE_TREE,
  sandbox: (_settings, seed) => startSandbox(seed.extraApplications),
  applications: [identityNowClients],
});
