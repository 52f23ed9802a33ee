import {
  getOperationAST,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { SCOPES, type Scope } from '../config.js';
import type { Context } from '../context.js';
import { forbidden } from '../errors.js';
import { traceOf } from '../trace/request-trace.js';
import type { Caller, CallerAuthenticator } from './authenticator.js';

/**
 * The caller authenticated for this HTTP request, kept on its trace; undefined when authentication
 * has not run (or the request has no trace, which createGateway never allows), which the scope check refuses.
 */
export function callerOf(request: Request): Caller | undefined {
  return traceOf(request)?.caller;
}

/**
 * Root query fields that need another scope than oauth-gateway:read. The audit trail is its own
 * duty: oauth-gateway:audit reads it, and neither implies the other.
 */
const QUERY_FIELD_SCOPES: Readonly<Record<string, Scope>> = { auditEvents: SCOPES.audit };

/**
 * Authenticates the caller before the body is even read, then lets the operation run only with
 * the scopes it needs: oauth-gateway:write for a mutation; for a query, oauth-gateway:audit for
 * auditEvents and oauth-gateway:read for every other field (a query of both needs both). Both
 * happen before any resolver, so a refused caller never causes an upstream call. The caller goes on
 * the Context, for the resolvers, and on the request's trace, for its log line.
 */
export function callerAuth(authenticator: CallerAuthenticator): Plugin<Context> {
  return {
    async onRequestParse({ request }) {
      const trace = traceOf(request);
      const caller = await authenticator.authenticate(request.headers);
      if (trace) trace.caller = caller;
    },
    onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      const needed = operation ? neededScopes(args.document, operation) : [SCOPES.read];
      // A context without a caller means authentication did not run: refuse rather than guess.
      const { caller } = args.contextValue as Context;
      const missing = needed.filter((scope) => !caller?.scopes.includes(scope));
      if (missing.length === 0) return;
      setResultAndStopExecution({
        errors: [
          forbidden(
            `This ${operation?.operation ?? 'operation'} needs the scope${missing.length > 1 ? 's' : ''} ${missing.join(' and ')}, which the caller does not have.`,
          ),
        ],
      });
    },
  };
}

function neededScopes(document: DocumentNode, operation: OperationDefinitionNode): Scope[] {
  if (operation.operation === 'mutation') return [SCOPES.write];
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const needed = new Set<Scope>();
  const seen = new Set<string>();
  // Root fields, wherever fragments put them; @skip and @include are not evaluated, so a field that
  // might run counts.
  const visit = (selections: SelectionSetNode) => {
    for (const selection of selections.selections) {
      if (selection.kind === Kind.FIELD) {
        // __typename needs nothing; an operation of meta fields alone (introspection) needs read, below.
        if (!selection.name.value.startsWith('__')) needed.add(QUERY_FIELD_SCOPES[selection.name.value] ?? SCOPES.read);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet);
      } else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) visit(fragment.selectionSet);
      }
    }
  };
  visit(operation.selectionSet);
  if (needed.size === 0) needed.add(SCOPES.read);
  return [...needed];
}
