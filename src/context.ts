import type { ServiceId } from './config.js';
import { gatewayError } from './errors.js';
import type { Upstream, UpstreamClient } from './upstream/client.js';

export interface Context {
  /** Shared by every request: one client per configured upstream. */
  upstreams: Partial<Record<ServiceId, UpstreamClient>>;
  /** Credentials the caller sent for this one GraphQL request, by upstream. Never logged. */
  callerCredentials: Partial<Record<ServiceId, string>>;
}

/**
 * The header in which a caller may send its own credential for one upstream: the vendor credential
 * itself (for bearer vendors the gateway adds `Bearer `). It replaces the configured one for that
 * upstream during that GraphQL request only, and goes to no other upstream.
 */
export const CALLER_CREDENTIAL_HEADERS: Readonly<Record<ServiceId, string>> = {
  authentik: 'x-authentik-token',
  identitynow: 'x-identitynow-token',
  launchdarkly: 'x-launchdarkly-api-key',
};

export function callerCredentials(headers: Headers): Context['callerCredentials'] {
  const credentials: Context['callerCredentials'] = {};
  for (const [service, header] of Object.entries(CALLER_CREDENTIAL_HEADERS) as Array<[ServiceId, string]>) {
    const value = headers.get(header)?.trim();
    if (value) credentials[service] = value;
  }
  return credentials;
}

/** The client of one upstream, or UPSTREAM_NOT_CONFIGURED when the gateway has no API root for it. */
export function upstreamOf(ctx: Context, service: ServiceId, operation: string): Upstream {
  const client = ctx.upstreams[service];
  if (!client) {
    throw gatewayError('UPSTREAM_NOT_CONFIGURED', `The ${service} upstream is not configured on this gateway.`, {
      upstream: { service, operation },
    });
  }
  const secret = ctx.callerCredentials[service];
  return secret === undefined ? client : client.withCallerCredential(secret);
}
