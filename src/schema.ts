import { builder } from './builder.js';
import './json-patch.js';
import './services/identitynow/oauth-client.js';
import './services/launchdarkly/oauth-client.js';
import './services/authentik/oauth2-provider.js';
import './services/authentik/oauth-source.js';

export const schema = builder.toSchema();
