import type { GraphQLError } from 'graphql';
import type { Pool } from 'undici';
import type { ServiceConfig, ServiceId, UpstreamLimits } from '../config.js';
import { gatewayError, type UpstreamInfo } from '../errors.js';
import { log } from '../log.js';
import { credentialOf, credentialSource, fixedCredential, systemClock, type AuthScheme, type Clock, type CredentialSource } from './credentials.js';
import { exchange, type Exchange } from './exchange.js';
import type { UpstreamPools } from './pools.js';
import { withoutCredential } from './redact.js';
import { withRetries } from './retry.js';

export interface UpstreamRequest {
  /** The vendor's operation id, reported in errors and logs. */
  operation: string;
  method: 'GET' | 'PATCH';
  /** Path below the API root, built with upstreamPath so parameters are encoded. */
  path: string;
  body?: unknown;
  contentType?: string;
  /** Vendor headers such as an API version; never a credential (that is the client's job). */
  headers?: Record<string, string>;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body; undefined when the body is empty or not JSON. */
  json: unknown;
  /** The raw body, for error messages about bodies that are not JSON. */
  text: string;
  /** Seconds to wait before trying again, when retries ran out on a failure that may pass. */
  retryAfter?: number;
}

export interface UpstreamCall {
  service: ServiceId;
  operation: string;
  method: UpstreamRequest['method'];
}

/** Watches the calls made for one GraphQL request: its budget of upstream calls, its log line. */
export interface UpstreamCallObserver {
  /** Called before a call is sent, and may throw to refuse it; the result is called with its outcome. */
  callStarted(call: UpstreamCall): (status: number | undefined) => void;
}

/** The upstream reporting each call to the observer (once per call, whatever its retries). */
export function observed(upstream: Upstream, observer: UpstreamCallObserver): Upstream {
  return {
    service: upstream.service,
    async request(req) {
      const done = observer.callStarted({ service: upstream.service, operation: req.operation, method: req.method });
      let status: number | undefined;
      try {
        const response = await upstream.request(req);
        status = response.status;
        return response;
      } finally {
        done(status);
      }
    },
  };
}

/** What the vendor calls need: one upstream API root and a way to call it. */
export interface Upstream {
  readonly service: ServiceId;
  request(req: UpstreamRequest): Promise<UpstreamResponse>;
}

/**
 * One upstream API root with its credential, limits and retry policy. Knows HTTP, not GraphQL types.
 * Connections come from the shared per-origin pools.
 */
export class UpstreamClient implements Upstream {
  private readonly url: URL;
  private readonly basePath: string;
  private readonly credential: CredentialSource;
  private readonly pool: Pool;

  constructor(
    readonly service: ServiceId,
    config: ServiceConfig,
    private readonly scheme: AuthScheme,
    private readonly limits: UpstreamLimits,
    pools: UpstreamPools,
    clock: Clock = systemClock,
  ) {
    this.url = new URL(config.url);
    this.basePath = this.url.pathname.replace(/\/+$/, '');
    this.pool = pools.for(this.url);
    this.credential = credentialSource(service, config.credential, scheme, pools, limits, clock);
  }

  request(req: UpstreamRequest): Promise<UpstreamResponse> {
    return this.call(req, this.credential);
  }

  /** This upstream called with the caller's own credential instead of the configured one. */
  withCallerCredential(secret: string): Upstream {
    const credential = fixedCredential(secret, this.scheme);
    return { service: this.service, request: (req) => this.call(req, credential) };
  }

  private async call(req: UpstreamRequest, credential: CredentialSource): Promise<UpstreamResponse> {
    let authorization = await credential.authorization();
    const deadline = Date.now() + this.limits.timeoutMs;
    // Not AbortSignal.timeout: its timer outlives the call by the whole timeout, and under load that
    // keeps thousands of signals and timers alive into the old generation.
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new DOMException('The upstream call timed out.', 'TimeoutError')), this.limits.timeoutMs);
    try {
      const signal = timeout.signal;
      let result = await this.send(req, authorization, deadline, signal);
      const refused = (r: typeof result) => r.exchange.kind === 'answer' && r.exchange.status === 401;
      if (refused(result) && authorization !== undefined && credential.renewable) {
        // A 401 proves the request was not processed, so it is safe to send it once more with a new token.
        credential.invalidate(authorization);
        authorization = await credential.authorization();
        log.info('upstream refused the token: renewed it and sending the request once more', { service: this.service, operation: req.operation });
        result = await this.send(req, authorization, deadline, signal);
        if (refused(result) && authorization !== undefined) credential.invalidate(authorization);
      }
      return this.toResponse(result, req, authorization);
    } finally {
      clearTimeout(timer);
    }
  }

  private send(req: UpstreamRequest, authorization: string | undefined, deadline: number, signal: AbortSignal) {
    const headers: Record<string, string> = { ...req.headers, accept: 'application/json' };
    if (authorization !== undefined) headers.authorization = authorization;
    let body: string | undefined;
    if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers['content-type'] = req.contentType ?? 'application/json';
    }
    const options = { origin: this.url.origin, path: this.basePath + req.path, method: req.method, headers, body, signal };
    return withRetries(
      () => exchange(this.pool, options, this.limits.maxResponseBytes),
      {
        idempotent: req.method === 'GET',
        policy: this.limits.retry,
        deadline,
        onRetry: (info) => log.warn('upstream call retried', { service: this.service, operation: req.operation, method: req.method, ...info }),
      },
    );
  }

  /** `authorization` is the header the answer was given to: its credential never leaves in the answer. */
  private toResponse(result: { exchange: Exchange; retryAfterMs?: number }, req: UpstreamRequest, authorization: string | undefined): UpstreamResponse {
    const ex = result.exchange;
    const retryAfter = result.retryAfterMs === undefined ? undefined : Math.ceil(result.retryAfterMs / 1000);
    if (ex.kind === 'answer') {
      const text = withoutCredential(ex.text, authorization === undefined ? undefined : credentialOf(authorization));
      return { status: ex.status, headers: ex.headers, text, json: parseJson(text), ...(retryAfter !== undefined ? { retryAfter } : {}) };
    }
    const upstream: UpstreamInfo = { service: this.service, operation: req.operation, ...(ex.status !== undefined ? { status: ex.status } : {}) };
    if (ex.kind === 'tooLarge') {
      throw gatewayError('UPSTREAM_ERROR', `${this.service} answered with a response larger than ${this.limits.maxResponseBytes} bytes.`, { upstream });
    }
    throw this.transportError(ex, req, upstream, retryAfter);
  }

  private transportError(
    ex: Extract<Exchange, { kind: 'failed' }>,
    req: UpstreamRequest,
    upstream: UpstreamInfo,
    retryAfter: number | undefined,
  ): GraphQLError {
    const write = req.method !== 'GET';
    const details = { upstream, ...(retryAfter !== undefined ? { retryAfter } : {}) };
    const mayHaveApplied = write ? '; the change may or may not have been applied' : '';
    const notSent = write ? '; the change was not sent' : '';
    switch (ex.failure) {
      case 'notSent':
        if (ex.code === 'UND_ERR_CONNECT_TIMEOUT') return gatewayError('UPSTREAM_TIMEOUT', `${this.service} did not accept a connection in time${notSent}.`, details);
        return gatewayError('UPSTREAM_UNAVAILABLE', `${this.service} could not be reached${notSent}.`, details);
      case 'timeout':
        return gatewayError(
          'UPSTREAM_TIMEOUT',
          `${this.service} did not ${ex.status !== undefined ? `finish its ${ex.status} answer` : 'answer'} in time${mayHaveApplied}.`,
          details,
        );
      case 'broken': {
        const when = ex.status !== undefined ? ` while it was answering ${ex.status}` : '';
        return gatewayError('UPSTREAM_UNAVAILABLE', `The connection to ${this.service} failed${when}${mayHaveApplied}.`, details);
      }
    }
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
