// The only module that reads process.env: everything else receives a typed Config.
import type { Sandbox } from './sandbox/index.js';

export type ServiceId = 'identitynow' | 'launchdarkly' | 'authentik';
export const SERVICE_IDS: readonly ServiceId[] = ['identitynow', 'launchdarkly', 'authentik'];

export type Credential =
  | { kind: 'none' }
  | { kind: 'static'; secret: string }
  | { kind: 'clientCredentials'; clientId: string; clientSecret: string; tokenUrl: string };

export interface ServiceConfig {
  /** API root, e.g. https://acme.api.identitynow.com/beta (no trailing slash). */
  url: string;
  credential: Credential;
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
  retry: RetryPolicy;
}

export interface RetryPolicy {
  /** Further attempts after the first, when the failure allows one (see src/upstream/retry.ts). */
  retries: number;
  /** First backoff delay; it doubles with each retry and gets jitter. */
  backoffMs: number;
  /** A Retry-After longer than this is not waited for: the error reports it instead. */
  maxRetryAfterMs: number;
}

export interface Config {
  host: string;
  port: number;
  /** Set when no upstream is configured: start the in-memory vendor emulations and point at them. */
  sandbox: boolean;
  services: Partial<Record<ServiceId, ServiceConfig>>;
  upstream: UpstreamLimits;
  /** How long in-flight requests may run after SIGTERM/SIGINT before their connections are cut. */
  shutdownTimeoutMs: number;
  production: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

const LAUNCHDARKLY_DEFAULT_URL = 'https://app.launchdarkly.com';

export function loadConfig(env: Env = process.env): Config {
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };

  const services: Partial<Record<ServiceId, ServiceConfig>> = {};

  const identitynowUrl = get('IDENTITYNOW_URL');
  if (identitynowUrl) {
    const url = apiRoot('IDENTITYNOW_URL', identitynowUrl);
    services.identitynow = { url, credential: identityNowCredential(get, url) };
  }

  const authentikUrl = get('AUTHENTIK_URL');
  if (authentikUrl) {
    services.authentik = { url: apiRoot('AUTHENTIK_URL', authentikUrl), credential: staticCredential(get('AUTHENTIK_TOKEN')) };
  }

  // LaunchDarkly has one public API root, so an access token alone is enough to configure it.
  const launchdarklyUrl = get('LAUNCHDARKLY_URL');
  const launchdarklyKey = get('LAUNCHDARKLY_API_KEY');
  if (launchdarklyUrl || launchdarklyKey) {
    services.launchdarkly = {
      url: apiRoot('LAUNCHDARKLY_URL', launchdarklyUrl ?? LAUNCHDARKLY_DEFAULT_URL),
      credential: staticCredential(launchdarklyKey),
    };
  }

  return {
    host: get('HOST') ?? '127.0.0.1',
    port: integer('PORT', get('PORT'), 4000, 0, 65535),
    sandbox: Object.keys(services).length === 0,
    services,
    upstream: {
      timeoutMs: integer('UPSTREAM_TIMEOUT_MS', get('UPSTREAM_TIMEOUT_MS'), 10_000, 1, 300_000),
      connectTimeoutMs: integer('UPSTREAM_CONNECT_TIMEOUT_MS', get('UPSTREAM_CONNECT_TIMEOUT_MS'), 3_000, 1, 60_000),
      headersTimeoutMs: integer('UPSTREAM_HEADERS_TIMEOUT_MS', get('UPSTREAM_HEADERS_TIMEOUT_MS'), 8_000, 1, 300_000),
      bodyTimeoutMs: integer('UPSTREAM_BODY_TIMEOUT_MS', get('UPSTREAM_BODY_TIMEOUT_MS'), 8_000, 1, 300_000),
      maxResponseBytes: integer('UPSTREAM_MAX_RESPONSE_BYTES', get('UPSTREAM_MAX_RESPONSE_BYTES'), 5 * 1024 * 1024, 1024, 1024 ** 3),
      retry: {
        retries: integer('UPSTREAM_RETRIES', get('UPSTREAM_RETRIES'), 2, 0, 10),
        backoffMs: integer('UPSTREAM_RETRY_BACKOFF_MS', get('UPSTREAM_RETRY_BACKOFF_MS'), 200, 0, 60_000),
        maxRetryAfterMs: 1000 * integer('UPSTREAM_MAX_RETRY_AFTER_SECONDS', get('UPSTREAM_MAX_RETRY_AFTER_SECONDS'), 5, 0, 3600),
      },
    },
    shutdownTimeoutMs: integer('SHUTDOWN_TIMEOUT_MS', get('SHUTDOWN_TIMEOUT_MS'), 10_000, 0, 600_000),
    production: get('NODE_ENV') === 'production',
  };
}

/** The config pointed at the sandbox's emulations, with the sandbox's own throwaway credentials. */
export function sandboxConfig(config: Config, sandbox: Sandbox): Config {
  return {
    ...config,
    services: {
      identitynow: { url: sandbox.identitynow.url, credential: { kind: 'static', secret: sandbox.identitynow.token } },
      launchdarkly: { url: sandbox.launchdarkly.url, credential: { kind: 'static', secret: sandbox.launchdarkly.apiKey } },
      authentik: { url: sandbox.authentik.url, credential: { kind: 'static', secret: sandbox.authentik.token } },
    },
  };
}

function identityNowCredential(get: (name: string) => string | undefined, apiUrl: string): Credential {
  const clientId = get('IDENTITYNOW_CLIENT_ID');
  const clientSecret = get('IDENTITYNOW_CLIENT_SECRET');
  const token = get('IDENTITYNOW_TOKEN');
  if (clientId || clientSecret) {
    if (!clientId || !clientSecret) {
      throw new ConfigError('IDENTITYNOW_CLIENT_ID and IDENTITYNOW_CLIENT_SECRET must be set together');
    }
    if (token) throw new ConfigError('set either IDENTITYNOW_TOKEN or IDENTITYNOW_CLIENT_ID/IDENTITYNOW_CLIENT_SECRET, not both');
    const tokenUrl = get('IDENTITYNOW_TOKEN_URL') ?? `${new URL(apiUrl).origin}/oauth/token`;
    return { kind: 'clientCredentials', clientId, clientSecret, tokenUrl: httpUrl('IDENTITYNOW_TOKEN_URL', tokenUrl) };
  }
  return staticCredential(token);
}

function staticCredential(secret: string | undefined): Credential {
  return secret ? { kind: 'static', secret } : { kind: 'none' };
}

function apiRoot(name: string, value: string): string {
  return httpUrl(name, value).replace(/\/+$/, '');
}

function httpUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${name} must be an http(s) URL`);
  // A URL with user:password would put a credential where logs and error messages show URLs.
  if (url.username || url.password) throw new ConfigError(`${name} must not contain credentials`);
  if (url.search || url.hash) throw new ConfigError(`${name} must not contain a query or fragment`);
  return url.toString();
}

function integer(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new ConfigError(`${name} must be an integer`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}`);
  return n;
}
