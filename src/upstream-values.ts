import { builder } from './builder.js';
import { log } from './log.js';

/**
 * Readers that turn one member of an upstream JSON document into the value a GraphQL field
 * serves. A value of an unexpected type becomes null for that field alone (and a warning in the
 * log), so a vendor adding an enum value or changing a field does not fail the whole response.
 */
export type Raw = Record<string, unknown>;

export function asObject(value: unknown): Raw | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Raw) : undefined;
}

export function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function int(value: unknown): number | null {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  // Some vendor documents show integers as strings; accept those that are exactly an integer.
  if (typeof value === 'string' && /^-?\d{1,15}$/.test(value)) return Number(value);
  return null;
}

export function bool(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null;
}

export function strList(value: unknown): string[] | null {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : null;
}

/** An ISO 8601 string from an ISO string or from Unix milliseconds. */
export function dateTime(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value).toISOString();
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return value;
  return null;
}

export function json(value: unknown): unknown {
  return value === undefined ? null : value;
}

const warned = new Set<string>();

/** An enum value the schema knows, or null (logged once per value) for one it does not. */
export function enumValue<T extends string>(value: unknown, values: readonly T[], where: string): T | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' && (values as readonly string[]).includes(value)) return value as T;
  const key = `${where}=${String(value)}`;
  if (!warned.has(key) && warned.size < 1000) {
    warned.add(key);
    log.warn('upstream value not in the schema; served as null', { field: where, value: String(value).slice(0, 64) });
  }
  return null;
}

export function enumList<T extends string>(value: unknown, values: readonly T[], where: string): Array<T | null> | null {
  return Array.isArray(value) ? value.map((item) => enumValue(item, values, where)) : null;
}

/** The GraphQL name of a vendor's enum value: email_link → EMAIL_LINK. */
export function enumName(value: string): string {
  return value.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

/**
 * UPPER_SNAKE GraphQL names for a vendor's lower-case enum values (email_link → EMAIL_LINK);
 * `describe` may say something of each value (in which versions of the vendor it exists).
 */
export function upstreamEnum<T extends string>(
  name: string,
  values: readonly T[],
  description?: string,
  describe: (value: T) => string | undefined = () => undefined,
) {
  return builder.enumType(name, {
    ...(description ? { description } : {}),
    values: Object.fromEntries(
      values.map((value) => {
        const about = describe(value);
        return [enumName(value), { value, ...(about ? { description: about } : {}) }];
      }),
    ) as Record<string, { value: T; description?: string }>,
  });
}
