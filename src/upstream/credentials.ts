import type { Credential, ServiceId, UpstreamLimits } from '../config.js';
import { gatewayError } from '../errors.js';
import { log } from '../log.js';
import { exchange, type Exchange } from './exchange.js';
import type { UpstreamPools } from './pools.js';
import { withRetries } from './retry.js';

/** How a service expects its credential in the Authorization header. */
export type AuthScheme = 'bearer' | 'raw';

const BEARER = 'Bearer ';

/**
 * The credential inside an Authorization header value this module built: the token of
 * `Bearer <token>`, or the value itself for a vendor that takes the bare key.
 */
export function credentialOf(authorization: string): string {
  return authorization.startsWith(BEARER) ? authorization.slice(BEARER.length) : authorization;
}

export interface CredentialSource {
  /** The Authorization header value, or undefined when no credential is configured. */
  authorization(): Promise<string | undefined>;
  /** True when a refused credential can be replaced by a new one (a token the gateway obtains itself). */
  readonly renewable: boolean;
  /** Drops a cached token the upstream refused, so the next call fetches a new one. */
  invalidate(rejected: string): void;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export function credentialSource(
  service: ServiceId,
  credential: Credential,
  scheme: AuthScheme,
  pools: UpstreamPools,
  limits: UpstreamLimits,
  clock: Clock,
): CredentialSource {
  switch (credential.kind) {
    case 'none':
      return { authorization: async () => undefined, renewable: false, invalidate: () => {} };
    case 'static':
      return fixedCredential(credential.secret, scheme);
    case 'clientCredentials':
      return new ClientCredentialsToken(service, credential, pools, limits, clock);
  }
}

/** A credential used as it is: configured, or sent by the caller for one request. */
export function fixedCredential(secret: string, scheme: AuthScheme): CredentialSource {
  const value = scheme === 'bearer' ? BEARER + secret : secret;
  return { authorization: async () => value, renewable: false, invalidate: () => {} };
}

// Renew this long before expires_in runs out, so a token never expires in flight.
const EXPIRY_MARGIN_MS = 60_000;
// Assumed when the token endpoint does not say how long its token lives.
const DEFAULT_LIFETIME_S = 300;

/** OAuth 2.0 client credentials grant: one token request shared by every concurrent caller. */
class ClientCredentialsToken implements CredentialSource {
  readonly renewable = true;
  private current?: { value: string; renewAt: number };
  private pending?: Promise<string>;

  constructor(
    private readonly service: ServiceId,
    private readonly credential: Extract<Credential, { kind: 'clientCredentials' }>,
    private readonly pools: UpstreamPools,
    private readonly limits: UpstreamLimits,
    private readonly clock: Clock,
  ) {
    pools.for(credential.tokenUrl);
  }

  async authorization(): Promise<string> {
    if (this.current && this.clock.now() < this.current.renewAt) return this.current.value;
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  invalidate(rejected: string): void {
    if (this.current?.value === rejected) this.current = undefined;
  }

  private async fetchToken(): Promise<string> {
    const { clientId, clientSecret, tokenUrl } = this.credential;
    const url = new URL(tokenUrl);
    const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }).toString();
    const operation = 'oauthToken';
    const deadline = Date.now() + this.limits.timeoutMs;
    const signal = AbortSignal.timeout(this.limits.timeoutMs);
    // Asking for a token twice does no harm, so the token request is retried like a GET.
    const { exchange: result, retryAfterMs } = await withRetries(
      () =>
        exchange(
          this.pools.for(url),
          {
            origin: url.origin,
            path: url.pathname + url.search,
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
            body,
            signal,
          },
          this.limits.maxResponseBytes,
        ),
      {
        idempotent: true,
        policy: this.limits.retry,
        deadline,
        onRetry: (info) => log.warn('upstream call retried', { service: this.service, operation, method: 'POST', ...info }),
      },
    );
    const token = this.readAnswer(result, operation, retryAfterMs);
    const lifetimeMs = token.expiresIn * 1000;
    const value = BEARER + token.accessToken;
    this.current = { value, renewAt: this.clock.now() + Math.max(lifetimeMs - EXPIRY_MARGIN_MS, lifetimeMs / 2) };
    return value;
  }

  /** The token, or the error that says plainly what failed; never the request, which holds the secret. */
  private readAnswer(result: Exchange, operation: string, retryAfterMs: number | undefined): { accessToken: string; expiresIn: number } {
    const retryAfter = retryAfterMs === undefined ? {} : { retryAfter: Math.ceil(retryAfterMs / 1000) };
    const endpoint = `The ${this.service} token endpoint`;
    if (result.kind === 'failed') {
      const what = result.failure === 'timeout' ? 'did not answer in time' : 'could not be reached';
      return fail('UPSTREAM_UNAVAILABLE', `${endpoint} ${what}, so no request was sent to ${this.service}.`, { upstream: { service: this.service, operation }, ...retryAfter });
    }
    const upstream = { service: this.service, status: result.status, operation };
    if (result.kind === 'tooLarge') return fail('UPSTREAM_UNAVAILABLE', `${endpoint} answered with a response too large to be a token.`, { upstream });
    const payload = parseJson(result.text);
    if (result.status === 400 || result.status === 401 || result.status === 403) {
      // RFC 6749 error codes (invalid_client, unauthorized_client) are safe to show; free text might echo the request.
      const oauthError = typeof payload?.error === 'string' && /^[a-z_]{1,64}$/.test(payload.error) ? ` (${payload.error})` : '';
      return fail('UNAUTHENTICATED', `${endpoint} refused the configured client credentials${oauthError}.`, { upstream });
    }
    const token = result.status === 200 ? readToken(payload) : undefined;
    if (!token) {
      const what = result.status === 200 ? 'answered without an access token' : `answered HTTP ${result.status} instead of a token`;
      return fail('UPSTREAM_UNAVAILABLE', `${endpoint} ${what}.`, { upstream, ...retryAfter });
    }
    return token;
  }
}

function fail(...args: Parameters<typeof gatewayError>): never {
  throw gatewayError(...args);
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function readToken(payload: Record<string, unknown> | undefined): { accessToken: string; expiresIn: number } | undefined {
  if (!payload) return undefined;
  const { access_token: accessToken, expires_in: expiresIn } = payload;
  if (typeof accessToken !== 'string' || accessToken === '') return undefined;
  return { accessToken, expiresIn: typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn : DEFAULT_LIFETIME_S };
}
