/**
 * Where the bench's gateway keeps its audit trail. Every mutation writes an event before it is sent
 * and completes it after, so the store is part of what a write costs. Replicas keep the trail in a
 * PostgreSQL server; the bench starts a throwaway one from Debian's server binaries (as the tests do)
 * and counts its CPU apart from the gateway's. Without them, or with `pglite`, the gateway keeps it in
 * the embedded PGlite (WebAssembly, in the gateway's own process) in a temporary directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres } from '../test/helpers/postgres.js';

export interface AuditStore {
  /** What the bench prints about it. */
  description: string;
  /** The gateway's variables that point it at the store. */
  env: Record<string, string>;
  /** The process whose tree is the database server, when it runs apart from the gateway. */
  pid?: number;
  stop(): Promise<void>;
}

export async function startAuditStore(kind: 'postgres' | 'pglite'): Promise<AuditStore> {
  if (kind === 'postgres') {
    try {
      const server = await startPostgres();
      const url = await server.createDatabase('bench_audit');
      return {
        description: `PostgreSQL server on 127.0.0.1:${server.port} (fsync off)`,
        env: { GATEWAY_DATABASE_URL: url },
        pid: server.pid,
        stop: () => server.stop(),
      };
    } catch (error) {
      process.stderr.write(`no PostgreSQL server for the audit trail (${(error as Error).message.split('\n')[0]}); using PGlite\n`);
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-audit-'));
  return {
    description: `PGlite in the gateway's process (${dir})`,
    env: { GATEWAY_DATA_DIR: dir },
    stop: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  };
}
