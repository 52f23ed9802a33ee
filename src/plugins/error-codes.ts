import { GraphQLError, type ExecutionResult, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { invalidDocument, rewritten, type FieldError } from '../errors.js';

/**
 * The last word on every error the gateway sends:
 * - each carries an `extensions.code`, also those graphql-js raises on its own (a field's
 *   non-null violation is INTERNAL_SERVER_ERROR; anything else before execution, BAD_REQUEST);
 * - a subscription is refused while validating (the gateway has none), instead of graphql-js's
 *   uncoded "Schema is not configured to execute subscription operation";
 * - with `suggestions` off (introspection off), no message names fields, arguments, types or enum
 *   values the caller did not write: graphql-js's "Did you mean …?" would map the schema for anyone.
 * Register it last, so it sees what the other plugins made of the result.
 */
export function errorCodes(options: { suggestions: boolean }): Plugin {
  // Validation errors get yoga's GRAPHQL_VALIDATION_FAILED after this; execution errors are done here.
  const finish = (error: GraphQLError, executed: boolean): GraphQLError => {
    const code = error.extensions.code ?? (executed ? (error.path ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST') : undefined);
    const message = options.suggestions ? error.message : withoutSuggestion(error.message);
    const fieldErrors =
      options.suggestions || !error.extensions.fieldErrors
        ? error.extensions.fieldErrors
        : error.extensions.fieldErrors.map(fieldErrorWithoutSuggestion);
    if (code === error.extensions.code && message === error.message && fieldErrors === error.extensions.fieldErrors) return error;
    return rewritten(error, message, { ...(code ? { code } : {}), ...(fieldErrors ? { fieldErrors } : {}) });
  };
  const finishAll = (errors: readonly GraphQLError[], executed: boolean): GraphQLError[] | undefined => {
    let changed = false;
    const out = errors.map((error) => {
      const done = finish(error, executed);
      changed ||= done !== error;
      return done;
    });
    return changed ? out : undefined;
  };
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(noSubscriptions);
      return ({ result, setResult }) => {
        if (result.length === 0 || !result.every((error) => error instanceof GraphQLError)) return;
        const done = finishAll(result as GraphQLError[], false);
        if (done) setResult(done);
      };
    },
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          const errors = (result as ExecutionResult).errors;
          if (!errors || errors.length === 0) return;
          const done = finishAll(errors, true);
          if (done) setResult({ ...(result as ExecutionResult), errors: done });
        },
      };
    },
  };
}

const noSubscriptions: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (node.operation === 'subscription')
      context.reportError(invalidDocument('This gateway has no subscriptions: send a query or a mutation.', node));
  },
});

const SUGGESTION = ' Did you mean ';

/** graphql-js appends its suggestions as a last sentence, " Did you mean …?". */
export function withoutSuggestion(message: string): string {
  const at = message.lastIndexOf(SUGGESTION);
  return at !== -1 && message.endsWith('?') ? message.slice(0, at) : message;
}

function fieldErrorWithoutSuggestion(error: FieldError): FieldError {
  return { field: error.field, messages: error.messages.map(withoutSuggestion) };
}
