import { GraphQLError, Kind, Lexer, parse, Source, TokenKind, type SelectionSetNode, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { OperationLimits } from '../config.js';
import { badUserInput, limitExceeded } from '../errors.js';

// Deeper JSON than this is never a real OAuth resource value, and deeper still would cost recursion.
export const MAX_VALUE_NESTING = 32;

/**
 * What one GraphQL request may ask for, checked before anything runs: tokens while parsing; depth,
 * aliases, root fields and string literals while validating; the size and shape of the variables
 * before execution. Each root field may call an upstream, so more root fields than the budget of
 * upstream calls (GATEWAY_MAX_UPSTREAM_CALLS) refuse the whole operation: 100 aliased mutations
 * send nothing. The budget itself is also enforced call by call (RequestTrace), for the fields
 * that make more than one call.
 */
export function operationLimits(limits: OperationLimits): Plugin {
  const rules = [
    maxDepthRule(limits.maxDepth),
    maxAliasesRule(limits.maxAliases),
    maxRootFieldsRule(limits.maxUpstreamCalls),
    literalsRule(limits.maxStringLength),
  ];
  return {
    onParse({ setParseFn }) {
      setParseFn((source, options) => parseWithin(source, options, limits.maxTokens));
    },
    onValidate({ addValidationRule }) {
      for (const rule of rules) addValidationRule(rule);
    },
    onExecute({ args, setResultAndStopExecution }) {
      const problem = variablesProblem(args.variableValues, limits.maxStringLength);
      if (problem) setResultAndStopExecution({ errors: [problem] });
    },
  };
}

function parseWithin(source: string | Source, options: Parameters<typeof parse>[1], maxTokens: number) {
  try {
    return parse(source, { ...options, maxTokens });
  } catch (error) {
    // graphql-js says so only in its message; count again rather than read it.
    if (error instanceof GraphQLError && exceedsTokens(source, maxTokens)) {
      throw limitExceeded({ name: 'tokens', max: maxTokens }, `The document has more than ${maxTokens} tokens.`);
    }
    throw error;
  }
}

function exceedsTokens(source: string | Source, max: number): boolean {
  const lexer = new Lexer(typeof source === 'string' ? new Source(source) : source);
  try {
    for (let count = 0; count <= max; count += 1) {
      if (lexer.advance().kind === TokenKind.EOF) return false;
    }
    return true;
  } catch {
    return false;
  }
}

function maxDepthRule(max: number): ValidationRule {
  return function MaxDepth(context) {
    // A fragment is as deep wherever it is spread: each is measured once, so spreading fragments
    // into each other cannot make this check exponential.
    const fragmentDepths = new Map<string, number>();
    const onPath = new Set<string>();
    const depth = (set: SelectionSetNode): number => {
      let deepest = 0;
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) {
          // Introspection has its own limit (graphql-js's MaxIntrospectionDepthRule); GraphiQL's query is 15 deep.
          if (selection.name.value.startsWith('__')) continue;
          deepest = Math.max(deepest, 1 + (selection.selectionSet ? depth(selection.selectionSet) : 0));
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, depth(selection.selectionSet));
        } else {
          const name = selection.name.value;
          // A cycle, which graphql-js reports itself.
          if (onPath.has(name)) continue;
          let known = fragmentDepths.get(name);
          if (known === undefined) {
            const fragment = context.getFragment(name);
            if (!fragment) continue;
            onPath.add(name);
            known = depth(fragment.selectionSet);
            onPath.delete(name);
            fragmentDepths.set(name, known);
          }
          deepest = Math.max(deepest, known);
        }
      }
      return deepest;
    };
    return {
      OperationDefinition(node) {
        if (depth(node.selectionSet) > max) {
          context.reportError(limitExceeded({ name: 'depth', max }, `The operation nests fields more than ${max} levels deep.`));
        }
      },
    };
  };
}

function maxAliasesRule(max: number): ValidationRule {
  return function MaxAliases(context) {
    let count = 0;
    return {
      Field(node) {
        if (node.alias) count += 1;
      },
      Document: {
        leave() {
          if (count > max)
            context.reportError(limitExceeded({ name: 'aliases', max }, `The document has ${count} aliases; at most ${max} are allowed.`));
        },
      },
    };
  };
}

/** Every distinct root response key runs one resolver, and each resolver calls an upstream. */
function maxRootFieldsRule(maxUpstreamCalls: number): ValidationRule {
  return function MaxRootFields(context) {
    return {
      OperationDefinition(node) {
        const keys = new Set<string>();
        // A fragment spread twice adds the same keys twice: each is walked once.
        const seen = new Set<string>();
        const collect = (set: SelectionSetNode): void => {
          for (const selection of set.selections) {
            if (selection.kind === Kind.FIELD) {
              if (!selection.name.value.startsWith('__')) keys.add(selection.alias?.value ?? selection.name.value);
            } else if (selection.kind === Kind.INLINE_FRAGMENT) {
              collect(selection.selectionSet);
            } else if (!seen.has(selection.name.value)) {
              seen.add(selection.name.value);
              const fragment = context.getFragment(selection.name.value);
              if (fragment) collect(fragment.selectionSet);
            }
          }
        };
        collect(node.selectionSet);
        if (keys.size > maxUpstreamCalls) {
          context.reportError(
            limitExceeded(
              { name: 'upstreamCalls', max: maxUpstreamCalls },
              `The operation has ${keys.size} root fields, and each may call an upstream; at most ${maxUpstreamCalls} upstream calls are allowed per operation. Nothing was sent.`,
            ),
          );
        }
      },
    };
  };
}

/** Literal values and names in the document: string length, nesting, and no "__proto__" key in a JSON literal. */
function literalsRule(maxStringLength: number): ValidationRule {
  return function Literals(context) {
    let reported = false;
    const report = (error: GraphQLError) => {
      if (!reported) context.reportError(error);
      reported = true;
    };
    let nesting = 0;
    const nest = {
      enter() {
        nesting += 1;
        if (nesting > MAX_VALUE_NESTING) {
          report(
            limitExceeded(
              { name: 'nesting', max: MAX_VALUE_NESTING },
              `A value in the document is nested more than ${MAX_VALUE_NESTING} levels deep.`,
            ),
          );
        }
      },
      leave() {
        nesting -= 1;
      },
    };
    return {
      ListValue: nest,
      ObjectValue: nest,
      StringValue(node) {
        if (node.value.length > maxStringLength) {
          report(
            limitExceeded(
              { name: 'stringLength', max: maxStringLength },
              `A string in the document is longer than ${maxStringLength} characters.`,
            ),
          );
        }
      },
      Name(node) {
        if (node.value.length > maxStringLength) {
          report(
            limitExceeded(
              { name: 'stringLength', max: maxStringLength },
              `A name in the document is longer than ${maxStringLength} characters.`,
            ),
          );
        }
      },
      ObjectField(node) {
        if (node.name.value === '__proto__')
          report(badUserInput([{ field: '__proto__', messages: ['is not accepted as an object key.'] }]));
      },
    };
  };
}

/** A value inside the variables, with how it was reached; its path is spelled out only for an error. */
interface Visit {
  value: unknown;
  parent: Visit | undefined;
  key: string | number;
  depth: number;
}

function pathOf(visit: Visit): string {
  let path = '';
  for (let at: Visit | undefined = visit; at?.parent; at = at.parent) {
    path = typeof at.key === 'number' ? `[${at.key}]${path}` : at.parent.parent ? `.${at.key}${path}` : `${at.key}${path}`;
  }
  return path === '' ? 'variables' : path;
}

/**
 * The variables as sent: every string within maxStringLength, nesting within MAX_VALUE_NESTING,
 * and no "__proto__" key. Checked without recursion, so no input can exhaust the stack here, and
 * without building a path for every value (1,000-operation patches are checked on every request).
 */
export function variablesProblem(variables: unknown, maxStringLength: number): GraphQLError | undefined {
  const stack: Visit[] = [{ value: variables, parent: undefined, key: '', depth: 0 }];
  while (stack.length > 0) {
    const visit = stack.pop()!;
    const { value, depth } = visit;
    if (typeof value === 'string') {
      if (value.length > maxStringLength) {
        const field = pathOf(visit);
        return limitExceeded(
          { name: 'stringLength', max: maxStringLength },
          `${field} is longer than ${maxStringLength} characters.`,
          field,
        );
      }
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_VALUE_NESTING) {
      const field = pathOf(visit);
      return limitExceeded(
        { name: 'nesting', max: MAX_VALUE_NESTING },
        `${field} is nested more than ${MAX_VALUE_NESTING} levels deep.`,
        field,
      );
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i += 1) stack.push({ value: value[i], parent: visit, key: i, depth: depth + 1 });
      continue;
    }
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      if (key === '__proto__') return badUserInput([{ field: pathOf(visit), messages: ['"__proto__" is not accepted as an object key.'] }]);
      if (key.length > maxStringLength) {
        const field = pathOf(visit);
        return limitExceeded(
          { name: 'stringLength', max: maxStringLength },
          `A key in ${field} is longer than ${maxStringLength} characters.`,
          field,
        );
      }
      stack.push({ value: (value as Record<string, unknown>)[key], parent: visit, key, depth: depth + 1 });
    }
  }
  return undefined;
}
