import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { API_KEY_HEADER, callerAuthenticator } from './auth/authenticator.js';
import { callerAuth, callerOf } from './auth/plugin.js';
import { NO_JOURNAL, type WriteJournal } from './changes/write.js';
import type { Config } from './config.js';
import { callerCredentials, type Context } from './context.js';
import { entityBudget, EntityLoader } from './entity-loader.js';
import { log } from './log.js';
import { csrfPrevention, PREFLIGHT_HEADERS } from './plugins/csrf-prevention.js';
import { errorCodes } from './plugins/error-codes.js';
import { requestBody } from './plugins/request-body.js';
import { noIntrospection } from './plugins/no-introspection.js';
import { operationLimits } from './plugins/operation-limits.js';
import { partialResults } from './plugins/partial-results.js';
import { variableErrors } from './plugins/variable-errors.js';
import { schema } from './schema.js';
import { VENDORS, type ServiceId } from './services/index.js';
import { REQUEST_ID_HEADER, requestTrace } from './trace/plugin.js';
import { RequestTrace, traceOf } from './trace/request-trace.js';
import { UpstreamClient } from './upstream/client.js';
import type { Clock } from './upstream/credentials.js';
import { UpstreamPools } from './upstream/pools.js';

// The header in which a caller may send its own credential, by upstream.
const CALLER_CREDENTIAL_HEADERS: ReadonlyArray<readonly [ServiceId, string]> = VENDORS.map(
  (vendor) => [vendor.id, vendor.auth.callerHeader] as const,
);

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

/** yoga's own messages as JSON lines: an error's name and message only, never the objects it carries. */
const serverLogger = {
  debug: () => {},
  info: () => {},
  warn: (...args: unknown[]) => log.warn('graphql server warning', { detail: describe(args) }),
  error: (...args: unknown[]) => log.error('graphql server error', { detail: describe(args) }),
};

function describe(args: unknown[]): string {
  return args
    .map((arg) => (arg instanceof Error ? `${arg.name}: ${arg.message}` : typeof arg === 'string' ? arg : typeof arg))
    .join(' ')
    .slice(0, 500);
}

export interface Gateway {
  yoga: YogaServerInstance<Record<string, never>, Context>;
  /** Closes the upstream connection pools once their requests in flight are done; `force` cuts them. */
  close(options?: { force?: boolean }): Promise<void>;
}

export interface GatewayOptions {
  /** The time source for token expiry; tests move it forward instead of waiting. */
  clock?: Clock;
  /** Where writes are recorded; none by default. */
  journal?: WriteJournal;
}

export function createGateway(config: Config, options: GatewayOptions = {}): Gateway {
  const pools = new UpstreamPools(config.upstream);
  const upstreams: Context['upstreams'] = {};
  for (const vendor of VENDORS) {
    const service = config.services[vendor.id];
    if (service) upstreams[vendor.id] = new UpstreamClient(vendor.id, service, vendor.auth.scheme, config.upstream, pools, options.clock);
  }
  const { limits } = config;
  const journal = options.journal ?? NO_JOURNAL;
  const healthCheckEndpoint = '/health';

  const yoga = createYoga<Record<string, never>, Context>({
    schema,
    // The clients are shared; the trace, the entity loader and the caller's own upstream credentials belong to this request alone.
    context: ({ request }): Context => {
      const trace = traceOf(request) ?? new RequestTrace(limits.maxUpstreamCalls);
      const context: Context = {
        upstreams,
        limits,
        readBackTimeoutMs: config.upstream.readBackTimeoutMs,
        trace,
        calls: trace,
        caller: callerOf(request),
        journal,
        entities: new EntityLoader(() => ({ ...context, calls: entityBudget(trace, limits.maxEntities) })),
        callerCredentials: callerCredentials(request.headers, CALLER_CREDENTIAL_HEADERS),
      };
      return context;
    },
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint,
    landingPage: false,
    graphiql: config.graphiql ? { title: 'OAuth gateway', defaultQuery: EXAMPLE_QUERY } : false,
    // GraphiQL's assets are served by the gateway itself, so it works where the CDN is out of reach.
    // They are 9 MB of script (about 35 MB of memory), so they are loaded with the first page asked
    // for, and never where GraphiQL is off (production).
    renderGraphiQL: async (options) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
    logging: serverLogger,
    // Unexpected errors answer "Unexpected error." whatever NODE_ENV says; only coded errors carry their message.
    maskedErrors: { isDev: false },
    // Enforced by requestBody: the same limit and 413, at a fraction of yoga's cost per request.
    maxRequestBodySize: false,
    multipart: false,
    batching: false,
    cors:
      config.corsOrigins.length > 0
        ? {
            origin: [...config.corsOrigins],
            credentials: false,
            methods: ['GET', 'POST'],
            allowedHeaders: [
              'content-type',
              'authorization',
              API_KEY_HEADER,
              ...PREFLIGHT_HEADERS,
              ...CALLER_CREDENTIAL_HEADERS.map(([, header]) => header.toLowerCase()),
            ],
            exposedHeaders: [REQUEST_ID_HEADER],
          }
        : false,
    plugins: [
      requestTrace({ maxUpstreamCalls: limits.maxUpstreamCalls, healthCheckEndpoint }),
      csrfPrevention(),
      callerAuth(callerAuthenticator(config.auth)),
      requestBody(limits.maxBodyBytes),
      operationLimits(limits),
      ...(config.introspection ? [] : [noIntrospection()]),
      variableErrors(),
      partialResults(),
      errorCodes({ suggestions: config.introspection }),
    ],
  });

  return {
    yoga,
    close: (closeOptions) => (closeOptions?.force ? pools.destroy() : pools.close()),
  };
}
