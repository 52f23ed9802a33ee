import type { EnumRef, InputFieldBuilder } from '@pothos/core';
import { builder, type Types } from '../../builder.js';
import { SECRET_MARKER, type FieldChange } from '../../changes/write.js';
import { badUserInput, type FieldError } from '../../errors.js';
import { checkValue, type ValueSchema } from '../../value-schema.js';
import { camelCase } from './client.js';
import type { WritableField, WritableFields } from './spec.js';

/** The GraphQL enum of each spec enum, by its list of values (the same array the spec exports). */
export type EnumRefs = ReadonlyMap<readonly string[], EnumRef<Types, string, string>>;

/** EnumRefs from [the spec's values, the GraphQL enum built from them] pairs. */
export function enumRefs(...pairs: Array<[readonly string[], unknown]>): EnumRefs {
  return new Map(pairs as Array<[readonly string[], EnumRef<Types, string, string>]>);
}

/**
 * The GraphQL input type whose fields are all optional, one per writable upstream member: its
 * GraphQL name is the camelCase of the member's, its type follows from the member's schema.
 */
export function partialUpdateInput(name: string, description: string, fields: WritableFields, enums: EnumRefs) {
  return builder.inputType(name, {
    description,
    fields: (t) =>
      Object.fromEntries(Object.entries(fields).map(([upstream, field]) => [camelCase(upstream), inputField(t, field, enums)])),
  });
}

function inputField(t: InputFieldBuilder<Types, 'InputObject'>, field: WritableField, enums: EnumRefs) {
  const options = { required: false as const, ...(field.description ? { description: field.description } : {}) };
  const { schema } = field;
  switch (schema.type) {
    case 'boolean':
      return t.boolean(options);
    case 'integer':
      return t.int(options);
    case 'any':
      return t.field({ type: 'JSON', ...options });
    case 'enum':
      return t.field({ type: enumOf(schema, enums), ...options });
    case 'array':
      if (schema.items.type === 'integer') return t.intList(options);
      if (schema.items.type === 'enum') return t.field({ type: [enumOf(schema.items, enums)], ...options });
      return t.stringList(options);
    case 'string':
      return t.string(options);
  }
}

function enumOf(schema: Extract<ValueSchema, { type: 'enum' }>, enums: EnumRefs): EnumRef<Types, string, string> {
  const ref = enums.get(schema.values);
  if (!ref) throw new Error(`no GraphQL enum for the values ${schema.values.join(', ')}`);
  return ref;
}

/** GraphQL names by upstream name, for reading authentik's field errors. */
export function graphqlNames(fields: WritableFields): Record<string, string> {
  return Object.fromEntries(Object.keys(fields).map((upstream) => [upstream, camelCase(upstream)]));
}

/**
 * The request body for a partial update: exactly the fields the caller named, under their upstream
 * names, each checked against the spec (length, pattern, enum, format, nullability).
 */
export function partialUpdateBody(input: Record<string, unknown>, fields: WritableFields): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const errors: FieldError[] = [];
  for (const [upstream, gqlName, field] of namePairs(fields)) {
    if (!Object.hasOwn(input, gqlName) || input[gqlName] === undefined) continue;
    const value = input[gqlName];
    const problem = checkValue(value, field.schema);
    if (problem) errors.push({ field: gqlName, messages: [problem] });
    else body[upstream] = value;
  }
  if (errors.length > 0) throw badUserInput(errors);
  if (Object.keys(body).length === 0) throw badUserInput([{ field: 'input', messages: ['Name at least one field to change.'] }]);
  return body;
}

/** The body's fields as the audit trail records them: GraphQL names, secrets masked. */
export function bodyChanges(body: Record<string, unknown>, fields: WritableFields): FieldChange[] {
  return namePairs(fields)
    .filter(([upstream]) => Object.hasOwn(body, upstream))
    .map(([upstream, gqlName, field]) => ({ field: gqlName, after: field.secret ? SECRET_MARKER : body[upstream] }));
}

// Computed once per resource: a regex replace per writable field on every update showed in profiles.
const pairsByFields = new WeakMap<WritableFields, Array<[string, string, WritableField]>>();

function namePairs(fields: WritableFields): Array<[string, string, WritableField]> {
  let pairs = pairsByFields.get(fields);
  if (!pairs) {
    pairs = Object.entries(fields).map(([upstream, field]) => [upstream, camelCase(upstream), field]);
    pairsByFields.set(fields, pairs);
  }
  return pairs;
}
