import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { API_KEY_HEADER, callerAuthenticator } from './auth/authenticator.js';
import { callerAuth, callerOf } from './auth/plugin.js';
import { AuditTrail } from './audit/trail.js';
import { NO_JOURNAL, type WriteJournal } from './changes/write.js';
import type { Config } from './config.js';
import { callerCredentials, type Context } from './context.js';
import { entityBudget, EntityLoader } from './entity-loader.js';
import { log } from './log.js';
import { metricsPlugin } from './metrics/plugin.js';
import { GatewayMetrics } from './metrics/registry.js';
import { METRICS_PATH } from './metrics/server.js';
import { csrfPrevention, PREFLIGHT_HEADERS } from './plugins/csrf-prevention.js';
import { errorCodes } from './plugins/error-codes.js';
import { graphiqlPage } from './plugins/graphiql-page.js';
import { requestBody } from './plugins/request-body.js';
import { noIntrospection } from './plugins/no-introspection.js';
import { operationLimits } from './plugins/operation-limits.js';
import { partialResults } from './plugins/partial-results.js';
import { variableErrors } from './plugins/variable-errors.js';
import { readiness, READY_PATH, type ReadinessCheck } from './readiness.js';
import { schema } from './schema.js';
import { VENDORS, type ServiceId } from './services/index.js';
import { requestTrace } from './trace/plugin.js';
import { REQUEST_ID_HEADER, RequestTrace, traceOf } from './trace/request-trace.js';
import type { Tracing } from './tracing/index.js';
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
  /** Its Prometheus metrics (served at /metrics, or by main.ts on GATEWAY_METRICS_PORT). */
  metrics: GatewayMetrics;
  /** Closes the upstream connection pools once their requests in flight are done; `force` cuts them. */
  close(options?: { force?: boolean }): Promise<void>;
}

export interface GatewayOptions {
  /** The time source for token expiry; tests move it forward instead of waiting. */
  clock?: Clock;
  /** Where writes are recorded; none by default. An AuditTrail is also read by auditEvents and checked by /ready. */
  journal?: WriteJournal;
  /** What /ready checks besides the configuration and the tokens the gateway obtains itself (the audit store). */
  readinessChecks?: readonly ReadinessCheck[];
  /** Its metrics; by default its own. */
  metrics?: GatewayMetrics;
  /** OpenTelemetry tracing (startTracing); off by default. */
  tracing?: Tracing;
}

export function createGateway(config: Config, options: GatewayOptions = {}): Gateway {
  const pools = new UpstreamPools(config.upstream);
  const metrics = options.metrics ?? new GatewayMetrics();
  const { tracing } = options;
  const telemetry = tracing ? [metrics.upstream, tracing.upstream] : [metrics.upstream];
  const upstreams: Context['upstreams'] = {};
  const audit = options.journal instanceof AuditTrail ? options.journal : undefined;
  const checks: ReadinessCheck[] = [{ name: 'configuration', check: async () => true }];
  for (const vendor of VENDORS) {
    const service = config.services[vendor.id];
    if (!service) continue;
    const client = new UpstreamClient(vendor.id, service, vendor.auth.scheme, config.upstream, pools, {
      clock: options.clock,
      telemetry,
      sharing: {
        secretMembers: vendor.secretMembers,
        ...(vendor.readsChangedBy ? { readsChangedBy: vendor.readsChangedBy } : {}),
        ...(vendor.quota?.signals ? { quotaSignals: vendor.quota.signals } : {}),
        ...(audit?.rateTokens ? { rateTokens: audit.rateTokens } : {}),
      },
    });
    upstreams[vendor.id] = client;
    if (client.tokenObtainable) checks.push({ name: `${vendor.id} token`, check: client.tokenObtainable });
  }
  if (audit) checks.push({ name: 'audit store', check: () => audit.writable() });
  checks.push(...(options.readinessChecks ?? []));
  const { limits } = config;
  const journal = metrics.journal(options.journal ?? NO_JOURNAL, options.journal !== undefined);
  const healthCheckEndpoint = '/health';
  const graphiql = graphiqlPage();

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
        audit,
        entities: new EntityLoader(() => ({ ...context, calls: entityBudget(trace, limits.maxEntities) })),
        callerCredentials: callerCredentials(request.headers, CALLER_CREDENTIAL_HEADERS),
        callerGone: request.signal,
      };
      return context;
    },
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint,
    landingPage: false,
    graphiql: config.graphiql ? { title: 'OAuth gateway', defaultQuery: EXAMPLE_QUERY } : false,
    renderGraphiQL: graphiql.render,
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
      // First, so its span wraps everything the request does.
      ...(tracing ? [tracing.plugin] : []),
      requestTrace({ maxUpstreamCalls: limits.maxUpstreamCalls, probePaths: [healthCheckEndpoint, READY_PATH, METRICS_PATH] }),
      // /metrics on the main port only when it has no port of its own; like /health and /ready, before caller authentication.
      metricsPlugin(metrics, { graphqlEndpoint: '/graphql', ...(config.metricsPort === undefined ? { endpoint: METRICS_PATH } : {}) }),
      readiness(checks),
      ...(config.graphiql ? [graphiql.plugin] : []),
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
    metrics,
    close: (closeOptions) => (closeOptions?.force ? pools.destroy() : pools.close()),
  };
}
