import type { EnumRef } from '@pothos/core';
import { builder, type Types } from '../../builder.js';
import { badUserInput, type FieldError } from '../../errors.js';
import { checkValue, type ValueSchema } from '../../value-schema.js';
import { camelCase } from './client.js';

/**
 * One writable member of an authentik Patched*Request, transcribed from the spec: its upstream name
 * is the key, its GraphQL name is the camelCase of it.
 */
export interface WritableField {
  schema: ValueSchema;
  /** GraphQL type of the input field; enums use the type's enum, lists of UUIDs are [String!]. */
  graphql: 'String' | 'Boolean' | 'JSON' | '[String]' | EnumRef<Types, string, string>;
  description?: string;
}

export type WritableFields = Readonly<Record<string, WritableField>>;

/** The GraphQL input type whose fields are all optional, one per writable upstream member. */
export function partialUpdateInput(name: string, description: string, fields: WritableFields) {
  return builder.inputType(name, {
    description,
    fields: (t) =>
      Object.fromEntries(
        Object.entries(fields).map(([upstream, field]) => {
          const options = { required: false as const, ...(field.description ? { description: field.description } : {}) };
          const gqlName = camelCase(upstream);
          switch (field.graphql) {
            case 'String':
              return [gqlName, t.string(options)];
            case 'Boolean':
              return [gqlName, t.boolean(options)];
            case 'JSON':
              return [gqlName, t.field({ type: 'JSON', ...options })];
            case '[String]':
              return [gqlName, t.stringList(options)];
            default:
              return [gqlName, t.field({ type: field.graphql, ...options })];
          }
        }),
      ),
  });
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
