import { request, type Dispatcher } from 'undici';
import type { Credential } from '../config.js';
import { gatewayError } from '../errors.js';
import type { ServiceId } from '../config.js';

/** How a service expects its credential in the Authorization header. */
export type AuthScheme = 'bearer' | 'raw';

export interface CredentialSource {
  /** The Authorization header value, or undefined when no credential is configured. */
  authorization(): Promise<string | undefined>;
  /** Drops a cached token the upstream refused, so the next call fetches a new one. */
  invalidate(rejected: string): void;
}

export function credentialSource(
  service: ServiceId,
  credential: Credential,
  scheme: AuthScheme,
  dispatcher: Dispatcher,
  timeoutMs: number,
): CredentialSource {
  switch (credential.kind) {
    case 'none':
      return { authorization: async () => undefined, invalidate: () => {} };
    case 'static': {
      const value = scheme === 'bearer' ? `Bearer ${credential.secret}` : credential.secret;
      return { authorization: async () => value, invalidate: () => {} };
    }
    case 'clientCredentials':
      return new ClientCredentialsToken(service, credential, dispatcher, timeoutMs);
  }
}

// Renew this long before expires_in runs out, so a token never expires in flight.
const EXPIRY_MARGIN_MS = 60_000;

/** OAuth 2.0 client credentials grant: one token request shared by every concurrent caller. */
class ClientCredentialsToken implements CredentialSource {
  private current?: { value: string; expiresAt: number };
  private pending?: Promise<string>;

  constructor(
    private readonly service: ServiceId,
    private readonly credential: Extract<Credential, { kind: 'clientCredentials' }>,
    private readonly dispatcher: Dispatcher,
    private readonly timeoutMs: number,
  ) {}

  async authorization(): Promise<string> {
    if (this.current && Date.now() < this.current.expiresAt) return this.current.value;
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
    const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret });
    const operation = 'oauthToken';
    let status: number;
    let payload: unknown;
    try {
      const res = await request(tokenUrl, {
        method: 'POST',
        dispatcher: this.dispatcher,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: body.toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = res.statusCode;
      const text = await res.body.text();
      try {
        payload = JSON.parse(text);
      } catch {
        payload = undefined;
      }
    } catch {
      // The underlying error may quote the request; say only what failed.
      throw gatewayError('UPSTREAM_UNAVAILABLE', `The ${this.service} token endpoint could not be reached.`, {
        upstream: { service: this.service, operation },
      });
    }
    if (status === 400 || status === 401 || status === 403) {
      throw gatewayError('UNAUTHENTICATED', `The ${this.service} token endpoint refused the configured client credentials.`, {
        upstream: { service: this.service, status, operation },
      });
    }
    const token = readToken(payload);
    if (status !== 200 || !token) {
      throw gatewayError('UPSTREAM_UNAVAILABLE', `The ${this.service} token endpoint did not issue a token (HTTP ${status}).`, {
        upstream: { service: this.service, status, operation },
      });
    }
    const lifetimeMs = token.expiresIn * 1000;
    const value = `Bearer ${token.accessToken}`;
    this.current = { value, expiresAt: Date.now() + Math.max(lifetimeMs - EXPIRY_MARGIN_MS, lifetimeMs / 2) };
    return value;
  }
}

function readToken(payload: unknown): { accessToken: string; expiresIn: number } | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const { access_token: accessToken, expires_in: expiresIn } = payload as Record<string, unknown>;
  if (typeof accessToken !== 'string' || accessToken === '') return undefined;
  return { accessToken, expiresIn: typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn : 300 };
}
