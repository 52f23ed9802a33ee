import type { EnumRef, InputFieldBuilder } from '@pothos/core';
import { builder, type Types } from '../builder.js';
import { badUserInput, type FieldError } from '../errors.js';
import type { PatchOperation } from '../json-patch.js';
import { checkValue, type ValueSchema } from '../value-schema.js';
import { SECRET_MARKER, type FieldChange } from './write.js';

/**
 * Typed inputs built from a vendor's spec transcription: one GraphQL input field per member of the
 * vendor's request body, its type following from the member's schema, checked against that schema
 * before anything is sent.
 */

/** One member of a request body, under its GraphQL name. */
export interface InputSpec {
  /** The member's name in the vendor's body. */
  upstream: string;
  schema: ValueSchema;
  description?: string;
  /** Required in a create input. */
  required?: boolean;
  /** Never shown in a log, an error, a plan or an audit event. */
  secret?: boolean;
}

export type InputSpecs = Readonly<Record<string, InputSpec>>;

/** The GraphQL enum of each spec enum, by its list of values (the same array the spec exports). */
export type EnumRefs = ReadonlyMap<readonly string[], EnumRef<Types, string, string>>;

/** EnumRefs from [the spec's values, the GraphQL enum built from them] pairs. */
export function enumRefs(...pairs: Array<[readonly string[], unknown]>): EnumRefs {
  return new Map(pairs as Array<[readonly string[], EnumRef<Types, string, string>]>);
}

/**
 * The input type; with `required`, the members a create needs are non-null, but for those the spec
 * lets be null: GraphQL cannot say "given, maybe null", so readCreate checks they are given.
 */
export function specInput(name: string, description: string, specs: InputSpecs, enums: EnumRefs, options: { required?: boolean } = {}) {
  return builder.inputType(name, {
    description,
    fields: (t) =>
      Object.fromEntries(
        Object.entries(specs).map(([field, spec]) => [
          field,
          inputField(t, spec, enums, options.required === true && spec.required === true && !spec.schema.nullable),
        ]),
      ),
  });
}

function inputField(t: InputFieldBuilder<Types, 'InputObject'>, spec: InputSpec, enums: EnumRefs, required: boolean) {
  return schemaField(t, spec.schema, { required, ...(spec.description ? { description: spec.description } : {}) }, enums);
}

/** The GraphQL input field a member's schema calls for: its scalar, enum, list, or JSON for an object. */
export function schemaField(
  t: InputFieldBuilder<Types, 'InputObject'>,
  schema: ValueSchema,
  options: { required: boolean; description?: string },
  enums: EnumRefs,
) {
  switch (schema.type) {
    case 'boolean':
      return t.boolean(options);
    case 'integer':
      return t.int(options);
    case 'any':
    case 'object':
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

export interface ReadInput {
  /** The members the caller gave, under their vendor names, each checked. */
  body: Record<string, unknown>;
  /** The same, as changes in GraphQL names, secrets masked. */
  changes: FieldChange[];
}

/**
 * The caller's input as the vendor's body: exactly the fields given, each checked against its schema
 * (length, pattern, enum, format, nullability), refused together with every problem named. `prefix`
 * names the argument in field errors (`input.name`), or nothing for the older inputs that name the
 * field alone.
 */
export function readInput(input: Record<string, unknown>, specs: InputSpecs, options: { prefix?: string } = {}): ReadInput {
  const body: Record<string, unknown> = {};
  const changes: FieldChange[] = [];
  const errors: FieldError[] = [];
  const prefix = options.prefix ? `${options.prefix}.` : '';
  for (const [field, spec] of Object.entries(specs)) {
    if (!Object.hasOwn(input, field) || input[field] === undefined) continue;
    const value = input[field];
    const problem = checkValue(value, spec.schema);
    if (problem) {
      errors.push({ field: `${prefix}${field}`, messages: [problem] });
      continue;
    }
    body[spec.upstream] = value;
    changes.push({ field, after: spec.secret ? SECRET_MARKER : value });
  }
  if (errors.length > 0) throw badUserInput(errors);
  return { body, changes };
}

/** `body` with every secret member's value masked, for a plan. */
export function maskSecrets(body: Record<string, unknown>, specs: InputSpecs): Record<string, unknown> {
  const secret = new Set(Object.values(specs).flatMap((spec) => (spec.secret ? [spec.upstream] : [])));
  return Object.fromEntries(Object.entries(body).map(([key, value]) => [key, secret.has(key) ? SECRET_MARKER : value]));
}

/** A vendor document without its secret members, as a plan shows it. */
export function withoutSecrets(document: unknown, secrets: readonly string[]): unknown {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return document;
  return Object.fromEntries(Object.entries(document).filter(([key]) => !secrets.includes(key)));
}

/**
 * A create input as the vendor's body: every required member present (the GraphQL type already
 * demands the non-nullable ones; a required member that may be null must still be given), each
 * checked, and `extra` for a rule the spec states across members.
 */
export function readCreate(
  input: Record<string, unknown>,
  specs: InputSpecs,
  options: { check?: (body: Record<string, unknown>) => FieldError | undefined } = {},
): ReadInput {
  const missing: FieldError[] = Object.entries(specs)
    .filter(([field, spec]) => spec.required && (!Object.hasOwn(input, field) || input[field] === undefined))
    .map(([field]) => ({ field: `input.${field}`, messages: ['is required.'] }));
  if (missing.length > 0) throw badUserInput(missing);
  const read = readInput(input, specs, { prefix: 'input' });
  const problem = options.check?.(read.body);
  if (problem) throw badUserInput([problem]);
  return read;
}

/**
 * A typed update as the JSON Patch the vendor takes: `replace` for each value given (elsewhere null
 * is a value, or refused by its schema). A member that may be absent takes `add`, since `replace`
 * and `remove` of an absent member fail the whole patch (RFC 6902): a value is `add`, a null `add`
 * then `remove`, so the typed update holds whether or not the resource has the member.
 */
export function replaceOps(
  input: Record<string, unknown>,
  specs: InputSpecs,
  rules: { fields: Readonly<Record<string, { removable?: boolean }>> },
) {
  const { body } = readInput(input, specs, { prefix: 'input' });
  const ops = Object.entries(body).flatMap(([member, value]): PatchOperation[] => {
    const path = `/${member}`;
    if (!rules.fields[member]?.removable) return [{ op: 'replace', path, value }];
    if (value !== null) return [{ op: 'add', path, value }];
    return [
      { op: 'add', path, value: '' },
      { op: 'remove', path },
    ];
  });
  if (ops.length === 0) throw badUserInput([{ field: 'input', messages: ['Name at least one field to change.'] }]);
  return ops;
}
