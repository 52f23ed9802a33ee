import { getOperationAST, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { log } from '../log.js';
import { REQUEST_ID_HEADER, startTrace, traceOf } from './request-trace.js';

/**
 * One JSON log line per HTTP request: its id (also sent back as X-Request-Id), the caller's label,
 * the operation, the outcome, and every upstream call with its status and duration. Only these
 * fields are logged: never a header, a query, variables or a body, so no credential can get in.
 * Probes (`probePaths`: liveness, readiness, metrics) are logged at debug level only.
 */
export function requestTrace(options: { maxUpstreamCalls: number; probePaths: readonly string[] }): Plugin {
  return {
    onRequest({ request, url }) {
      // yoga has parsed the URL by now: the path is taken here rather than parsed again as the answer leaves.
      startTrace(request, options.maxUpstreamCalls).path = url.pathname.slice(0, 200);
    },
    onValidate({ context, params }) {
      const trace = traceOf(context.request);
      if (!trace) return;
      const operation = getOperationAST(params.documentAST, context.params?.operationName ?? undefined);
      if (operation?.name) trace.operationName = operation.name.value.slice(0, 100);
      if (operation) trace.operationType = operation.operation;
    },
    onResultProcess({ request, result }) {
      const trace = traceOf(request);
      const errors = (result as ExecutionResult | undefined)?.errors;
      if (trace && Array.isArray(errors)) {
        trace.errorCodes = errors.map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
        for (const error of errors) if (error.extensions?.limit) trace.limits.push(error.extensions.limit.name);
      }
    },
    onResponse({ request, response }) {
      const trace = traceOf(request);
      if (!trace) return;
      response.headers.set(REQUEST_ID_HEADER, trace.id);
      if (trace.noStore) response.headers.set('cache-control', 'no-store');
      const path = trace.path ?? '';
      trace.status = response.status;
      const write = options.probePaths.includes(path) ? log.debug : log.info;
      write('request', {
        requestId: trace.id,
        method: request.method,
        path,
        status: response.status,
        durationMs: trace.durationMs(),
        // Undefined members are left out of the line; the object keeps one shape.
        caller: trace.caller?.id,
        operationType: trace.operationType || undefined,
        operationName: trace.operationName || undefined,
        errors: trace.errorCodes.length > 0 ? trace.errorCodes : undefined,
        upstreamCalls: trace.calls,
      });
    },
  };
}
