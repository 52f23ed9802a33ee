import { domainToASCII, domainToUnicode } from 'node:url';
import { authorityReaches, readPattern, type HostQuestion, type Pattern } from './patterns.js';

/**
 * The redirects an OAuth application accepts, and the questions a security review asks of them:
 * "does it accept this redirect URL?" and "can it redirect to this host?". Hosts are compared as a
 * browser would reach them: through the WHATWG URL parser (case-insensitive, IDNs as punycode, so
 * "bücher.example" is "xn--bcher-kva.example"), a trailing dot ignored ("example.com." is
 * "example.com"), each URL's port its scheme's default when it names none.
 */

/** One redirect an application accepts. */
export type Redirect =
  /** A URL, accepted as it is (compared after normalisation). */
  | { kind: 'url'; url: string }
  /** A regular expression the whole redirect URL must match. */
  | { kind: 'pattern'; pattern: string }
  /** None is set, and the vendor saves the first redirect URL it is sent: it may be any. */
  | { kind: 'firstUse' };

/** What a redirect reads as in `redirectUrls`; nothing for firstUse (the application has none set). */
export function shown(redirect: Redirect): string | undefined {
  return redirect.kind === 'url' ? redirect.url : redirect.kind === 'pattern' ? redirect.pattern : undefined;
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'http:': 80, 'https:': 443, 'ws:': 80, 'wss:': 443, 'ftp:': 21 };

/** A host as compared: lowercase ASCII (punycode), without a trailing dot. */
function comparable(hostname: string): string {
  const lower = hostname.toLowerCase();
  // IPv6 literals keep their brackets; domainToASCII refuses them.
  const ascii = lower.startsWith('[') ? lower : domainToASCII(lower) || lower;
  return ascii.endsWith('.') ? ascii.slice(0, -1) : ascii;
}

interface UrlHost {
  host: string;
  /** Undefined for a scheme without a default port that names none. */
  port: number | undefined;
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

function hostOf(url: URL): UrlHost | undefined {
  if (url.hostname === '') return undefined;
  return { host: comparable(url.hostname), port: url.port === '' ? DEFAULT_PORTS[url.protocol] : Number(url.port) };
}

/** The form two redirect URLs are compared in: the WHATWG serialisation, the host's trailing dot dropped. */
export function normalUrl(value: string): string | undefined {
  const url = parseUrl(value);
  if (!url) return undefined;
  const host = url.hostname;
  if (host.endsWith('.') && host.length > 1) url.hostname = host.slice(0, -1);
  return url.href;
}

// ---- the questions ----

/** "Which applications accept this redirect URL?": as it was given, and normalised. */
export interface UrlQuery {
  given: string;
  normal: string;
}

/** "Which applications can redirect to this host?" */
export interface HostQuery extends HostQuestion {
  /** The host, ASCII without a trailing dot; for subdomains, the domain they are under. */
  host: string;
}

/** A redirectUrl filter, or why it is not one. */
export function urlQuery(value: string): UrlQuery | string {
  const normal = normalUrl(value);
  if (normal === undefined) return 'must be an absolute URL, such as https://app.example.com/callback.';
  return { given: value, normal };
}

/**
 * A redirectHost filter: a host ("example.com", "bücher.example", "[::1]"), optionally with a port
 * ("example.com:8443": that port only; without one, any port), or "*.example.com" for the hosts
 * under example.com at any depth (not example.com itself). Or why it is not one.
 */
export function hostQuery(value: string): HostQuery | string {
  const problem = 'must be a host, optionally with :port, or *. and a domain (e.g. app.example.com, app.example.com:8443, *.example.com).';
  const subdomains = value.startsWith('*.');
  const rest = subdomains ? value.slice(2) : value;
  const parts = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(rest);
  if (!parts || /[/?#@\\\s]/.test(rest)) return problem;
  const url = parseUrl(`http://${parts[1]}/`);
  if (!url || url.hostname === '') return problem;
  const host = comparable(url.hostname);
  if (subdomains && (host.startsWith('[') || /^[\d.]+$/.test(host))) return 'may start with *. only before a domain name.';
  const port = parts[2] === undefined ? undefined : Number(parts[2]);
  if (port !== undefined && (port < 1 || port > 65535)) return 'has a port outside 1 to 65535.';
  const unicode = host.startsWith('[') ? host : domainToUnicode(host) || host;
  const names = [...new Set([host, unicode])];
  return {
    host,
    forms: names.flatMap((name) => [name, `${name}.`]),
    suffixes: names,
    subdomains,
    ...(port !== undefined ? { port } : {}),
  };
}

// ---- the answers ----

const patterns = new Map<string, Pattern>();

/** Patterns are read once per process: inventories repeat them on every page. */
function patternOf(source: string): Pattern {
  let pattern = patterns.get(source);
  if (!pattern) {
    pattern = readPattern(source);
    // Bounded: a vendor's patterns are few, but nothing here may grow without end.
    if (patterns.size >= 10_000) patterns.clear();
    patterns.set(source, pattern);
  }
  return pattern;
}

function hostMatches(found: UrlHost | undefined, query: HostQuery): boolean {
  if (!found) return false;
  const host = query.subdomains ? found.host.endsWith(`.${query.host}`) : found.host === query.host;
  return host && (query.port === undefined || found.port === query.port);
}

/** Whether the redirect may send a browser to the host asked for. */
export function redirectsToHost(redirect: Redirect, query: HostQuery): boolean {
  switch (redirect.kind) {
    case 'firstUse':
      return true;
    case 'url': {
      const url = parseUrl(redirect.url);
      return url !== undefined && hostMatches(hostOf(url), query);
    }
    case 'pattern': {
      const { reach } = patternOf(redirect.pattern);
      if (reach.kind === 'any') return true;
      return (
        reach.urls.some((url) => {
          const parsed = parseUrl(url);
          return parsed !== undefined && hostMatches(hostOf(parsed), query);
        }) || reach.authorities.some((authority) => authorityReaches(authority, query))
      );
    }
  }
}

/** Whether the redirect accepts the URL asked for: equal once both are normalised, or matched by the pattern. */
export function acceptsUrl(redirect: Redirect, query: UrlQuery): boolean {
  switch (redirect.kind) {
    case 'firstUse':
      return true;
    case 'url':
      return (normalUrl(redirect.url) ?? redirect.url) === query.normal;
    case 'pattern': {
      const { matcher } = patternOf(redirect.pattern);
      return matcher === undefined || matcher.test(query.given) || matcher.test(query.normal);
    }
  }
}
