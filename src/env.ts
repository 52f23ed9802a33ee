/**
 * Reading one environment variable into a checked value. Used by config.ts and by the vendor
 * definitions for their own variables; an error names the variable, never its value (it may be a
 * secret).
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A variable's trimmed value; undefined when unset or blank. */
export type EnvReader = (name: string) => string | undefined;

export function integer(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new ConfigError(`${name} must be an integer`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}`);
  return n;
}

export function boolean(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ConfigError(`${name} must be true or false`);
}

export function httpUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${name} must be an http(s) URL`);
  // A URL with user:password would put a credential where logs and error messages show URLs.
  if (url.username || url.password) throw new ConfigError(`${name} must not contain credentials`);
  if (url.search || url.hash) throw new ConfigError(`${name} must not contain a query or fragment`);
  return url.toString();
}

/** An API root: an http(s) URL without a trailing slash. */
export function apiRoot(name: string, value: string): string {
  return httpUrl(name, value).replace(/\/+$/, '');
}
