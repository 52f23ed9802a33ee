import { getOperationAST, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { log } from '../log.js';
import { startTrace, traceOf } from './request-trace.js';

export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * One JSON log line per HTTP request: its id (also sent back as X-Request-Id), the caller's label,
 * the operation, the outcome, and every upstream call with its status and duration. Only these
 * fields are logged: never a header, a query, variables or a body, so no credential can get in.
 */
export function requestTrace(options: { maxUpstreamCalls: number; healthCheckEndpoint: string }): Plugin {
  return {
    onRequest({ request }) {
      startTrace(request, options.maxUpstreamCalls);
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
      }
    },
    onResponse({ request, response }) {
      const trace = traceOf(request);
      if (!trace) return;
      response.headers.set(REQUEST_ID_HEADER, trace.id);
      if (trace.noStore) response.headers.set('cache-control', 'no-store');
      const path = new URL(request.url, 'http://localhost').pathname.slice(0, 200);
      const write = path === options.healthCheckEndpoint ? log.debug : log.info;
      write('request', {
        requestId: trace.id,
        method: request.method,
        path,
        status: response.status,
        durationMs: trace.durationMs(),
        ...(trace.caller ? { caller: trace.caller.id } : {}),
        ...(trace.operationType ? { operationType: trace.operationType } : {}),
        ...(trace.operationName ? { operationName: trace.operationName } : {}),
        ...(trace.errorCodes.length > 0 ? { errors: trace.errorCodes } : {}),
        upstreamCalls: trace.calls,
      });
    },
  };
}
