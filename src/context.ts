import type { OperationLimits, ServiceId } from './config.js';
import type { EntityLoader } from './entity-loader.js';
import { gatewayError } from './errors.js';
import type { RequestTrace } from './request-trace.js';
import type { UpstreamClient } from './upstream/client.js';

/** One per GraphQL request; the upstream clients in it are shared by all requests. */
export interface Context {
  /** Shared by every request: one connection pool per upstream. */
  upstreams: Partial<Record<ServiceId, UpstreamClient>>;
  /** Per request: the federation entity references it asked for. */
  entities: EntityLoader;
  limits: OperationLimits;
  trace: RequestTrace;
}

/**
 * The client of one upstream, counting its calls against this request's budget; or
 * UPSTREAM_NOT_CONFIGURED when the gateway has no API root for it.
 */
export function upstreamOf(ctx: Context, service: ServiceId, operation: string): UpstreamClient {
  const client = ctx.upstreams[service];
  if (!client) {
    throw gatewayError('UPSTREAM_NOT_CONFIGURED', `The ${service} upstream is not configured on this gateway.`, {
      upstream: { service, operation },
    });
  }
  return client.observedBy(ctx.trace);
}
