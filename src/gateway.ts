import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Config, ServiceId } from './config.js';
import type { Context } from './context.js';
import { EntityLoader } from './entity-loader.js';
import { variableErrors } from './plugins/variable-errors.js';
import { schema } from './schema.js';
import { UpstreamClient } from './upstream/client.js';
import type { AuthScheme } from './upstream/credentials.js';

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
  /** Closes the upstream connection pools. */
  close(): Promise<void>;
}

export function createGateway(config: Config): Gateway {
  const upstreams: Context['upstreams'] = {};
  for (const [service, serviceConfig] of Object.entries(config.services) as Array<[ServiceId, NonNullable<Config['services'][ServiceId]>]>) {
    upstreams[service] = new UpstreamClient(service, serviceConfig, AUTH_SCHEMES[service], config.upstream);
  }

  const yoga = createYoga<Record<string, never>, Context>({
    schema,
    context: (): Context => ({ upstreams, entities: new EntityLoader() }),
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
    close: async () => {
      await Promise.all(Object.values(upstreams).map((client) => client.close()));
    },
  };
}
