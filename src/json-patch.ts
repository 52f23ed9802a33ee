import jsonpatch from 'fast-json-patch';
import { builder } from './builder.js';
import { badUserInput, gatewayError, type FieldError } from './errors.js';
import { parsePointer } from './json-pointer.js';
import { checkValue, type ValueSchema } from './value-schema.js';

export type PatchOp = 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';

/** One RFC 6902 operation as the upstream receives it. */
export interface PatchOperation {
  op: PatchOp;
  path: string;
  from?: string;
  value?: unknown;
}

export const JsonPatchOpEnum = builder.enumType('JsonPatchOp', {
  description: 'An RFC 6902 operation.',
  values: {
    ADD: { value: 'add' },
    REMOVE: { value: 'remove' },
    REPLACE: { value: 'replace' },
    MOVE: { value: 'move' },
    COPY: { value: 'copy' },
    TEST: { value: 'test' },
  } as const,
});

export const JsonPatchOperationInput = builder.inputType('JsonPatchOperation', {
  description:
    'One RFC 6902 JSON Patch operation. `path` and `from` are JSON Pointers into the upstream resource as its vendor documents it (e.g. /description, /redirectUris/0).',
  fields: (t) => ({
    op: t.field({ type: JsonPatchOpEnum, required: true }),
    path: t.string({ required: true }),
    from: t.string({ description: 'Source pointer; required for MOVE and COPY.' }),
    value: t.field({ type: 'JSON', description: 'Required for ADD, REPLACE and TEST; may be null where the field is nullable.' }),
  }),
});

/** A patchable top-level member of a vendor's resource. */
export interface PatchableField {
  schema: ValueSchema;
  /** Whether the member itself may be removed (only members the vendor's schema does not require). */
  removable?: boolean;
}

export interface PatchRules {
  /** Where the list of patchable fields comes from, for messages. */
  vendor: string;
  fields: Readonly<Record<string, PatchableField>>;
}

interface Target {
  field: string;
  schema: ValueSchema;
  /** The element of an array member, when the pointer has an index. */
  element?: { index: number | '-' };
}

/**
 * Checks every operation before anything is sent: RFC 6902 shape, JSON Pointer syntax, the vendor's
 * patchable paths and the value types of known fields, and at most maxOps (GATEWAY_MAX_PATCH_OPS)
 * operations. Returns the operations as the upstream gets them.
 */
export function checkPatch(ops: ReadonlyArray<PatchOperation>, rules: PatchRules, maxOps: number, argName = 'ops'): PatchOperation[] {
  const errors: FieldError[] = [];
  if (ops.length === 0) {
    errors.push({ field: argName, messages: ['A patch needs at least one operation.'] });
  } else if (ops.length > maxOps) {
    errors.push({ field: argName, messages: [`A patch may have at most ${maxOps} operations; this one has ${ops.length}.`] });
  }
  if (errors.length > 0) throw badUserInput(errors);

  const checked: PatchOperation[] = [];
  for (let i = 0; i < ops.length; i += 1) {
    const result = checkOperation(ops[i]!, rules);
    if ('problem' in result) errors.push({ field: `${argName}[${i}].${result.member}`, messages: [result.problem] });
    else if (errors.length === 0) checked.push(result);
  }
  if (errors.length > 0) throw badUserInput(errors);
  return checked;
}

/**
 * The RFC 6902 shape of a patch of a document that has no list of patchable paths (one whose vendor takes partial updates,
 * checked after it is applied): pointer syntax, a value for add/replace/test, a from pointer for
 * move/copy, at most maxOps operations. Returns the operations as they will be applied.
 */
export function checkPatchShape(ops: ReadonlyArray<PatchOperation>, maxOps: number, argName = 'ops'): PatchOperation[] {
  if (ops.length === 0) throw badUserInput([{ field: argName, messages: ['A patch needs at least one operation.'] }]);
  if (ops.length > maxOps)
    throw badUserInput([{ field: argName, messages: [`A patch may have at most ${maxOps} operations; this one has ${ops.length}.`] }]);
  const errors: FieldError[] = [];
  const pointerProblem = (pointer: string) => {
    const tokens = parsePointer(pointer);
    if (!tokens)
      return `"${truncate(pointer)}" is not a JSON Pointer (RFC 6901): it must start with "/" and escape "~" as "~0" and "/" as "~1".`;
    return tokens.length === 0 ? 'The whole document cannot be patched; name a field.' : undefined;
  };
  const checked = ops.map((op, i) => {
    const path = pointerProblem(op.path);
    if (path) errors.push({ field: `${argName}[${i}].path`, messages: [path] });
    if ((op.op === 'add' || op.op === 'replace' || op.op === 'test') && op.value === undefined) {
      errors.push({ field: `${argName}[${i}].value`, messages: [`${op.op.toUpperCase()} needs a value.`] });
    }
    if (op.op === 'move' || op.op === 'copy') {
      const from = op.from == null ? `${op.op.toUpperCase()} needs a from pointer.` : pointerProblem(op.from);
      if (from) errors.push({ field: `${argName}[${i}].from`, messages: [from] });
      return { op: op.op, path: op.path, from: op.from! };
    }
    return op.op === 'remove' ? { op: op.op, path: op.path } : { op: op.op, path: op.path, value: op.value };
  });
  if (errors.length > 0) throw badUserInput(errors);
  return checked;
}

/** What is wrong with one operation, and in which of its members. */
interface Problem {
  member: 'path' | 'from' | 'value';
  problem: string;
}

// Results are values rather than callbacks and messages are built only on failure: a 1,000-operation
// patch is checked on every request, and closures and strings per operation were most of its garbage.
function checkOperation(op: PatchOperation, rules: PatchRules): PatchOperation | Problem {
  const target = resolveTarget(op.path, rules);
  if (typeof target === 'string') return { member: 'path', problem: target };
  const hasValue = op.value !== undefined;

  switch (op.op) {
    case 'add':
    case 'replace':
    case 'test': {
      if (!hasValue) return { member: 'value', problem: `${op.op.toUpperCase()} needs a value.` };
      if (op.op !== 'add' && target.element?.index === '-') {
        return {
          member: 'path',
          problem: `"-" names a position after the last element; ${op.op.toUpperCase()} needs an existing element.`,
        };
      }
      const problem = checkValue(op.value, target.schema);
      if (problem) return { member: 'value', problem: `${op.path}: ${problem}` };
      return { op: op.op, path: op.path, value: op.value };
    }
    case 'remove': {
      if (target.element?.index === '-') return { member: 'path', problem: '"-" cannot be removed; name an element index.' };
      if (!target.element && !rules.fields[target.field]?.removable) {
        return { member: 'path', problem: `${target.field} is required by ${rules.vendor} and cannot be removed; replace it instead.` };
      }
      return { op: 'remove', path: op.path };
    }
    case 'move':
    case 'copy': {
      if (op.from === undefined || op.from === null) return { member: 'from', problem: `${op.op.toUpperCase()} needs a from pointer.` };
      const source = resolveTarget(op.from, rules);
      if (typeof source === 'string') return { member: 'from', problem: source };
      if (source.element?.index === '-') return { member: 'from', problem: '"-" does not name an existing element.' };
      if (op.op === 'move' && !source.element && !rules.fields[source.field]?.removable) {
        return { member: 'from', problem: `${source.field} is required by ${rules.vendor} and cannot be moved away.` };
      }
      if (op.op === 'move' && op.path.startsWith(`${op.from}/`))
        return { member: 'path', problem: 'A value cannot be moved into one of its own children.' };
      if (!sameSchema(source.schema, target.schema)) {
        return { member: 'from', problem: `${op.from} and ${op.path} hold different types of value.` };
      }
      return { op: op.op, from: op.from, path: op.path };
    }
  }
}

/** The patchable member a pointer names, or what is wrong with the pointer. */
function resolveTarget(pointer: string, rules: PatchRules): Target | string {
  const tokens = parsePointer(pointer);
  if (!tokens)
    return `"${truncate(pointer)}" is not a JSON Pointer (RFC 6901): it must start with "/" and escape "~" as "~0" and "/" as "~1".`;
  if (tokens.length === 0) return 'The whole document cannot be patched; name a field.';
  const field = tokens[0]!;
  const patchable = Object.hasOwn(rules.fields, field) ? rules.fields[field] : undefined;
  if (!patchable) {
    return `/${truncate(field)} is not patchable on ${rules.vendor}. Patchable: ${Object.keys(rules.fields)
      .map((f) => `/${f}`)
      .join(', ')}.`;
  }
  if (tokens.length === 1) return { field, schema: patchable.schema };
  const items = patchable.schema.type === 'array' ? patchable.schema.items : undefined;
  if (!items || tokens.length > 2) return `${truncate(pointer)} points inside ${field}, which has no such member.`;
  const token = tokens[1]!;
  if (token === '-') return { field, schema: items, element: { index: '-' } };
  if (!/^(0|[1-9][0-9]{0,8})$/.test(token)) return `"${truncate(token)}" is not an array index of ${field}.`;
  return { field, schema: items, element: { index: Number(token) } };
}

function sameSchema(a: ValueSchema, b: ValueSchema): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'array' && b.type === 'array') return sameSchema(a.items, b.items);
  if (a.type === 'enum' && b.type === 'enum') return a.values.every((v) => b.values.includes(v));
  return true;
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Runs a checked patch against the resource as the upstream last returned it. Used when a patch has
 * TEST operations: a failing test becomes CONFLICT, and an index past the end becomes BAD_USER_INPUT,
 * before the write is sent. The upstream still evaluates the patch itself, atomically.
 */
export function rehearsePatch(document: unknown, ops: ReadonlyArray<PatchOperation>, argName = 'ops'): void {
  try {
    jsonpatch.applyPatch(jsonpatch.deepClone(document), ops as jsonpatch.Operation[], true, true, true);
  } catch (error) {
    const name = (error as { name?: string }).name;
    const index = (error as { index?: number }).index ?? 0;
    if (name === 'TEST_OPERATION_FAILED') {
      throw gatewayError(
        'CONFLICT',
        `The TEST operation ${argName}[${index}] failed: the resource does not hold that value at ${ops[index]?.path}.`,
        {
          fieldErrors: [{ field: `${argName}[${index}]`, messages: ['Test failed; nothing was changed.'] }],
        },
      );
    }
    const member = name === 'OPERATION_FROM_UNRESOLVABLE' ? 'from' : 'path';
    throw badUserInput([
      {
        field: `${argName}[${index}].${member}`,
        messages: [`The patch cannot be applied to the current resource (${name ?? 'invalid'}).`],
      },
    ]);
  }
}
