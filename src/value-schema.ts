/**
 * The value constraints the vendors' OpenAPI documents state, in a form both the gateway's input
 * checks and the sandbox's emulations read. Each schema is transcribed from a spec, never invented.
 */
export type ValueSchema =
  | {
      type: 'string';
      nullable?: boolean;
      minLength?: number;
      maxLength?: number;
      pattern?: RegExp;
      patternHint?: string;
      format?: 'uuid';
      /** A vendor's own format (a duration, say), checked after the others. */
      check?: StringCheck;
    }
  | { type: 'integer'; nullable?: boolean; minimum?: number; maximum?: number }
  | { type: 'boolean'; nullable?: boolean }
  | { type: 'enum'; nullable?: boolean; values: readonly string[] }
  | { type: 'array'; nullable?: boolean; items: ValueSchema }
  /** A JSON object; with `properties`, those it may hold (others are not checked) and which of them it must. */
  | { type: 'object'; nullable?: boolean; properties?: Readonly<Record<string, ValueSchema>>; required?: readonly string[] }
  | { type: 'any'; nullable?: boolean };

export const INT32 = { minimum: -2_147_483_648, maximum: 2_147_483_647 } as const;

/** A format of a vendor's own, and the sentence that says what it is when a value does not fit. */
export interface StringCheck {
  readonly name: string;
  test(value: string): boolean;
  readonly hint: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A sentence saying why `value` does not fit `schema`, or undefined when it fits. */
export function checkValue(value: unknown, schema: ValueSchema): string | undefined {
  if (value === null) return schema.nullable ? undefined : 'may not be null.';
  switch (schema.type) {
    case 'any':
      return undefined;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be a boolean.';
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return 'must be an integer.';
      if (schema.minimum !== undefined && value < schema.minimum) return `must be at least ${schema.minimum}.`;
      if (schema.maximum !== undefined && value > schema.maximum) return `must be at most ${schema.maximum}.`;
      return undefined;
    case 'enum':
      return typeof value === 'string' && schema.values.includes(value) ? undefined : `must be one of ${schema.values.join(', ')}.`;
    case 'string':
      return checkString(value, schema);
    case 'array': {
      if (!Array.isArray(value)) return 'must be a list.';
      for (let i = 0; i < value.length; i++) {
        const problem = checkValue(value[i], schema.items);
        if (problem) return `item ${i} ${problem}`;
      }
      return undefined;
    }
    case 'object':
      return checkObject(value, schema);
  }
}

function checkObject(value: unknown, schema: Extract<ValueSchema, { type: 'object' }>): string | undefined {
  if (typeof value !== 'object' || Array.isArray(value)) return 'must be an object.';
  const object = value as Record<string, unknown>;
  for (const name of schema.required ?? []) {
    if (!Object.hasOwn(object, name) || object[name] === undefined) return `needs ${name}.`;
  }
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (!Object.hasOwn(object, name) || object[name] === undefined) continue;
    const problem = checkValue(object[name], property);
    if (problem) return `${name} ${problem}`;
  }
  return undefined;
}

function checkString(value: unknown, schema: Extract<ValueSchema, { type: 'string' }>): string | undefined {
  if (typeof value !== 'string') return 'must be a string.';
  const length = codePoints(value);
  if (schema.minLength !== undefined && length < schema.minLength) {
    return schema.minLength === 1 ? 'may not be blank.' : `must have at least ${schema.minLength} characters.`;
  }
  if (schema.maxLength !== undefined && length > schema.maxLength) return `must have at most ${schema.maxLength} characters.`;
  if (schema.pattern && !schema.pattern.test(value)) return schema.patternHint ?? `must match ${schema.pattern.source}.`;
  if (schema.format === 'uuid' && !UUID.test(value)) return 'must be a UUID.';
  if (schema.check && !schema.check.test(value)) return schema.check.hint;
  return undefined;
}

/** The length JSON Schema's minLength and maxLength count: code points, a surrogate pair being one. */
function codePoints(value: string): number {
  let pairs = 0;
  for (let i = 0; i < value.length - 1; i += 1) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        pairs += 1;
        i += 1;
      }
    }
  }
  return value.length - pairs;
}
