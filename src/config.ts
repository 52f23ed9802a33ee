// The only module that reads process.env: everything else receives a typed Config.
import { auditConfig, type AuditConfig } from './audit/config.js';
import { apiRoot, boolean, ConfigError, httpUrl, integer } from './env.js';
import type { Level } from './log.js';
import type { Sandbox } from './sandbox/index.js';
import { VENDORS, type ServiceId } from './services/index.js';
import type { SandboxSeed, VendorSettings } from './services/vendor.js';
import { parseRate, type Rate } from './upstream/rate-limit.js';

export type { ServiceId } from './services/index.js';
export { ConfigError } from './env.js';

export type Credential =
  | { kind: 'none' }
  | { kind: 'static'; secret: string }
  | { kind: 'clientCredentials'; clientId: string; clientSecret: string; tokenUrl: string };

export interface ServiceConfig {
  /** API root, e.g. https://acme.example.com/api/v3 (no trailing slash). */
  url: string;
  credential: Credential;
  /** The vendor's own settings (its definition's `settings`). */
  settings?: VendorSettings;
  /** Requests per credential the gateway sends at most (<PREFIX>_RATE_LIMIT, by default what the vendor documents). */
  rate?: Rate;
}

export interface UpstreamLimits {
  /** Overall deadline of one upstream call, connection to last byte, retries included. */
  timeoutMs: number;
  connectTimeoutMs: number;
  /** From the request sent to the response headers. */
  headersTimeoutMs: number;
  /** The longest silence between two chunks of a response body. */
  bodyTimeoutMs: number;
  /** Responses larger than this fail with UPSTREAM_ERROR without being buffered whole. */
  maxResponseBytes: number;
  /** Connections per upstream origin; further requests wait for one, within their deadline. */
  maxConnections: number;
  /** Deadline of reading a resource back after a write that failed in doubt. */
  readBackTimeoutMs: number;
  retry: RetryPolicy;
  /** Concurrent identical reads share one upstream call. */
  coalesceReads: boolean;
  /** How long a read's answer may serve the same read again; 0: no cache. */
  cacheTtlMs: number;
  /** Answers the read cache keeps at most, per upstream. */
  cacheMaxEntries: number;
}

export interface RetryPolicy {
  /** Further attempts after the first, when the failure allows one (see src/upstream/retry.ts). */
  retries: number;
  /** First backoff delay; it doubles with each retry and gets jitter. */
  backoffMs: number;
  /** A Retry-After longer than this is not waited for: the error reports it instead. */
  maxRetryAfterMs: number;
}

/** The permissions a caller can hold: reading OAuth resources, changing them, and reading the audit trail. */
export const SCOPES = { read: 'oauth-gateway:read', write: 'oauth-gateway:write', audit: 'oauth-gateway:audit' } as const;
export type Scope = (typeof SCOPES)[keyof typeof SCOPES];
const ALL_SCOPES: readonly Scope[] = Object.values(SCOPES);

export interface ApiKey {
  key: string;
  scopes: readonly Scope[];
}

export interface JwtVerification {
  jwksUrl: string;
  issuer: string;
  audience: string;
}

/** How callers of the gateway prove who they are. Neither keys nor jwt: every caller gets every scope. */
export interface CallerAuthConfig {
  apiKeys: readonly ApiKey[];
  jwt?: JwtVerification;
}

/** What one GraphQL request may ask for. */
export interface OperationLimits {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  /**
   * Upstream requests one GraphQL operation may cause (each root field counts as one up front),
   * besides the list pages and entity references below, which have bounds of their own.
   */
  maxUpstreamCalls: number;
  /** Pages one reading of a vendor's whole list may take (the inventory follows each vendor's paging to its end). */
  maxListPages: number;
  /** Entity references (`_entities` representations) one operation may fetch, one upstream call each. */
  maxEntities: number;
  maxPatchOps: number;
  maxBodyBytes: number;
  /** Longest string accepted anywhere in a query or its variables. */
  maxStringLength: number;
}

/** What one client connection may hold of the gateway's HTTP server. */
export interface ServerLimits {
  /** From the first byte of a request to the end of its headers. */
  headersTimeoutMs: number;
  /** From the first byte of a request to the end of its body (not its answer). */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
  /** Connections open at once; further ones are closed as they arrive. */
  maxConnections: number;
}

/** Where spans go when tracing is on: OTLP over HTTP (see tracingConfig). */
export interface TracingConfig {
  /** The traces URL itself, e.g. http://otel-collector:4318/v1/traces. */
  endpoint: string;
  protocol: 'http/protobuf' | 'http/json';
}

export interface Config {
  host: string;
  port: number;
  /** Set: /metrics is served on this port alone, not on the main one. */
  metricsPort?: number;
  logLevel: Level;
  /** Absent: tracing is off, and no OpenTelemetry SDK is loaded. */
  tracing?: TracingConfig;
  server: ServerLimits;
  /** Set when no upstream is configured: start the in-memory vendor emulations and point at them. */
  sandbox: boolean;
  services: Partial<Record<ServiceId, ServiceConfig>>;
  /** Each vendor's own settings, configured or not (the sandbox reads them too). */
  vendorSettings: Partial<Record<ServiceId, VendorSettings>>;
  /** The rate limits set explicitly (<PREFIX>_RATE_LIMIT), the only ones the sandbox applies: its emulations have no quota. */
  explicitRates: Partial<Record<ServiceId, Rate>>;
  /** What the sandbox seeds beside its samples. */
  sandboxSeed: SandboxSeed;
  upstream: UpstreamLimits;
  /** How long in-flight requests may run after SIGTERM/SIGINT before their connections are cut. */
  shutdownTimeoutMs: number;
  production: boolean;
  auth: CallerAuthConfig;
  limits: OperationLimits;
  introspection: boolean;
  graphiql: boolean;
  /** Browser origins allowed by CORS; empty: no CORS headers, so browsers on other origins are refused. */
  corsOrigins: readonly string[];
  /** Where the audit trail is kept, how long, and what happens when it cannot be written. */
  audit: AuditConfig;
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  // The variable's name is both what is read and what an error names, so it is written once.
  const int = (name: string, fallback: number, min: number, max: number) => integer(name, get(name), fallback, min, max);

  const services: Partial<Record<ServiceId, ServiceConfig>> = {};
  const vendorSettings: Partial<Record<ServiceId, VendorSettings>> = {};
  const explicitRates: Partial<Record<ServiceId, Rate>> = {};
  for (const vendor of VENDORS) {
    const settings = vendor.settings?.(get);
    if (settings) vendorSettings[vendor.id] = settings;
    const rateName = `${vendor.envPrefix}_RATE_LIMIT`;
    const explicit = get(rateName);
    const rate = rateSetting(rateName, explicit ?? vendor.quota?.rate ?? 'off');
    if (explicit !== undefined && rate) explicitRates[vendor.id] = rate;
    const name = `${vendor.envPrefix}_URL`;
    const url = get(name);
    // A vendor with one public API root is configured by its credential alone.
    const configured = url !== undefined || (vendor.defaultUrl !== undefined && vendor.credential(get, vendor.defaultUrl).kind !== 'none');
    if (!configured) continue;
    const root = apiRoot(name, url ?? vendor.defaultUrl!);
    services[vendor.id] = {
      url: root,
      credential: vendor.credential(get, root),
      ...(settings ? { settings } : {}),
      ...(rate ? { rate } : {}),
    };
  }

  const host = get('HOST') ?? '127.0.0.1';
  const sandbox = Object.keys(services).length === 0;
  const production = get('NODE_ENV') === 'production';
  const auth = callerAuth(get);
  requireCallerAuth({
    auth,
    services,
    sandbox,
    host,
    allowAnonymous: boolean('GATEWAY_ALLOW_ANONYMOUS', get('GATEWAY_ALLOW_ANONYMOUS'), false),
  });

  const server: ServerLimits = {
    headersTimeoutMs: int('GATEWAY_HEADERS_TIMEOUT_MS', 10_000, 100, 600_000),
    requestTimeoutMs: int('GATEWAY_REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000),
    keepAliveTimeoutMs: int('GATEWAY_KEEP_ALIVE_TIMEOUT_MS', 5_000, 100, 600_000),
    maxConnections: int('GATEWAY_MAX_CONNECTIONS', 1024, 1, 1_000_000),
  };
  // Node refuses a headers bound longer than the whole request's.
  if (server.headersTimeoutMs > server.requestTimeoutMs) {
    throw new ConfigError('GATEWAY_HEADERS_TIMEOUT_MS may not be longer than GATEWAY_REQUEST_TIMEOUT_MS');
  }

  const port = int('PORT', 4000, 0, 65535);
  const metricsPort = get('GATEWAY_METRICS_PORT') === undefined ? undefined : int('GATEWAY_METRICS_PORT', 0, 0, 65535);
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === port)
    throw new ConfigError('GATEWAY_METRICS_PORT must differ from PORT');
  const tracing = tracingConfig(get);

  return {
    host,
    port,
    ...(metricsPort !== undefined ? { metricsPort } : {}),
    logLevel: oneOf('LOG_LEVEL', get('LOG_LEVEL'), LOG_LEVELS, 'info'),
    ...(tracing ? { tracing } : {}),
    server,
    sandbox,
    services,
    vendorSettings,
    explicitRates,
    sandboxSeed: { extraApplications: int('SANDBOX_EXTRA_APPLICATIONS', 0, 0, 10_000) },
    upstream: {
      timeoutMs: int('UPSTREAM_TIMEOUT_MS', 10_000, 1, 300_000),
      connectTimeoutMs: int('UPSTREAM_CONNECT_TIMEOUT_MS', 3_000, 1, 60_000),
      headersTimeoutMs: int('UPSTREAM_HEADERS_TIMEOUT_MS', 8_000, 1, 300_000),
      bodyTimeoutMs: int('UPSTREAM_BODY_TIMEOUT_MS', 8_000, 1, 300_000),
      maxResponseBytes: int('UPSTREAM_MAX_RESPONSE_BYTES', 5 * 1024 * 1024, 1024, 1024 ** 3),
      maxConnections: int('UPSTREAM_MAX_CONNECTIONS', 32, 1, 4096),
      readBackTimeoutMs: int('UPSTREAM_READBACK_TIMEOUT_MS', 3_000, 1, 60_000),
      retry: {
        retries: int('UPSTREAM_RETRIES', 2, 0, 10),
        backoffMs: int('UPSTREAM_RETRY_BACKOFF_MS', 200, 0, 60_000),
        maxRetryAfterMs: 1000 * int('UPSTREAM_MAX_RETRY_AFTER_SECONDS', 5, 0, 3600),
      },
      coalesceReads: boolean('UPSTREAM_COALESCE_READS', get('UPSTREAM_COALESCE_READS'), true),
      cacheTtlMs: int('UPSTREAM_CACHE_TTL_MS', 0, 0, 3_600_000),
      cacheMaxEntries: int('UPSTREAM_CACHE_MAX_ENTRIES', 1000, 1, 1_000_000),
    },
    shutdownTimeoutMs: int('SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    production,
    auth,
    limits: {
      maxDepth: int('GATEWAY_MAX_DEPTH', 10, 1, 100),
      maxAliases: int('GATEWAY_MAX_ALIASES', 15, 0, 1000),
      maxTokens: int('GATEWAY_MAX_TOKENS', 1000, 50, 100_000),
      maxUpstreamCalls: int('GATEWAY_MAX_UPSTREAM_CALLS', 10, 1, 1000),
      maxListPages: int('GATEWAY_MAX_LIST_PAGES', 50, 1, 10_000),
      maxEntities: int('GATEWAY_MAX_ENTITIES', 100, 1, 10_000),
      maxPatchOps: int('GATEWAY_MAX_PATCH_OPS', 100, 1, 10_000),
      maxBodyBytes: int('GATEWAY_MAX_BODY_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024),
      maxStringLength: int('GATEWAY_MAX_STRING_LENGTH', 10_000, 100, 10_000_000),
    },
    // Both help attackers map the schema, so production turns them off unless asked.
    introspection: boolean('GATEWAY_INTROSPECTION', get('GATEWAY_INTROSPECTION'), !production),
    graphiql: boolean('GATEWAY_GRAPHIQL', get('GATEWAY_GRAPHIQL'), !production),
    corsOrigins: (get('GATEWAY_CORS_ORIGINS') ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin !== '')
      .map((origin) => corsOrigin(origin)),
    audit: auditConfig(get, sandbox),
  };
}

const LOG_LEVELS: readonly Level[] = ['debug', 'info', 'warn', 'error'];

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}`);
  return value as T;
}

/**
 * Tracing from OpenTelemetry's standard variables: on when an OTLP endpoint is set (or
 * OTEL_TRACES_EXPORTER=otlp, which means the spec's default, localhost:4318), off with none, with
 * OTEL_TRACES_EXPORTER=none or OTEL_SDK_DISABLED=true. Decided here, with the endpoint and protocol;
 * the SDK reads the rest of its variables itself (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
 * OTEL_TRACES_SAMPLER[_ARG], OTEL_EXPORTER_OTLP_[TRACES_]HEADERS, _TIMEOUT, _COMPRESSION, OTEL_BSP_*).
 */
function tracingConfig(get: (name: string) => string | undefined): TracingConfig | undefined {
  const disabled = boolean('OTEL_SDK_DISABLED', get('OTEL_SDK_DISABLED'), false);
  const exporters = (get('OTEL_TRACES_EXPORTER') ?? '')
    .split(',')
    .map((exporter) => exporter.trim())
    .filter((exporter) => exporter !== '');
  const unsupported = exporters.find((exporter) => exporter !== 'otlp' && exporter !== 'none');
  if (unsupported) throw new ConfigError(`OTEL_TRACES_EXPORTER: "${unsupported}" is not supported; use otlp or none`);
  const tracesEndpoint = get('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const baseEndpoint = get('OTEL_EXPORTER_OTLP_ENDPOINT');
  const protocol = get('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? get('OTEL_EXPORTER_OTLP_PROTOCOL') ?? 'http/protobuf';
  if (disabled || exporters.includes('none')) return undefined;
  if (tracesEndpoint === undefined && baseEndpoint === undefined && !exporters.includes('otlp')) return undefined;
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw new ConfigError(`OTEL_EXPORTER_OTLP_PROTOCOL: "${protocol}" is not supported; use http/protobuf or http/json`);
  }
  // As the spec says: the traces endpoint is used as it is; the base one gets /v1/traces appended.
  const endpoint =
    tracesEndpoint !== undefined
      ? httpUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', tracesEndpoint)
      : `${httpUrl('OTEL_EXPORTER_OTLP_ENDPOINT', baseEndpoint ?? 'http://localhost:4318').replace(/\/+$/, '')}/v1/traces`;
  return { endpoint, protocol };
}

/** `<PREFIX>_RATE_LIMIT`: a rate such as `100/10s`, or `off`. */
function rateSetting(name: string, value: string): Rate | undefined {
  if (value.toLowerCase() === 'off') return undefined;
  const rate = parseRate(value);
  if (!rate)
    throw new ConfigError(
      `${name} must be a rate such as 100/10s, 5/s or 600/1m (requests per ms, s or m), or off; got ${JSON.stringify(value)}`,
    );
  return rate;
}

/** The config pointed at the sandbox's emulations, with the sandbox's own throwaway credentials. */
export function sandboxConfig(config: Config, sandbox: Sandbox): Config {
  const services: Config['services'] = {};
  for (const vendor of VENDORS) {
    const emulation = sandbox.services[vendor.id];
    const settings = config.vendorSettings[vendor.id];
    const rate = config.explicitRates[vendor.id];
    services[vendor.id] = {
      url: emulation.url,
      credential: { kind: 'static', secret: emulation.secret },
      ...(settings ? { settings } : {}),
      ...(rate ? { rate } : {}),
    };
  }
  return { ...config, services };
}

// An API key is a random token: long enough not to be guessed, and free of the list's separators.
const API_KEY = /^[A-Za-z0-9._~+/=-]{16,512}$/;

/**
 * GATEWAY_API_KEYS: comma-separated entries, each `key` (every scope) or `key:scope scope...`
 * (the key ends at the first ":"). GATEWAY_JWKS_URL with GATEWAY_JWT_ISSUER and GATEWAY_JWT_AUDIENCE.
 */
function callerAuth(get: (name: string) => string | undefined): CallerAuthConfig {
  const apiKeys: ApiKey[] = [];
  for (const entry of (get('GATEWAY_API_KEYS') ?? '').split(',')) {
    const trimmed = entry.trim();
    if (trimmed === '') continue;
    const colon = trimmed.indexOf(':');
    const key = colon === -1 ? trimmed : trimmed.slice(0, colon);
    // The message never quotes the entry: it is a secret.
    if (!API_KEY.test(key)) {
      throw new ConfigError(`GATEWAY_API_KEYS entry ${apiKeys.length + 1}: a key must be 16 to 512 letters, digits or ._~+/=- characters`);
    }
    const scopes =
      colon === -1
        ? ALL_SCOPES
        : trimmed
            .slice(colon + 1)
            .split(/\s+/)
            .filter((s) => s !== '');
    for (const scope of scopes) {
      if (!ALL_SCOPES.includes(scope as Scope)) {
        throw new ConfigError(`GATEWAY_API_KEYS entry ${apiKeys.length + 1}: unknown scope "${scope}" (known: ${ALL_SCOPES.join(', ')})`);
      }
    }
    if (scopes.length === 0) throw new ConfigError(`GATEWAY_API_KEYS entry ${apiKeys.length + 1}: no scope after ":"`);
    if (apiKeys.some((k) => k.key === key))
      throw new ConfigError(`GATEWAY_API_KEYS entry ${apiKeys.length + 1}: the same key is listed twice`);
    apiKeys.push({ key, scopes: scopes as Scope[] });
  }

  const jwksUrl = get('GATEWAY_JWKS_URL');
  const issuer = get('GATEWAY_JWT_ISSUER');
  const audience = get('GATEWAY_JWT_AUDIENCE');
  if (!jwksUrl) {
    if (issuer || audience) throw new ConfigError('GATEWAY_JWT_ISSUER and GATEWAY_JWT_AUDIENCE need GATEWAY_JWKS_URL');
    return { apiKeys };
  }
  // Without both checks, a token issued by the same identity provider for another application would be accepted.
  if (!issuer || !audience) throw new ConfigError('GATEWAY_JWKS_URL needs GATEWAY_JWT_ISSUER and GATEWAY_JWT_AUDIENCE');
  const url = new URL(httpUrl('GATEWAY_JWKS_URL', jwksUrl));
  // Keys fetched over plain HTTP could be swapped by anyone on the path, except on this machine.
  if (url.protocol !== 'https:' && !isLoopback(url.hostname))
    throw new ConfigError('GATEWAY_JWKS_URL must be https (http only on loopback)');
  return { apiKeys, jwt: { jwksUrl: url.toString(), issuer, audience } };
}

/**
 * A gateway that holds upstream credentials lends them to every caller it lets in, so it must know
 * its callers. The sandbox holds no real credential, and on loopback only this machine can reach it.
 */
function requireCallerAuth(options: {
  auth: CallerAuthConfig;
  services: Partial<Record<ServiceId, ServiceConfig>>;
  sandbox: boolean;
  host: string;
  allowAnonymous: boolean;
}): void {
  const { auth, services, sandbox, host, allowAnonymous } = options;
  if (auth.apiKeys.length > 0 || auth.jwt || allowAnonymous) return;
  const holding = Object.entries(services)
    .filter(([, service]) => service.credential.kind !== 'none')
    .map(([id]) => id);
  if (holding.length > 0) {
    throw new ConfigError(
      `the gateway holds credentials for ${holding.join(', ')} but no caller authentication is configured: set GATEWAY_API_KEYS or GATEWAY_JWKS_URL, or GATEWAY_ALLOW_ANONYMOUS=true to let anyone use them`,
    );
  }
  if (sandbox && !isLoopback(host)) {
    throw new ConfigError(
      `the sandbox listens on ${host}, beyond loopback, with no caller authentication: set GATEWAY_API_KEYS or GATEWAY_JWKS_URL, or GATEWAY_ALLOW_ANONYMOUS=true`,
    );
  }
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

function corsOrigin(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`GATEWAY_CORS_ORIGINS: "${value}" is not an origin such as https://app.example.com`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== value.replace(/\/$/, '')) {
    throw new ConfigError(`GATEWAY_CORS_ORIGINS: "${value}" is not an origin such as https://app.example.com`);
  }
  return url.origin;
}
