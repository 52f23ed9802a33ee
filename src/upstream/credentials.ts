import { hash } from 'node:crypto';
import type { Credential, ServiceId } from '../config.js';
import { gatewayError } from '../errors.js';
import type { AnswerBody } from './body.js';
import type { Attempted, Send } from './policies.js';
import { MIN_CREDENTIAL_LENGTH } from './redact.js';

/** How a service expects its credential in the Authorization header. */
export type AuthScheme = 'bearer' | 'raw';

/** A credential as one request carries it: the header value, and the secret inside it (what redaction looks for). */
export interface Presented {
  header: string;
  secret: string;
}

const DIGESTS = new WeakMap<Presented, string>();

/**
 * A digest of the credential (128 bits of its SHA-256), for keys that must tell credentials apart
 * without holding one: shared reads, rate-limit buckets. Computed once per credential in hand.
 */
export function credentialDigest(presented: Presented | undefined): string {
  if (!presented) return '-';
  let digest = DIGESTS.get(presented);
  if (digest === undefined) {
    digest = secretDigest(presented.secret);
    DIGESTS.set(presented, digest);
  }
  return digest;
}

/** The same digest of a secret not yet presented (a caller's, before its request is sent); '-' for none. */
export function secretDigest(secret: string | undefined): string {
  return secret === undefined ? '-' : hash('sha256', secret, 'base64url').slice(0, 22);
}

export interface CredentialSource {
  /** The credential for the next request, or undefined when none is configured. */
  current(): Promise<Presented | undefined>;
  /** True when a refused credential can be replaced by a new one (a token the gateway obtains itself). */
  readonly renewable: boolean;
  /** Drops a cached token the upstream refused, so the next call fetches a new one. */
  invalidate(rejected: Presented): void;
  /** For a token the gateway obtains itself: resolves when one can be had, throws the reason when not. */
  obtainable?(): Promise<void>;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

const SENDABLE = new RegExp(`^[\\x21-\\x7e]{${MIN_CREDENTIAL_LENGTH},8192}$`);

/** What SENDABLE asks, for messages. */
export const SENDABLE_SHAPE = `one token of printable ASCII without spaces, ${MIN_CREDENTIAL_LENGTH} to 8192 characters`;

/**
 * Whether a credential may go into an Authorization header: one token of printable ASCII, so it can
 * neither end the header nor start another, and long enough that redaction finds every copy an
 * upstream quotes back (a shorter one would be left in the answer). Configured, caller's, granted alike.
 */
export function isSendable(secret: string): boolean {
  return SENDABLE.test(secret);
}

export function present(secret: string, scheme: AuthScheme): Presented {
  return { header: scheme === 'bearer' ? `Bearer ${secret}` : secret, secret };
}

const NONE: CredentialSource = { current: async () => undefined, renewable: false, invalidate: () => {} };

/**
 * The credential source for a service's configuration. `tokenCall` sends a token request through the
 * same policies as every other upstream call (deadline, retries, redaction, the pooled wire).
 */
export function credentialSource(
  service: ServiceId,
  credential: Credential,
  scheme: AuthScheme,
  tokenCall: Send,
  clock: Clock,
): CredentialSource {
  switch (credential.kind) {
    case 'none':
      return NONE;
    case 'static':
      return fixedCredential(credential.secret, scheme);
    case 'clientCredentials':
      return new ClientCredentialsToken(service, credential, tokenCall, clock);
  }
}

/** A credential used as it is: configured, or sent by the caller for one request. */
export function fixedCredential(secret: string, scheme: AuthScheme): CredentialSource {
  const presented = present(secret, scheme);
  return { current: async () => presented, renewable: false, invalidate: () => {} };
}

// Renew this long before expires_in runs out, so a token never expires in flight.
const EXPIRY_MARGIN_MS = 60_000;
// Assumed when the token endpoint does not say how long its token lives.
const DEFAULT_LIFETIME_S = 300;
// After a failed readiness check, the next one answers the same failure for this long instead of
// asking the token endpoint again: probes come every few seconds from every kubelet.
const OBTAINABLE_RECHECK_MS = 30_000;

/** OAuth 2.0 client credentials grant: one token request shared by every concurrent caller. */
class ClientCredentialsToken implements CredentialSource {
  readonly renewable = true;
  private token?: { presented: Presented; renewAt: number };
  private pending?: Promise<Presented>;
  private failure?: { at: number; error: unknown };

  constructor(
    private readonly service: ServiceId,
    private readonly credential: Extract<Credential, { kind: 'clientCredentials' }>,
    private readonly send: Send,
    private readonly clock: Clock,
  ) {}

  async current(): Promise<Presented> {
    if (this.token && this.clock.now() < this.token.renewAt) return this.token.presented;
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  invalidate(rejected: Presented): void {
    if (this.token?.presented.secret === rejected.secret) this.token = undefined;
  }

  /** A token in hand is enough; otherwise one is fetched (and kept for the calls), at most once per OBTAINABLE_RECHECK_MS after a failure. */
  async obtainable(): Promise<void> {
    const now = this.clock.now();
    if (this.token && now < this.token.renewAt) return;
    if (this.failure && now - this.failure.at < OBTAINABLE_RECHECK_MS) throw this.failure.error;
    try {
      await this.current();
      this.failure = undefined;
    } catch (error) {
      this.failure = { at: this.clock.now(), error };
      throw error;
    }
  }

  private async fetchToken(): Promise<Presented> {
    const { clientId, clientSecret, tokenUrl } = this.credential;
    const url = new URL(tokenUrl);
    const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }).toString();
    const operation = 'oauthToken';
    // Asking for a token twice does no harm, so the token request is retried like a GET.
    const attempted = await this.send({
      service: this.service,
      operation,
      request: {
        origin: url.origin,
        path: url.pathname + url.search,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
      },
      idempotent: true,
      deadline: 0,
      dispatchBy: 0,
      retries: 0,
      renewed: false,
    });
    const token = this.readAnswer(attempted, operation);
    const lifetimeMs = token.expiresIn * 1000;
    const presented = present(token.accessToken, 'bearer');
    this.token = { presented, renewAt: this.clock.now() + Math.max(lifetimeMs - EXPIRY_MARGIN_MS, lifetimeMs / 2) };
    return presented;
  }

  /** The token, or the error that says plainly what failed; never the request, which holds the secret. */
  private readAnswer({ exchange: result, retryAfterMs, body }: Attempted, operation: string): { accessToken: string; expiresIn: number } {
    const retryAfter = retryAfterMs === undefined ? {} : { retryAfter: Math.ceil(retryAfterMs / 1000) };
    const endpoint = `The ${this.service} token endpoint`;
    if (result.kind === 'failed') {
      const what = result.failure === 'timeout' || result.failure === 'expired' ? 'did not answer in time' : 'could not be reached';
      return fail('UPSTREAM_UNAVAILABLE', `${endpoint} ${what}, so no request was sent to ${this.service}.`, {
        upstream: { service: this.service, operation },
        ...retryAfter,
      });
    }
    const upstream = { service: this.service, status: result.status, operation };
    if (result.kind === 'tooLarge')
      return fail('UPSTREAM_UNAVAILABLE', `${endpoint} answered with a response too large to be a token.`, { upstream });
    const payload = record(body);
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
    if (!isSendable(token.accessToken))
      return fail('UPSTREAM_UNAVAILABLE', `${endpoint} answered an access token that is not ${SENDABLE_SHAPE}.`, { upstream });
    return token;
  }
}

function fail(...args: Parameters<typeof gatewayError>): never {
  throw gatewayError(...args);
}

function record(body: AnswerBody | undefined): Record<string, unknown> | undefined {
  const value = body?.json;
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function readToken(payload: Record<string, unknown> | undefined): { accessToken: string; expiresIn: number } | undefined {
  if (!payload) return undefined;
  const { access_token: accessToken, expires_in: expiresIn } = payload;
  if (typeof accessToken !== 'string' || accessToken === '') return undefined;
  return { accessToken, expiresIn: typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn : DEFAULT_LIFETIME_S };
}
