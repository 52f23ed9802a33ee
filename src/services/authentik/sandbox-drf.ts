import type { ValueSchema } from '../../value-schema.js';
import { HTTP_URL, SLUG_PATTERN, TIMEDELTA, type WritableFields } from './spec.js';

/**
 * How authentik's Django REST framework serializers validate the members of a partial update, for
 * the sandbox: each field's kind derived from the transcription (drfField), and DRF's own messages.
 */

export type FieldSpec =
  | { kind: 'string'; nullable?: boolean; minLength?: number; maxLength?: number; slug?: boolean; timedelta?: boolean; url?: boolean }
  | { kind: 'choice'; choices: readonly string[] }
  | { kind: 'boolean' }
  | { kind: 'uuid'; nullable?: boolean }
  | { kind: 'uuids' }
  | { kind: 'pks' }
  | { kind: 'redirectUris'; modes: readonly string[] }
  | { kind: 'dict' }
  | { kind: 'json' };

/** DRF's errors of one field: messages, or for a nested serializer an object or a list of them. */
export type FieldErrorValue = string[] | Record<string, unknown> | unknown[];
type Validated = { ok: true; value: unknown } | { ok: false; errors: FieldErrorValue };

const NOT_NULL = 'This field may not be null.';
const REQUIRED = 'This field is required.';
const TRUE_VALUES: readonly unknown[] = [true, 1, 't', 'T', 'y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON', '1'];
const FALSE_VALUES: readonly unknown[] = [
  false,
  0,
  'f',
  'F',
  'n',
  'N',
  'no',
  'No',
  'NO',
  'false',
  'False',
  'FALSE',
  'off',
  'Off',
  'OFF',
  '0',
];

/** Python's name for a JSON value's type, as DRF messages print it. */
export function pythonType(value: unknown): string {
  if (value === null) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'string') return 'str';
  return Array.isArray(value) ? 'list' : 'dict';
}

function pythonStr(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
}

/** Django's UUID parsing: hyphens, braces and a urn:uuid: prefix are optional. */
function canonicalUuid(text: string): string | undefined {
  const hex = text
    .replaceAll('urn:', '')
    .replaceAll('uuid:', '')
    .replace(/^[{}]+|[{}]+$/g, '')
    .replaceAll('-', '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return undefined;
  const h = hex.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function validateString(spec: Extract<FieldSpec, { kind: 'string' }>, raw: unknown): Validated {
  if (raw === null) return spec.nullable ? { ok: true, value: null } : { ok: false, errors: [NOT_NULL] };
  if (typeof raw !== 'string' && typeof raw !== 'number') return { ok: false, errors: ['Not a valid string.'] };
  const value = String(raw).trim();
  if (value === '') return (spec.minLength ?? 0) > 0 ? { ok: false, errors: ['This field may not be blank.'] } : { ok: true, value };
  const errors: string[] = [];
  if (spec.maxLength !== undefined && [...value].length > spec.maxLength) {
    errors.push(`Ensure this field has no more than ${spec.maxLength} characters.`);
  }
  if (spec.slug && !SLUG_PATTERN.test(value))
    errors.push('Enter a valid \u201cslug\u201d consisting of letters, numbers, underscores or hyphens.');
  if (spec.timedelta && !TIMEDELTA.test(value)) errors.push(`${value} is not in the correct format of 'hours=3;minutes=1'.`);
  if (spec.url && !HTTP_URL.test(value)) errors.push('Enter a valid URL.');
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value };
}

function validateUuid(raw: unknown, nullable: boolean): Validated {
  if (raw === null) return nullable ? { ok: true, value: null } : { ok: false, errors: [NOT_NULL] };
  if (typeof raw !== 'string') return { ok: false, errors: [`Incorrect type. Expected pk value, received ${pythonType(raw)}.`] };
  const value = canonicalUuid(raw);
  return value ? { ok: true, value } : { ok: false, errors: [`\u201c${raw}\u201d is not a valid UUID.`] };
}

/** A many-to-many relation (PrimaryKeyRelatedField many=True): each object once. */
function validateRelated(raw: unknown, item: (value: unknown) => Validated): Validated {
  if (raw === null) return { ok: false, errors: [NOT_NULL] };
  if (!Array.isArray(raw)) return { ok: false, errors: [`Expected a list of items but got type "${pythonType(raw)}".`] };
  const values: unknown[] = [];
  for (const element of raw) {
    if (element === null) return { ok: false, errors: ['Invalid pk "None" - object does not exist.'] };
    const result = item(element);
    if (!result.ok) return result;
    if (!values.includes(result.value)) values.push(result.value);
  }
  return { ok: true, value: values };
}

function validateIntegerPk(raw: unknown): Validated {
  if (typeof raw === 'number' && Number.isInteger(raw)) return { ok: true, value: raw };
  if (typeof raw === 'string' && /^\d+$/.test(raw)) return { ok: true, value: Number(raw) };
  return { ok: false, errors: [`Incorrect type. Expected pk value, received ${pythonType(raw)}.`] };
}

/**
 * RedirectURISerializer(many=True) and OAuth2ProviderSerializer.validate_redirect_uris: a list of
 * {matching_mode, url}, errors per item ({} for an item that is fine), then every regex entry
 * compiled. The sandbox compiles with JavaScript's RegExp, close to Python's re for such patterns.
 */
function validateRedirectUris(raw: unknown, modes: readonly string[]): Validated {
  if (raw === null) return { ok: false, errors: [NOT_NULL] };
  if (!Array.isArray(raw)) {
    return { ok: false, errors: { non_field_errors: [`Expected a list of items but got type "${pythonType(raw)}".`] } };
  }
  const values: Array<{ matching_mode: string; url: string }> = [];
  const errors: Array<Record<string, unknown>> = [];
  for (const item of raw) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      errors.push({ non_field_errors: [`Invalid data. Expected a dictionary, but got ${pythonType(item)}.`] });
      continue;
    }
    const entry = item as Record<string, unknown>;
    const itemErrors: Record<string, string[]> = {};
    const mode = Object.hasOwn(entry, 'matching_mode') ? validateField({ kind: 'choice', choices: modes }, entry.matching_mode) : undefined;
    const url = Object.hasOwn(entry, 'url') ? validateString({ kind: 'string', minLength: 1 }, entry.url) : undefined;
    if (!mode) itemErrors.matching_mode = [REQUIRED];
    else if (!mode.ok) itemErrors.matching_mode = mode.errors as string[];
    if (!url) itemErrors.url = [REQUIRED];
    else if (!url.ok) itemErrors.url = url.errors as string[];
    errors.push(itemErrors);
    if (mode?.ok && url?.ok) values.push({ matching_mode: mode.value as string, url: url.value as string });
  }
  if (errors.some((e) => Object.keys(e).length > 0)) return { ok: false, errors };
  for (const entry of values) {
    if (entry.matching_mode !== 'regex') continue;
    try {
      new RegExp(entry.url.replaceAll('(?P<', '(?<'), 'u');
    } catch {
      return { ok: false, errors: [`Invalid Regex Pattern: ${entry.url}`] };
    }
  }
  return { ok: true, value: values };
}

function validateField(spec: FieldSpec, raw: unknown): Validated {
  switch (spec.kind) {
    case 'string':
      return validateString(spec, raw);
    case 'choice':
      if (raw === null) return { ok: false, errors: [NOT_NULL] };
      return typeof raw === 'string' && spec.choices.includes(raw)
        ? { ok: true, value: raw }
        : { ok: false, errors: [`"${pythonStr(raw)}" is not a valid choice.`] };
    case 'boolean':
      if (raw === null) return { ok: false, errors: [NOT_NULL] };
      if (TRUE_VALUES.includes(raw)) return { ok: true, value: true };
      if (FALSE_VALUES.includes(raw)) return { ok: true, value: false };
      return { ok: false, errors: ['Must be a valid boolean.'] };
    case 'uuid':
      return validateUuid(raw, spec.nullable ?? false);
    case 'uuids':
      return validateRelated(raw, (item) => validateUuid(item, false));
    case 'pks':
      return validateRelated(raw, validateIntegerPk);
    case 'redirectUris':
      return validateRedirectUris(raw, spec.modes);
    case 'dict':
      if (raw === null) return { ok: false, errors: [NOT_NULL] };
      // authentik's JSONDictField (is_dict).
      return typeof raw === 'object' && !Array.isArray(raw)
        ? { ok: true, value: raw }
        : { ok: false, errors: ['Value must be a dictionary, and not have any duplicate keys.'] };
    case 'json':
      return raw === null ? { ok: false, errors: [NOT_NULL] } : { ok: true, value: raw };
  }
}

export type FieldErrors = Record<string, FieldErrorValue>;

/** Validates the known writable keys of a partial update; every other key is ignored, as DRF does. */
export function validatePartial(
  specs: Readonly<Record<string, FieldSpec>>,
  body: unknown,
): { values: Record<string, unknown> } | { errors: FieldErrors } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { errors: { non_field_errors: [`Invalid data. Expected a dictionary, but got ${pythonType(body)}.`] } };
  }
  const input = body as Record<string, unknown>;
  const values: Record<string, unknown> = {};
  const errors: FieldErrors = {};
  for (const [field, spec] of Object.entries(specs)) {
    if (!Object.hasOwn(input, field)) continue;
    const result = validateField(spec, input[field]);
    if (result.ok) values[field] = result.value;
    else errors[field] = result.errors;
  }
  return Object.keys(errors).length > 0 ? { errors } : { values };
}

/** How DRF's serializer field for a member of the spec validates it. */
export function drfField(schema: ValueSchema): FieldSpec {
  switch (schema.type) {
    case 'string':
      if (schema.format === 'uuid') return { kind: 'uuid', nullable: schema.nullable ?? false };
      return {
        kind: 'string',
        ...(schema.nullable ? { nullable: true } : {}),
        ...(schema.minLength !== undefined ? { minLength: schema.minLength } : {}),
        ...(schema.maxLength !== undefined ? { maxLength: schema.maxLength } : {}),
        ...(schema.pattern === SLUG_PATTERN ? { slug: true } : {}),
        ...(schema.check === TIMEDELTA ? { timedelta: true } : {}),
        ...(schema.check === HTTP_URL ? { url: true } : {}),
      };
    case 'enum':
      return { kind: 'choice', choices: schema.values };
    case 'boolean':
      return { kind: 'boolean' };
    case 'array': {
      const { items } = schema;
      if (items.type === 'integer') return { kind: 'pks' };
      if (items.type === 'object') {
        const mode = items.properties?.matching_mode;
        return { kind: 'redirectUris', modes: mode?.type === 'enum' ? mode.values : [] };
      }
      return { kind: 'uuids' };
    }
    case 'object':
      return { kind: 'dict' };
    case 'integer':
    case 'any':
      return { kind: 'json' };
  }
}

/** The serializer of one release's members. */
export function drfFields(fields: WritableFields): Readonly<Record<string, FieldSpec>> {
  return Object.fromEntries(Object.entries(fields).map(([name, { schema }]) => [name, drfField(schema)]));
}
