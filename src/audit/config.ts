import { boolean, ConfigError, integer, type EnvReader } from '../env.js';

/** Where the audit trail is kept: one PostgreSQL schema, on a server or embedded. */
export type AuditStoreConfig =
  | {
      kind: 'postgres';
      /** postgres://… Holds a password: never logged, never in an error. */
      url: string;
      /** Connections of this replica's pool. */
      poolSize: number;
      /** Opening a connection, or waiting for a free one in the pool. */
      connectTimeoutMs: number;
      /** One statement, on the server (statement_timeout) and on the client. */
      statementTimeoutMs: number;
    }
  | { kind: 'pglite'; dataDir: string }
  | { kind: 'memory' };

export interface AuditConfig {
  store: AuditStoreConfig;
  /** Events older than this many days are deleted; 0 keeps them forever. */
  retentionDays: number;
  /** When the store cannot be written: false refuses the write (AUDIT_UNAVAILABLE), true lets it go ahead unrecorded. */
  failOpen: boolean;
}

/**
 * GATEWAY_DATABASE_URL (a PostgreSQL server shared by every replica), else PGlite in
 * GATEWAY_DATA_DIR; the sandbox keeps the trail in memory unless one of the two is set.
 */
export function auditConfig(get: EnvReader, sandbox: boolean): AuditConfig {
  const int = (name: string, fallback: number, min: number, max: number) => integer(name, get(name), fallback, min, max);
  const url = get('GATEWAY_DATABASE_URL');
  const dataDir = get('GATEWAY_DATA_DIR');
  let store: AuditStoreConfig;
  if (url !== undefined) {
    store = {
      kind: 'postgres',
      url: databaseUrl(url),
      poolSize: int('GATEWAY_DATABASE_POOL_SIZE', 10, 1, 1000),
      connectTimeoutMs: int('GATEWAY_DATABASE_CONNECT_TIMEOUT_MS', 3_000, 100, 120_000),
      statementTimeoutMs: int('GATEWAY_DATABASE_STATEMENT_TIMEOUT_MS', 5_000, 100, 600_000),
    };
  } else if (dataDir !== undefined || !sandbox) {
    store = { kind: 'pglite', dataDir: dataDir ?? './data' };
  } else {
    store = { kind: 'memory' };
  }
  return {
    store,
    retentionDays: int('GATEWAY_AUDIT_RETENTION_DAYS', 365, 0, 36_500),
    failOpen: boolean('GATEWAY_AUDIT_FAIL_OPEN', get('GATEWAY_AUDIT_FAIL_OPEN'), false),
  };
}

/**
 * The URL as `pg` reads it. A server on a Unix socket is named in the query
 * (`postgres://user:password@/database?host=/run/postgresql`), with no host before the path: a URL
 * the WHATWG parser refuses once it has a user in it, and which `pg` reads by putting a stand-in host
 * there, as this does.
 */
function parseDatabaseUrl(value: string): { url: URL; host: string } | undefined {
  try {
    const url = new URL(value);
    return { url, host: url.searchParams.get('host') || url.hostname };
  } catch {
    try {
      const url = new URL(value.replace('@/', '@stand-in.invalid/'));
      return { url, host: url.searchParams.get('host') ?? '' };
    } catch {
      return undefined;
    }
  }
}

function databaseUrl(value: string): string {
  // The message never quotes the value: it usually holds a password.
  const url = parseDatabaseUrl(value)?.url;
  if (!url) {
    throw new ConfigError('GATEWAY_DATABASE_URL is not a valid URL (postgres://user:password@host:5432/database)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError('GATEWAY_DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  return value;
}

/** Where the store is, safe to log: no user name, password or parameters. */
export function describeStore(store: AuditStoreConfig): string {
  switch (store.kind) {
    case 'postgres': {
      const { url, host } = parseDatabaseUrl(store.url)!;
      return `PostgreSQL at ${host || 'a local socket'}:${url.searchParams.get('port') || url.port || '5432'}${url.pathname}`;
    }
    case 'pglite':
      return `embedded PostgreSQL (PGlite) in ${store.dataDir}`;
    case 'memory':
      return 'embedded PostgreSQL (PGlite) in memory: events are lost when the gateway stops';
  }
}
