import type { Database } from './database.js';

/**
 * The audit schema, as versioned migrations applied at start. Append only: a released migration is
 * never edited, and each keeps the schema readable and writable by the release before it, so
 * replicas of two releases can share one database during a rolling upgrade.
 */
export interface Migration {
  version: number;
  name: string;
  statements: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'audit events',
    statements: [
      // seq orders the trail (newest first) and is what a cursor holds; id is the event's public name.
      `create table audit_events (
        seq bigint generated always as identity primary key,
        id uuid not null unique,
        time timestamptz not null,
        request_id text not null,
        caller text not null,
        service text not null,
        operation text not null,
        resource_id text,
        changes jsonb not null,
        outcome text not null check (outcome in ('APPLIED', 'REFUSED', 'FAILED', 'UNKNOWN')),
        code text,
        upstream_status integer,
        tracking_id text,
        completed_at timestamptz
      )`,
      'create index audit_events_time on audit_events (time)',
      'create index audit_events_resource on audit_events (resource_id, seq)',
      'create index audit_events_caller on audit_events (caller, seq)',
    ],
  },
  {
    version: 2,
    name: 'rate buckets',
    statements: [
      // The vendors' rate limits shared by every replica: one token bucket per upstream and credential
      // (its digest, never the credential), refilled by the database's own clock.
      `create table rate_buckets (
        key text primary key,
        tokens double precision not null,
        at timestamptz not null
      )`,
    ],
  },
  {
    version: 3,
    name: 'audit events updated in place',
    statements: [
      // Every event is written twice: its intent, then its outcome as an update of the same row. In a
      // full page the update goes to another page and into every index again; with room left in the
      // page, PostgreSQL updates the row there (a HOT update: no index touched) whenever no indexed
      // column changes, which is every outcome but a create's. Under load at 32 connections this took
      // the outcomes updated in place from half to nine in ten, and the database's CPU per write down
      // by about a fifth. Only pages written from now on keep the room; the setting takes no lock that
      // stops writes.
      'alter table audit_events set (fillfactor = 70)',
    ],
  },
];

// Any constant of this application's own: replicas that start together queue on it.
const MIGRATION_LOCK = 0x6f617574; // 'oaut'
// Waiting for another replica's migration, and running our own: generous, but bounded.
const MIGRATION_TIMEOUT_MS = 60_000;

export interface MigrationResult {
  applied: number[];
  /** Versions the database has that this release does not know (a newer replica migrated it). */
  unknown: number[];
}

/**
 * Brings the schema to the newest version, in one transaction under an advisory lock: replicas that
 * start at once wait for each other, and the first to get the lock migrates; the others find nothing
 * left to do. A failure rolls back every statement of the run.
 */
export async function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationResult> {
  return db.transaction(
    async (sql) => {
      await sql.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await sql.query(`create table if not exists schema_migrations (
        version integer primary key,
        name text not null,
        applied_at timestamptz not null default now()
      )`);
      const done = new Set((await sql.query<{ version: number }>('select version from schema_migrations')).map((row) => row.version));
      const applied: number[] = [];
      for (const migration of migrations) {
        if (done.has(migration.version)) continue;
        for (const statement of migration.statements) await sql.query(statement);
        await sql.query('insert into schema_migrations (version, name) values ($1, $2)', [migration.version, migration.name]);
        applied.push(migration.version);
      }
      const known = new Set(migrations.map((m) => m.version));
      return { applied, unknown: [...done].filter((v) => !known.has(v)).sort((a, b) => a - b) };
    },
    { timeoutMs: MIGRATION_TIMEOUT_MS },
  );
}
