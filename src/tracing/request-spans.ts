import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
  type TextMapGetter,
  type Tracer,
} from '@opentelemetry/api';
import { shouldRenderGraphiQL, type Plugin } from 'graphql-yoga';
import { traceOf } from '../trace/request-trace.js';

const HEADERS: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

/**
 * A server span for each GraphQL request, child of the caller's `traceparent` when it sent one, and
 * the active span while the request runs, so the upstream calls' spans are its children. Named and
 * described as OpenTelemetry's GraphQL conventions say (`mutation PatchClient`); never a query, a
 * variable or a header in it. The GraphiQL page and the probes get none.
 */
export function requestSpans(tracer: Tracer, graphqlEndpoint = '/graphql'): Plugin {
  const served = new WeakSet<Span>();
  return {
    instrumentation: {
      request({ request }, wrapped) {
        if (new URL(request.url).pathname !== graphqlEndpoint || shouldRenderGraphiQL(request)) return wrapped();
        const parent = propagation.extract(ROOT_CONTEXT, request.headers, HEADERS);
        const span = tracer.startSpan(
          `${request.method} ${graphqlEndpoint}`,
          { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'url.path': graphqlEndpoint } },
          parent,
        );
        served.add(span);
        const end = (error?: unknown) => {
          if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        };
        return context.with(trace.setSpan(parent, span), async () => {
          try {
            await wrapped();
            end();
          } catch (error) {
            end(error);
            throw error;
          }
        });
      },
    },
    onResponse({ request, response }) {
      const span = trace.getActiveSpan();
      if (!span || !served.has(span)) return;
      const requestTrace = traceOf(request);
      span.setAttribute('http.response.status_code', response.status);
      if (!requestTrace) return;
      const { operationType, operationName, errorCodes } = requestTrace;
      span.setAttribute('gateway.request_id', requestTrace.id);
      if (operationType) {
        span.setAttribute('graphql.operation.type', operationType);
        span.updateName(operationName ? `${operationType} ${operationName}` : operationType);
      }
      if (operationName) span.setAttribute('graphql.operation.name', operationName);
      if (errorCodes.length > 0) {
        span.setAttribute('gateway.error_codes', errorCodes);
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorCodes[0] });
      } else if (response.status >= 500) {
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
    },
  };
}
