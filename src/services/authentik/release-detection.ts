import { GraphQLError } from 'graphql';
import { upstreamOf, type Context } from '../../context.js';
import { gatewayError, type ErrorCode } from '../../errors.js';
import { log } from '../../log.js';
import { asObject } from '../../upstream-values.js';
import type { Upstream, UpstreamClient } from '../../upstream/client.js';
import { secretDigest } from '../../upstream/credentials.js';
import { jsonBody } from '../../upstream/response.js';
import { authentikError } from './client.js';
import { parseRelease, type Release } from './releases.js';
import { settingsOf } from './settings.js';

/**
 * Which authentik release an upstream runs. authentik answers it at GET /admin/version/
 * (admin_version_retrieve, the same path and Version body in 2024.8 and 2026.2; any authenticated
 * user may ask, a request without a valid token gets 403). The gateway asks only when a request
 * depends on the answer (a member or value not in every release, redirect URIs, a long slug), once
 * per upstream for all the requests that need it at the same time, and remembers the answer for
 * REMEMBERED_MS, so an upgrade in place is seen without a restart. AUTHENTIK_API_VERSION names the
 * release instead, and nothing is asked.
 *
 * The question is an upstream call like any other: through the same client (deadline, retries,
 * credential, redaction), counted against the budget of the request that made it. When it fails,
 * the request that needed it fails with the error, saying so, and nothing else is sent for it; the
 * next request asks again. The answer is not guessed from the shapes of other answers: one resource
 * cannot tell apart releases that differ in another (an enum value added in 2025.8, a patch release
 * that changed redirect URIs), and a wrong guess would send what the server does not take.
 */

export const VERSION_OPERATION = 'admin_version_retrieve';
export const REMEMBERED_MS = 10 * 60_000;

/** The release one upstream runs, as last asked; concurrent askers with the same credential share one request. */
export class ReleaseDetector {
  private known: { release: Release; until: number } | undefined;
  private readonly asking = new Map<string, Promise<Release>>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * The release, asked through `http` when not known. Callers with another credential (`credential`,
   * its digest: no map here holds a credential) do not wait on this one's question: a refused token
   * must fail only its own request.
   */
  release(http: Upstream, credential: string): Promise<Release> {
    const known = this.known;
    if (known && known.until > this.now()) return Promise.resolve(known.release);
    let pending = this.asking.get(credential);
    if (!pending) {
      pending = askRelease(http)
        .then(
          (release) => {
            this.known = { release, until: this.now() + REMEMBERED_MS };
            return release;
          },
          (error: unknown) => {
            // Asked again after REMEMBERED_MS: a failure then keeps what the server answered before.
            if (!known) throw error;
            log.warn('authentik did not answer its version; keeping the release it answered before', { release: known.release.name });
            this.known = { release: known.release, until: this.now() + REMEMBERED_MS };
            return known.release;
          },
        )
        .finally(() => this.asking.delete(credential));
      this.asking.set(credential, pending);
    }
    return pending;
  }
}

const detectors = new WeakMap<UpstreamClient, ReleaseDetector>();

/**
 * The release of ctx's authentik upstream, asked at most once for the whole GraphQL request and only
 * when the returned function is called.
 */
export function serverRelease(ctx: Context): () => Promise<Release> {
  let asked: Promise<Release> | undefined;
  return () => (asked ??= releaseOf(ctx));
}

async function releaseOf(ctx: Context): Promise<Release> {
  // Before anything else, so an unconfigured upstream or a malformed caller credential is its own error.
  const http = upstreamOf(ctx, 'authentik', VERSION_OPERATION);
  const client = ctx.upstreams.authentik!;
  const assumed = settingsOf(client.settings).release;
  if (assumed) return assumed;
  let detector = detectors.get(client);
  if (!detector) detectors.set(client, (detector = new ReleaseDetector()));
  return detector.release(http, secretDigest(ctx.callerCredentials.authentik?.secret));
}

const HINT = 'Set AUTHENTIK_API_VERSION to name the release instead.';

async function askRelease(http: Upstream): Promise<Release> {
  let body: unknown;
  try {
    const res = await http.request({ operation: VERSION_OPERATION, method: 'GET', path: '/admin/version/' });
    body = jsonBody(res, { service: 'authentik', operation: VERSION_OPERATION, parseError: authentikError({}) });
  } catch (error) {
    throw error instanceof GraphQLError ? unanswered(error) : error;
  }
  const current = asObject(body)?.version_current;
  const release = typeof current === 'string' ? parseRelease(current) : undefined;
  if (!release) {
    throw gatewayError(
      'UPSTREAM_ERROR',
      `The gateway asks authentik for its release before this request (GET /admin/version/), and authentik answered no release such as 2026.2.1 in version_current. ${HINT}`,
      { upstream: { service: 'authentik', status: 200, operation: VERSION_OPERATION } },
    );
  }
  return release;
}

// Codes that would blame the caller's input or resource for the version endpoint's answer.
const NOT_THE_CALLERS: ReadonlySet<ErrorCode | undefined> = new Set(['BAD_USER_INPUT', 'NOT_FOUND', 'CONFLICT']);

function unanswered(error: GraphQLError): GraphQLError {
  const { code, upstream, retryAfter } = error.extensions;
  const said = /[.!?]$/.test(error.message) ? error.message : `${error.message}.`;
  return gatewayError(
    code === undefined || NOT_THE_CALLERS.has(code) ? 'UPSTREAM_ERROR' : code,
    `The gateway asks authentik for its release before this request (GET /admin/version/), and could not tell it: ${said} Nothing else was sent. ${HINT}`,
    { ...(upstream ? { upstream } : {}), ...(retryAfter !== undefined ? { retryAfter } : {}) },
  );
}
