import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../src/audit/migrations.js';
import { loadConfig } from '../src/config.js';
import { openPostgres } from '../src/audit/postgres.js';
import { openAuditTrail } from '../src/audit/trail.js';
import type { WriteRecord } from '../src/changes/write.js';
import { auditSuite } from './helpers/audit-suite.js';
import { startPostgres, type PostgresServer } from './helpers/postgres.js';

// The audit suite on a real PostgreSQL server (Debian's binaries, a throwaway cluster for this file).
let server: PostgresServer;

const store = (url: string) => ({ kind: 'postgres', url, poolSize: 5, connectTimeoutMs: 2_000, statementTimeoutMs: 5_000 }) as const;

auditSuite({
  async open() {
    server = await startPostgres();
    return openPostgres(store(await server.createDatabase()));
  },
  async freshStore() {
    return store(await server.createDatabase());
  },
  done: () => server?.stop(),
});

describe('on a PostgreSQL server', () => {
  const record: WriteRecord = {
    requestId: 'r-1',
    caller: 'apiKey:00000000',
    service: 'identitynow',
    operation: 'patchOauthClient',
    resourceId: 'c-1',
    changes: [],
  };
  const config = (url: string, statementTimeoutMs = 5_000) =>
    ({ store: { ...store(url), statementTimeoutMs }, retentionDays: 0, failOpen: false }) as const;

  it('a server on a Unix socket, named as libpq names it (a user and no host): configured, and written to', async () => {
    const name = (await server.createDatabase()).split('/').at(-1)!;
    const url = `postgres://postgres:unused@/${name}?host=${encodeURIComponent(server.socketDir)}&port=${server.port}`;
    const { audit } = loadConfig({ GATEWAY_DATABASE_URL: url, GATEWAY_ALLOW_ANONYMOUS: 'true' });
    expect(audit.store).toMatchObject({ kind: 'postgres', url });
    const trail = await openAuditTrail({ ...audit, retentionDays: 0 });
    try {
      expect(trail.description).toBe(`PostgreSQL at ${server.socketDir}:${server.port}/${name}`);
      await trail.ended(record, { outcome: 'REFUSED' });
      expect(await server.sql(name, 'select request_id, outcome from audit_events')).toEqual([{ request_id: 'r-1', outcome: 'REFUSED' }]);
    } finally {
      await trail.close();
    }
  });

  it('five trails opening one new database at once migrate it once, and all of them work', async () => {
    const url = await server.createDatabase();
    const trails = await Promise.all(Array.from({ length: 5 }, () => openAuditTrail(config(url))));
    try {
      const name = url.split('/').at(-1)!;
      expect((await server.sql(name, 'select version from schema_migrations')).map((r) => r.version)).toEqual(
        MIGRATIONS.map((m) => m.version),
      );
      await Promise.all(trails.map((trail, i) => trail.ended({ ...record, requestId: `r-${i}` }, { outcome: 'REFUSED' })));
      expect((await trails[0]!.events({ first: 10 })).events.map((e) => e.requestId).sort()).toEqual(['r-0', 'r-1', 'r-2', 'r-3', 'r-4']);
    } finally {
      await Promise.all(trails.map((trail) => trail.close()));
    }
  });

  it('a database that refuses connections: AUDIT_UNAVAILABLE at once, not writable; writes again once it is back', async () => {
    const url = await server.createDatabase();
    const name = url.split('/').at(-1)!;
    const trail = await openAuditTrail(config(url));
    try {
      await server.sql('postgres', `alter database ${name} allow_connections false`);
      await server.sql('postgres', 'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [name]);
      expect(await trail.writable()).toBe(false);
      await expect(trail.intend(record)).rejects.toMatchObject({ extensions: { code: 'AUDIT_UNAVAILABLE' } });
      await server.sql('postgres', `alter database ${name} allow_connections true`);
      expect(await trail.writable()).toBe(true);
      await (await trail.intend(record)).complete({ outcome: 'APPLIED' });
      expect((await trail.events({ first: 10 })).events).toMatchObject([{ requestId: 'r-1', outcome: 'APPLIED' }]);
    } finally {
      await trail.close();
    }
  });

  it('a database that holds a write: AUDIT_UNAVAILABLE after the statement timeout, never a hang', async () => {
    const url = await server.createDatabase();
    const trail = await openAuditTrail(config(url, 300));
    const blocker = new pg.Client({ connectionString: url });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query('lock table audit_events in access exclusive mode');
      await expect(trail.intend(record)).rejects.toMatchObject({ extensions: { code: 'AUDIT_UNAVAILABLE' } });
    } finally {
      await blocker.query('rollback');
      await blocker.end();
      await trail.close();
    }
  });

  it("an outcome updates its event's row in the page that holds it, whatever came after the intent", async () => {
    const url = await server.createDatabase();
    const name = url.split('/').at(-1)!;
    const trail = await openAuditTrail(config(url));
    const page = async () =>
      new Map(
        (
          await server.sql<{ request_id: string; page: string }>(
            name,
            `select request_id, split_part(trim(ctid::text, '()'), ',', 1) as page from audit_events`,
          )
        ).map((row) => [row.request_id, row.page]),
      );
    try {
      // An autovacuum's snapshot would keep the old row versions a page needs room from.
      await server.sql(name, 'alter table audit_events set (autovacuum_enabled = false)');
      // Enough intents to fill several pages before the first outcome comes.
      const entries = await Promise.all(Array.from({ length: 200 }, (_, i) => trail.intend({ ...record, requestId: `r-${i}` })));
      const before = await page();
      expect(new Set(before.values()).size).toBeGreaterThan(3);
      for (const entry of entries) await entry.complete({ outcome: 'APPLIED', upstreamStatus: 200 });
      const after = await page();
      const moved = [...before].filter(([id, at]) => after.get(id) !== at).map(([id]) => id);
      expect(moved).toEqual([]);
      expect((await trail.events({ first: 200 })).events.every((e) => e.outcome === 'APPLIED')).toBe(true);
    } finally {
      await trail.close();
    }
  });
});
