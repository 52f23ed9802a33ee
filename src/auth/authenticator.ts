import { hash, timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWSAlgorithm } from 'jose';
import { SCOPES, type CallerAuthConfig, type Scope } from '../config.js';
import { unauthenticated } from '../errors.js';
import { log } from '../log.js';

/** Who sent a request: a label safe to log (never the credential itself) and the scopes granted. */
export interface Caller {
  id: string;
  scopes: readonly Scope[];
}

/** The header that carries an API key (GATEWAY_API_KEYS); a JWT comes as `Authorization: Bearer`. */
export const API_KEY_HEADER = 'x-api-key';

const ALL_SCOPES: readonly Scope[] = Object.values(SCOPES);

// Only signatures made with a private key: accepting HS* invites the confusion attack in which a
// published public key is used as an HMAC secret to sign forged tokens.
const ALGORITHMS: JWSAlgorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

export interface CallerAuthenticator {
  /** Whether callers must prove who they are; when not, everyone gets every scope. */
  readonly required: boolean;
  /** The caller, or an UNAUTHENTICATED error. */
  authenticate(headers: Headers): Promise<Caller>;
}

export function callerAuthenticator(config: CallerAuthConfig): CallerAuthenticator {
  const keys = config.apiKeys.map((k) => ({
    digest: sha256(k.key),
    scopes: k.scopes,
    id: `apiKey:${sha256(k.key).toString('hex').slice(0, 8)}`,
  }));
  const jwt = config.jwt;
  const jwks = jwt ? createRemoteJWKSet(new URL(jwt.jwksUrl)) : undefined;
  const required = keys.length > 0 || jwt !== undefined;
  const challenge = jwt ? 'Bearer realm="oauth-gateway"' : `ApiKey header="${API_KEY_HEADER}"`;
  const refuse = (message: string) => unauthenticated(message, challenge);

  const byKey = (presented: string): Caller => {
    const digest = sha256(presented);
    // Every key is compared, in constant time, so timing tells nothing about which one came close.
    let match: (typeof keys)[number] | undefined;
    for (const key of keys) {
      if (timingSafeEqual(key.digest, digest)) match ??= key;
    }
    if (!match) throw refuse('The API key is not valid.');
    return { id: match.id, scopes: match.scopes };
  };

  const byToken = async (token: string): Promise<Caller> => {
    if (!jwt || !jwks) throw refuse('This gateway does not accept bearer tokens; send an API key in X-API-Key.');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer: jwt.issuer,
        audience: jwt.audience,
        algorithms: ALGORITHMS,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      throw refuse(tokenProblem(error));
    }
    const subject = typeof payload.sub === 'string' ? payload.sub.slice(0, 128) : '';
    return { id: `jwt:${subject}`, scopes: tokenScopes(payload) };
  };

  return {
    required,
    async authenticate(headers) {
      if (!required) return { id: 'anonymous', scopes: ALL_SCOPES };
      const key = headers.get(API_KEY_HEADER);
      const authorization = headers.get('authorization');
      if (key !== null && authorization !== null) throw refuse('Send one credential: an API key or a bearer token, not both.');
      if (key !== null) {
        if (keys.length === 0) throw refuse('This gateway does not accept API keys; send a bearer token.');
        return byKey(key);
      }
      if (authorization !== null) {
        const match = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(authorization);
        if (!match) throw refuse('The Authorization header must be "Bearer <token>".');
        return byToken(match[1]!);
      }
      throw refuse(
        `This gateway needs a credential: ${[keys.length > 0 ? 'an API key in X-API-Key' : '', jwt ? 'a bearer token' : ''].filter(Boolean).join(' or ')}.`,
      );
    },
  };
}

/** The scopes a token grants: OAuth's space-separated `scope`, or `scp` as a list or string. */
function tokenScopes(payload: JWTPayload): Scope[] {
  const granted = new Set<string>();
  for (const claim of [payload.scope, payload.scp]) {
    if (typeof claim === 'string') for (const s of claim.split(' ')) granted.add(s);
    else if (Array.isArray(claim)) for (const s of claim) if (typeof s === 'string') granted.add(s);
  }
  return ALL_SCOPES.filter((scope) => granted.has(scope));
}

function tokenProblem(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'The bearer token has expired.';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return `The bearer token's "${String((error as { claim?: unknown }).claim)}" claim is not accepted.`;
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
    case 'ERR_JOSE_GENERIC':
      log.warn('the JWKS could not be loaded; bearer tokens cannot be verified', { code });
      return 'The bearer token could not be verified right now.';
    default:
      if (typeof code !== 'string') {
        // Not jose's verdict on the token: the key set could not be fetched.
        log.warn('the JWKS could not be loaded; bearer tokens cannot be verified', {
          error: error instanceof Error ? error.name : typeof error,
        });
        return 'The bearer token could not be verified right now.';
      }
      return 'The bearer token is not valid.';
  }
}

function sha256(value: string): Buffer {
  return hash('sha256', value, 'buffer');
}
