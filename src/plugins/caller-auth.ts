import { getOperationAST, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { CallerAuthenticator } from '../caller-auth.js';
import { SCOPES } from '../config.js';
import type { Context } from '../context.js';
import { traceOf } from '../request-trace.js';

/**
 * Authenticates the caller before the body is even read, then lets the operation run only with
 * the scope it needs: oauth-gateway:read for a query, oauth-gateway:write for a mutation. Both
 * happen before any resolver, so a refused caller never causes an upstream call.
 */
export function callerAuth(authenticator: CallerAuthenticator): Plugin<Context> {
  return {
    async onRequestParse({ request }) {
      const caller = await authenticator.authenticate(request.headers);
      const trace = traceOf(request);
      if (trace) trace.caller = caller;
    },
    onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      const needed = operation?.operation === 'mutation' ? SCOPES.write : SCOPES.read;
      // A context without a caller means authentication did not run: refuse rather than guess.
      const caller = (args.contextValue as Context).trace.caller;
      if (caller?.scopes.includes(needed)) return;
      setResultAndStopExecution({
        errors: [
          new GraphQLError(`This ${operation?.operation ?? 'operation'} needs the scope ${needed}, which the caller does not have.`, {
            extensions: { code: 'FORBIDDEN', http: { status: 403 } },
          }),
        ],
      });
    },
  };
}
