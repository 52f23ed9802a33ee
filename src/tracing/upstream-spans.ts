import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Tracer } from '@opentelemetry/api';
import type { Attempted, CallTelemetry } from '../upstream/policies.js';

/**
 * A client span for each upstream call, child of the active span (the GraphQL request's, or the call
 * that needed a token), its context sent upstream in `traceparent` with every attempt. It carries the
 * service, the vendor's operation id, the method, the upstream's host, the final status and the
 * retries (each one an event); never a header, a credential, a path or a body.
 */
export function upstreamSpans(tracer: Tracer): CallTelemetry {
  const servers = new Map<string, Attributes>();
  const serverOf = (origin: string): Attributes => {
    let attributes = servers.get(origin);
    if (!attributes) {
      const url = new URL(origin);
      attributes = { 'server.address': url.hostname, 'server.port': Number(url.port || (url.protocol === 'https:' ? 443 : 80)) };
      servers.set(origin, attributes);
    }
    return attributes;
  };
  return {
    start(call) {
      const parent = context.active();
      const span = tracer.startSpan(
        `${call.service} ${call.operation}`,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'http.request.method': call.request.method,
            ...serverOf(call.request.origin),
            'gateway.upstream.service': call.service,
            'gateway.upstream.operation': call.operation,
          },
        },
        parent,
      );
      const active = trace.setSpan(parent, span);
      const headers: Record<string, string> = {};
      propagation.inject(active, headers);
      return {
        headers,
        within: (run) => context.with(active, run),
        retried: (info) =>
          span.addEvent('retry', {
            'gateway.upstream.retry': info.retry,
            'gateway.upstream.retry_reason': info.reason,
            'gateway.upstream.retry_delay_ms': info.delayMs,
          }),
        renewed: () => span.addEvent('token renewed'),
        ended(ended, attempted) {
          span.setAttribute('gateway.upstream.retries', ended.retries);
          if (ended.retries > 0) span.setAttribute('http.request.resend_count', ended.retries);
          if (ended.renewed) span.setAttribute('gateway.upstream.token_renewed', true);
          const status = statusOf(attempted);
          if (status !== undefined) span.setAttribute('http.response.status_code', status);
          const error = errorType(attempted);
          if (error !== undefined) {
            span.setAttribute('error.type', error);
            span.setStatus({ code: SpanStatusCode.ERROR });
          }
          span.end();
        },
      };
    },
  };
}

function statusOf(attempted: Attempted | undefined): number | undefined {
  const exchange = attempted?.exchange;
  return exchange?.kind === 'answer' || exchange?.kind === 'tooLarge' ? exchange.status : exchange?.status;
}

/** As OpenTelemetry's HTTP client conventions say: the status from 400 on, otherwise how it failed. */
function errorType(attempted: Attempted | undefined): string | undefined {
  const exchange = attempted?.exchange;
  if (!exchange) return 'credential';
  if (exchange.kind === 'answer') return exchange.status >= 400 ? String(exchange.status) : undefined;
  if (exchange.kind === 'tooLarge') return 'too_large';
  return exchange.failure;
}
