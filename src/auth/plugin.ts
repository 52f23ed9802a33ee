import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { SCOPES } from '../config.js';
import type { Context } from '../context.js';
import { forbidden } from '../errors.js';
import { traceOf } from '../trace/request-trace.js';
import type { Caller, CallerAuthenticator } from './authenticator.js';

const callers = new WeakMap<Request, Caller>();

/** The caller authenticated for this HTTP request; undefined when authentication has not run. */
export function callerOf(request: Request): Caller | undefined {
  return callers.get(request);
}

/**
 * Authenticates the caller before the body is even read, then lets the operation run only with
 * the scope it needs: oauth-gateway:read for a query, oauth-gateway:write for a mutation. Both
 * happen before any resolver, so a refused caller never causes an upstream call. The caller goes on
 * the Context, for the resolvers, and on the request's trace, for its log line.
 */
export function callerAuth(authenticator: CallerAuthenticator): Plugin<Context> {
  return {
    async onRequestParse({ request }) {
      const caller = await authenticator.authenticate(request.headers);
      callers.set(request, caller);
      const trace = traceOf(request);
      if (trace) trace.caller = caller;
    },
    onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      const needed = operation?.operation === 'mutation' ? SCOPES.write : SCOPES.read;
      // A context without a caller means authentication did not run: refuse rather than guess.
      const { caller } = args.contextValue as Context;
      if (caller?.scopes.includes(needed)) return;
      setResultAndStopExecution({
        errors: [forbidden(`This ${operation?.operation ?? 'operation'} needs the scope ${needed}, which the caller does not have.`)],
      });
    },
  };
}
