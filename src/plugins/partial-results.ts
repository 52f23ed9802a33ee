import type { ExecutionResult, GraphQLError } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';

/**
 * Errors reported beside a field's data rather than instead of it: a field that answers what it
 * could (the inventory, when one vendor fails) returns its data and reports each failure here, each
 * built by src/errors.ts with its path. They are appended to the result's errors once the operation
 * has run. Register before errorCodes, which then sees them as it sees every other error.
 */

const reported = new WeakMap<object, GraphQLError[]>();

/** Adds `error` to the errors of the operation `context` belongs to. */
export function reportBeside(context: object, error: GraphQLError): void {
  const errors = reported.get(context);
  if (errors) errors.push(error);
  else reported.set(context, [error]);
}

export function partialResults(): Plugin {
  return {
    onExecute({ args }) {
      return {
        onExecuteDone({ result, setResult }) {
          const errors = reported.get(args.contextValue as object);
          if (!errors || isAsyncIterable(result)) return;
          const done = result as ExecutionResult;
          setResult({ ...done, errors: [...(done.errors ?? []), ...errors] });
        },
      };
    },
  };
}
