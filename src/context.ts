import type { AuditTrail } from './audit/trail.js';
import type { Caller } from './auth/authenticator.js';
import type { WriteJournal } from './changes/write.js';
import type { OperationLimits } from './config.js';
import type { EntityLoader } from './entity-loader.js';
import { gatewayError } from './errors.js';
import type { ServiceId } from './services/index.js';
import type { RequestTrace } from './trace/request-trace.js';
import type { Upstream, UpstreamCallObserver, UpstreamClient } from './upstream/client.js';
import { isSendable, SENDABLE_SHAPE } from './upstream/credentials.js';

/** A credential a caller sent for one upstream, and the header it came in (for messages). */
export interface CallerCredential {
  header: string;
  secret: string;
}

/** One per GraphQL request; the upstream clients in it are shared by all requests. */
export interface Context {
  /** Shared by every request: one client per configured upstream. */
  upstreams: Partial<Record<ServiceId, UpstreamClient>>;
  /** Per request: the federation entity references it asked for. */
  entities: EntityLoader;
  limits: OperationLimits;
  /** How long reading a resource back after a write in doubt may take. */
  readBackTimeoutMs: number;
  trace: RequestTrace;
  /**
   * The budget this part of the request's work counts its upstream calls against: the trace's
   * (the operation's own) unless the work has its own bound (a list walk, the entity references).
   */
  calls: UpstreamCallObserver;
  /** Who sent the request; undefined only when authentication did not run, which the scope check refuses. */
  caller: Caller | undefined;
  /** Shared: where every mutation's write is recorded (the audit trail). */
  journal: WriteJournal;
  /** Shared: the audit trail as auditEvents reads it, when the gateway keeps one. */
  audit: AuditTrail | undefined;
  /** Per request: the credentials the caller sent for it, by upstream. Never logged. */
  callerCredentials: Partial<Record<ServiceId, CallerCredential>>;
  /** Aborted when the caller hangs up before its answer: no write is sent after that. */
  callerGone: AbortSignal;
}

/**
 * The credentials a caller sent in the upstreams' headers (`headers` by service). Each is the vendor
 * credential itself (for bearer vendors the gateway adds `Bearer `); it replaces the configured one
 * for that upstream during this GraphQL request only, and goes to no other upstream.
 */
export function callerCredentials(request: Headers, headers: ReadonlyArray<readonly [ServiceId, string]>): Context['callerCredentials'] {
  const credentials: Context['callerCredentials'] = {};
  for (const [service, header] of headers) {
    const secret = request.get(header)?.trim();
    if (secret) credentials[service] = { header, secret };
  }
  return credentials;
}

/**
 * The client of one upstream for this request: with the caller's own credential if it sent one, and
 * counting its calls against `ctx.calls`. UPSTREAM_NOT_CONFIGURED without an API root.
 */
export function upstreamOf(ctx: Context, service: ServiceId, operation: string): Upstream {
  const client = ctx.upstreams[service];
  if (!client) {
    throw gatewayError('UPSTREAM_NOT_CONFIGURED', `The ${service} upstream is not configured on this gateway.`, {
      upstream: { service, operation },
    });
  }
  // A mutation's reads decide its preconditions and its outcome: they see the upstream as it is now.
  const fresh = ctx.trace.operationType === 'mutation';
  const own = ctx.callerCredentials[service];
  if (own === undefined) return client.forRequest(ctx.calls, undefined, fresh);
  // Checked here rather than by the HTTP client, so a malformed value is the caller's error and is never sent.
  if (!isSendable(own.secret)) {
    throw gatewayError('BAD_USER_INPUT', `The ${own.header} header must be the ${service} credential alone: ${SENDABLE_SHAPE}.`, {
      upstream: { service, operation },
    });
  }
  return client.forRequest(ctx.calls, own.secret, fresh);
}
