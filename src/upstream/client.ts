import type { GraphQLError } from 'graphql';
import type { ServiceConfig, ServiceId, UpstreamLimits } from '../config.js';
import { gatewayError, type UpstreamInfo } from '../errors.js';
import { log } from '../log.js';
import type { BodyProblem } from './body.js';
import { credentialSource, fixedCredential, systemClock, type AuthScheme, type Clock, type CredentialSource } from './credentials.js';
import type { Exchange } from './exchange.js';
import {
  authorize,
  compose,
  deadline,
  instrument,
  observe,
  redact,
  retry,
  wire,
  type Attempted,
  type Call,
  type CallTelemetry,
  type RetryInfo,
  type Send,
  type UpstreamCallObserver,
} from './policies.js';
import type { UpstreamPools } from './pools.js';
import { RateLimiter, throttle, type QuotaReader, type TokenStore } from './rate-limit.js';
import { coalesce, readCache, type ReadsChangedBy } from './read-sharing.js';
import type { VendorSettings } from '../services/vendor.js';

export type { CallTelemetry, UpstreamCallObserver, UpstreamCallRecord } from './policies.js';

export interface UpstreamRequest {
  /** The vendor's operation id, reported in errors and logs. */
  operation: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path below the API root, built with upstreamPath so parameters are encoded. */
  path: string;
  body?: unknown;
  contentType?: string;
  /** Vendor headers such as an API version; never a credential (that is the client's job). */
  headers?: Record<string, string>;
  /** A deadline shorter than the configured one (UPSTREAM_TIMEOUT_MS), for a read the caller waits on. */
  timeoutMs?: number;
  /**
   * Secrets the body sets (a client secret): an answer that is not a success, which may quote the
   * request, is redacted of them as of the credential. A success keeps them where the vendor answers
   * them, which is how a create shows the secret it set.
   */
  secrets?: readonly string[];
}

/** What an upstream's reads and quota need to know of its vendor and of the replicas. */
export interface SharingOptions {
  /** Members of the vendor's answers that hold a secret (kept out of the read cache). */
  secretMembers?: readonly string[];
  /** How the vendor's answers report its quota. */
  quotaSignals?: QuotaReader;
  /** Where the rate limit's buckets are shared with the other replicas; this process alone when absent. */
  rateTokens?: TokenStore;
  /** Which reads a write may change, for the read cache and coalescing; every one when absent. */
  readsChangedBy?: ReadsChangedBy;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body, credentials redacted; undefined when the body is empty, not JSON, or refused. */
  json: unknown;
  /** The raw body, credentials redacted, for describing bodies that are not JSON. */
  text: string;
  /** Why the body could not be used although it arrived whole. */
  problem?: BodyProblem;
  /** Seconds to wait before trying again, when retries ran out on a failure that may pass. */
  retryAfter?: number;
}

/** What the vendor calls need: one upstream API root and a way to call it. */
export interface Upstream {
  readonly service: ServiceId;
  /**
   * `abandonedBy`, for a write: aborted once its caller has hung up; from then on the request is not
   * written (not even on a retry). An argument of its own rather than a member of `req`, which a
   * write would otherwise copy on every call.
   */
  request(req: UpstreamRequest, abandonedBy?: AbortSignal): Promise<UpstreamResponse>;
}

/**
 * The policies every upstream call goes through, and the one a token request goes through (no
 * credential of its own; its answer redacted of the client secret it carried).
 */
function chains(
  service: ServiceId,
  config: ServiceConfig,
  limits: UpstreamLimits,
  pools: UpstreamPools,
  secrets: { configured?: string; token?: string },
  telemetry: readonly CallTelemetry[],
  sharing: SharingOptions,
): { call: Send; token: Send } {
  const onRetry = (call: Call, { retry, delayMs, reason }: RetryInfo) =>
    log.warn('upstream call retried', {
      service: call.service,
      operation: call.operation,
      method: call.request.method,
      retry,
      delayMs,
      reason,
    });
  const onRenewal = (call: Call) =>
    log.info('upstream refused the token: renewed it and sending the request once more', {
      service: call.service,
      operation: call.operation,
    });
  const send = wire(pools, limits.maxResponseBytes);
  const instruments = telemetry.map(instrument);
  const limiter = new RateLimiter({
    rate: config.rate,
    ...(sharing.rateTokens ? { store: sharing.rateTokens } : {}),
    ...(sharing.quotaSignals ? { signals: sharing.quotaSignals } : {}),
    onStoreFailure: (error) =>
      log.warn(`${service} rate limit: the shared store cannot be reached; this replica counts alone until it is back`, {
        error: error instanceof Error ? error.message : String(error),
      }),
  });
  // After the credential is known (it is part of what makes reads identical), inside the retries
  // (each attempt is a request the vendor counts); a shared read takes no token of the rate limit.
  const sharingPolicies = [
    ...(limits.cacheTtlMs > 0
      ? [
          readCache({
            ttlMs: limits.cacheTtlMs,
            maxEntries: limits.cacheMaxEntries,
            secretMembers: sharing.secretMembers ?? [],
            ...(sharing.readsChangedBy ? { readsChangedBy: sharing.readsChangedBy } : {}),
          }),
        ]
      : []),
    ...(limits.coalesceReads ? [coalesce(sharing.readsChangedBy)] : []),
    ...(limiter.active ? [throttle(service, limiter)] : []),
  ];
  return {
    call: compose(
      observe,
      ...instruments,
      deadline(limits.timeoutMs),
      retry(limits.retry, onRetry),
      authorize(onRenewal),
      ...sharingPolicies,
      redact([secrets.configured]),
    )(send),
    token: compose(...instruments, deadline(limits.timeoutMs), retry(limits.retry, onRetry), redact([secrets.token]))(send),
  };
}

/**
 * One upstream API root with its credential, limits and retry policy. Knows HTTP, not GraphQL types.
 * Connections come from the shared per-origin pools.
 */
export class UpstreamClient {
  /** The vendor's own settings, for its code to read (VendorDefinition.settings). */
  readonly settings: VendorSettings;
  /** The API root's origin (scheme, host, port): where the vendor's own relative URLs point. */
  readonly origin: string;
  private readonly basePath: string;
  private readonly rate: ServiceConfig['rate'];
  private readonly credentials: CredentialSource;
  private readonly send: Send;
  /** Set when the gateway obtains its own token for this upstream: resolves once one can be had. */
  readonly tokenObtainable?: () => Promise<void>;

  constructor(
    readonly service: ServiceId,
    config: ServiceConfig,
    private readonly scheme: AuthScheme,
    private readonly limits: UpstreamLimits,
    pools: UpstreamPools,
    options: { clock?: Clock; telemetry?: readonly CallTelemetry[]; sharing?: SharingOptions } = {},
  ) {
    this.settings = config.settings ?? {};
    const url = new URL(config.url);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.rate = config.rate;
    const { credential } = config;
    const { call, token } = chains(
      service,
      config,
      limits,
      pools,
      {
        ...(credential.kind === 'static' ? { configured: credential.secret } : {}),
        ...(credential.kind === 'clientCredentials' ? { token: credential.clientSecret } : {}),
      },
      options.telemetry ?? [],
      options.sharing ?? {},
    );
    this.send = call;
    this.credentials = credentialSource(service, config.credential, scheme, token, options.clock ?? systemClock);
    const source = this.credentials;
    if (source.obtainable) this.tokenObtainable = () => source.obtainable!();
  }

  /**
   * This upstream for one GraphQL request: its calls reported to `observer`, and made with the
   * caller's own credential when it sent one. `fresh`: its reads see the upstream as it is now
   * (a mutation's reads, which its preconditions and outcome depend on), never a shared answer.
   */
  forRequest(observer: UpstreamCallObserver, callerSecret?: string, fresh = false): Upstream {
    const credentials = callerSecret === undefined ? this.credentials : fixedCredential(callerSecret, this.scheme);
    return { service: this.service, request: (req, abandonedBy) => this.call(req, credentials, observer, fresh, abandonedBy) };
  }

  private async call(
    req: UpstreamRequest,
    credentials: CredentialSource,
    observer: UpstreamCallObserver,
    fresh: boolean,
    abandonedBy: AbortSignal | undefined,
  ): Promise<UpstreamResponse> {
    const headers: Record<string, string> = { ...req.headers, ...observer.upstreamHeaders, accept: 'application/json' };
    let body: string | undefined;
    if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers['content-type'] = req.contentType ?? 'application/json';
    }
    const attempted = await this.send({
      service: this.service,
      operation: req.operation,
      request: {
        origin: this.origin,
        path: this.basePath + req.path,
        method: req.method,
        headers,
        ...(body !== undefined ? { body } : {}),
      },
      idempotent: req.method === 'GET',
      // Every call has the same properties, absent ones undefined: V8 runs the policies over calls
      // of several shapes through its slow path (5-8% more instructions a request on the main
      // thread, 40% more on all threads, measured with `npm run bench -- --instructions`).
      timeoutMs: req.timeoutMs,
      secrets: req.secrets !== undefined && req.secrets.length > 0 ? req.secrets : undefined,
      abandonedBy,
      deadline: 0,
      dispatchBy: 0,
      credentials,
      observer,
      retries: 0,
      renewed: false,
      fresh,
    });
    return this.toResponse(attempted, req);
  }

  private toResponse({ exchange: ex, retryAfterMs, body }: Attempted, req: UpstreamRequest): UpstreamResponse {
    const retryAfter = retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs / 1000);
    if (ex.kind === 'answer') {
      return {
        status: ex.status,
        headers: ex.headers,
        text: body?.text ?? '',
        json: body?.json,
        ...(body?.problem ? { problem: body.problem } : {}),
        ...(retryAfter !== undefined ? { retryAfter } : {}),
      };
    }
    const upstream: UpstreamInfo = {
      service: this.service,
      operation: req.operation,
      ...(ex.status !== undefined ? { status: ex.status } : {}),
    };
    if (ex.kind === 'tooLarge') {
      throw gatewayError('UPSTREAM_ERROR', `${this.service} answered with a response larger than ${this.limits.maxResponseBytes} bytes.`, {
        upstream,
      });
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
    // A 2xx status that arrived says the vendor applied the change, whatever became of its body.
    const accepted = ex.status !== undefined && ex.status >= 200 && ex.status < 300;
    const mayHaveApplied = write && !accepted ? '; the change may or may not have been applied' : '';
    const notSent = write ? '; the change was not sent' : '';
    // A write that never left is known not to have been applied.
    const unsent = write ? { ...details, outcome: 'NOT_APPLIED' as const } : details;
    switch (ex.failure) {
      case 'notSent':
        if (ex.code === 'UND_ERR_CONNECT_TIMEOUT')
          return gatewayError('UPSTREAM_TIMEOUT', `${this.service} did not accept a connection in time${notSent}.`, unsent);
        return gatewayError('UPSTREAM_UNAVAILABLE', `${this.service} could not be reached${notSent}.`, unsent);
      case 'expired':
        return gatewayError(
          'UPSTREAM_TIMEOUT',
          `The request to ${this.service} waited for a free connection until its deadline and was not sent${write ? ', so nothing was changed' : ''}.`,
          unsent,
        );
      case 'timeout':
        return gatewayError(
          'UPSTREAM_TIMEOUT',
          `${this.service} did not ${ex.status !== undefined ? `finish its ${ex.status} answer` : 'answer'} in time${mayHaveApplied}.`,
          details,
        );
      case 'abandoned':
        return gatewayError(
          'BAD_REQUEST',
          `The caller closed its connection before the request to ${this.service} was sent; nothing was changed.`,
          unsent,
        );
      case 'throttled': {
        const rate = this.rate ? ` (${this.rate.requests} requests per ${this.rate.perMs / 1000} s)` : '';
        return gatewayError(
          'RATE_LIMITED',
          `The request to ${this.service} was not sent: its rate limit${rate} leaves no room for it before its deadline${write ? ', so nothing was changed' : ''}.`,
          unsent,
        );
      }
      case 'broken': {
        const when = ex.status !== undefined ? ` while it was answering ${ex.status}` : '';
        return gatewayError('UPSTREAM_UNAVAILABLE', `The connection to ${this.service} failed${when}${mayHaveApplied}.`, details);
      }
    }
  }
}
