import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { closedPort } from './ports.js';
import { handOver, spawnAs } from './unprivileged.js';

/** A throwaway PostgreSQL server on 127.0.0.1, started once per test file from Debian's server binaries. */
export interface PostgresServer {
  port: number;
  /** The directory of the server's Unix socket (`?host=` of a URL that names no host). */
  socketDir: string;
  /** The process started for the server (runuser's, when it stands between): its tree is the server's processes. */
  pid: number;
  /** A new, empty database on the server, with its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Runs SQL as the superuser, in `database`. */
  sql<R extends Record<string, unknown> = Record<string, unknown>>(database: string, text: string, params?: unknown[]): Promise<R[]>;
  stop(): Promise<void>;
}

const ROOT = '/usr/lib/postgresql';
const USER = 'postgres';

/** The newest installed server's bin directory. */
function binaries(): string {
  const versions = existsSync(ROOT)
    ? readdirSync(ROOT)
        .filter((v) => existsSync(join(ROOT, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(`No PostgreSQL server in ${ROOT}/*/bin: install Debian's postgresql package (.ci/run does)`);
  }
  return join(ROOT, versions[0]!, 'bin');
}

let databases = 0;

export async function startPostgres(): Promise<PostgresServer> {
  const bin = binaries();
  const dir = await mkdtemp(join(tmpdir(), 'gateway-pg-'));
  await handOver(dir, USER);
  const data = join(dir, 'data');
  const initdb = spawnAs(USER, join(bin, 'initdb'), ['-D', data, '-U', USER, '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const initErrors = collect(initdb);
  const [initCode] = (await once(initdb, 'exit')) as [number | null];
  if (initCode !== 0) throw new Error(`initdb exited with ${initCode}: ${initErrors()}`);

  const port = await closedPort();
  // fsync off: the tests kill gateways, never the database, and it keeps the suite fast.
  const server = spawnAs(
    USER,
    join(bin, 'postgres'),
    ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=300'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = once(server, 'exit');
  const serverErrors = collect(server);
  await Promise.race([
    new Promise<void>((resolve) => {
      createInterface({ input: server.stderr! }).on('line', (line) => {
        if (/database system is ready to accept connections/.test(line)) resolve();
      });
    }),
    exited.then(() => Promise.reject(new Error(`postgres exited before it was ready: ${serverErrors()}`))),
  ]);

  const url = (database: string) => `postgres://${USER}@127.0.0.1:${port}/${database}`;
  const sql: PostgresServer['sql'] = async (database, text, params) => {
    const client = new pg.Client({ connectionString: url(database) });
    await client.connect();
    try {
      return (await client.query(text, params)).rows;
    } finally {
      await client.end();
    }
  };

  return {
    port,
    socketDir: dir,
    pid: server.pid!,
    async createDatabase(name = `audit_${process.pid}_${++databases}`) {
      await sql('postgres', `create database ${name}`);
      return url(name);
    },
    sql,
    async stop() {
      if (server.exitCode === null && server.signalCode === null) {
        // Straight to the postmaster (runuser may stand between): a fast shutdown, which disconnects clients.
        const pid = Number((await readFile(join(data, 'postmaster.pid'), 'utf8')).split('\n')[0]);
        process.kill(pid, 'SIGINT');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function collect(child: ChildProcess): () => string {
  let text = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (text.length < 10_000) text += chunk.toString();
  });
  return () => text;
}
