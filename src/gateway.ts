import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Config, ServiceId } from './config.js';
import { callerCredentials, type Context } from './context.js';
import { EntityLoader } from './entity-loader.js';
import { variableErrors } from './plugins/variable-errors.js';
import { schema } from './schema.js';
import { UpstreamClient } from './upstream/client.js';
import type { AuthScheme, Clock } from './upstream/credentials.js';
import { UpstreamPools } from './upstream/pools.js';

// How each vendor takes its credential: authentik and IdentityNow a bearer token, LaunchDarkly the bare access token.
const AUTH_SCHEMES: Record<ServiceId, AuthScheme> = {
  identitynow: 'bearer',
  authentik: 'bearer',
  launchdarkly: 'raw',
};

export const EXAMPLE_QUERY = `# The gateway over authentik, SailPoint IdentityNow and LaunchDarkly.
# Press the run button: this reads the sandbox's IdentityNow clients, then patches one.

query Clients {
  oauthClients { id name enabled grantTypes accessTokenValiditySeconds }
}

mutation PatchClient {
  patchOAuthClient(
    id: "2c9180835d2e5168015d32f890ca1581"
    ops: [
      { op: REPLACE, path: "/description", value: "Changed through the gateway" }
      { op: REPLACE, path: "/accessTokenValiditySeconds", value: 900 }
    ]
  ) { id name description accessTokenValiditySeconds modified }
}
`;

export interface Gateway {
  yoga: YogaServerInstance<Record<string, never>, Context>;
  /** Closes the upstream connection pools once their requests in flight are done; `force` cuts them. */
  close(options?: { force?: boolean }): Promise<void>;
}

export interface GatewayOptions {
  /** The time source for token expiry; tests move it forward instead of waiting. */
  clock?: Clock;
}

export function createGateway(config: Config, options: GatewayOptions = {}): Gateway {
  const pools = new UpstreamPools(config.upstream);
  const upstreams: Context['upstreams'] = {};
  for (const [service, serviceConfig] of Object.entries(config.services) as Array<[ServiceId, NonNullable<Config['services'][ServiceId]>]>) {
    upstreams[service] = new UpstreamClient(service, serviceConfig, AUTH_SCHEMES[service], config.upstream, pools, options.clock);
  }

  const yoga = createYoga<Record<string, never>, Context>({
    schema,
    // The clients are shared; the entity loader and the caller's own upstream credentials belong to this request alone.
    context: ({ request }): Context => ({ upstreams, entities: new EntityLoader(), callerCredentials: callerCredentials(request.headers) }),
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    graphiql: config.production ? false : { title: 'OAuth gateway', defaultQuery: EXAMPLE_QUERY },
    // GraphiQL's assets are served by the gateway itself, so it works where the CDN is out of reach.
    renderGraphiQL,
    logging: 'warn',
    plugins: [variableErrors()],
  });

  return {
    yoga,
    close: (closeOptions) => (closeOptions?.force ? pools.destroy() : pools.close()),
  };
}
