import {
  coerceInputValue,
  getOperationAST,
  isNonNullType,
  GraphQLError,
  typeFromAST,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { badUserInput, type FieldError } from '../errors.js';

/**
 * graphql-js refuses variables that do not fit their types (an unknown JSON Patch op, a string where
 * a boolean goes) before any resolver runs, with errors that carry no code. This gives them the
 * contract's BAD_USER_INPUT and fieldErrors naming the caller's input (ops[1].op), found by coercing
 * the variables again with a structured error callback. It runs only when such errors occurred.
 */
export function variableErrors(): Plugin {
  return {
    onExecute({ args }) {
      return {
        onExecuteDone({ result, setResult }) {
          if (!isRequestError(result)) return;
          const fieldErrors = coercionErrors(args.schema, args.document, args.operationName ?? undefined, args.variableValues ?? {});
          if (fieldErrors.length === 0) return;
          const error = badUserInput(fieldErrors);
          setResult({ errors: [error] });
        },
      };
    },
  };
}

function isRequestError(result: unknown): result is ExecutionResult {
  const r = result as ExecutionResult;
  return (
    typeof result === 'object' &&
    result !== null &&
    !('data' in r && r.data !== undefined) &&
    Array.isArray(r.errors) &&
    r.errors.length > 0 &&
    r.errors.every((e) => e instanceof GraphQLError && e.extensions.code === undefined && e.path === undefined)
  );
}

function coercionErrors(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  values: Record<string, unknown>,
): FieldError[] {
  const operation = getOperationAST(document, operationName);
  const errors: FieldError[] = [];
  for (const definition of operation?.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type as Parameters<typeof typeFromAST>[1]) as GraphQLInputType | undefined;
    if (!type) continue;
    if (!Object.hasOwn(values, name)) {
      if (isNonNullType(type) && !definition.defaultValue) errors.push({ field: name, messages: ['is required.'] });
      continue;
    }
    coerceInputValue(values[name], type, (path, _invalid, error) => {
      errors.push({ field: formatPath(name, path), messages: [error.message] });
    });
  }
  return errors;
}

/** ['ops', 1, 'op'] → ops[1].op */
function formatPath(name: string, path: ReadonlyArray<string | number>): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : `${out}.${key}`), name);
}
