import pg from 'pg';
import { log } from '../log.js';
import type { AuditStoreConfig } from './config.js';
import { errorText, type Database, type QueryOptions, type Row, type Sql } from './database.js';

type PostgresConfig = Extract<AuditStoreConfig, { kind: 'postgres' }>;

// The client gives up a little after the server would have, so the server's own error usually wins;
// the client's bound is for a server that stopped answering at all.
const CLIENT_MARGIN_MS = 1_000;

/**
 * A PostgreSQL server shared by every replica, through a pool of bounded size: waiting for a
 * connection, opening one, and every statement have a deadline, so a database that is down or
 * stuck refuses a write quickly instead of holding it.
 */
export function openPostgres(config: PostgresConfig): Database {
  const pool = new pg.Pool({
    connectionString: config.url,
    max: config.poolSize,
    // Also bounds the wait for a free connection when all of them are busy.
    connectionTimeoutMillis: config.connectTimeoutMs,
    idleTimeoutMillis: 10_000,
    statement_timeout: config.statementTimeoutMs,
    idle_in_transaction_session_timeout: config.statementTimeoutMs,
    query_timeout: config.statementTimeoutMs + CLIENT_MARGIN_MS,
    keepAlive: true,
    application_name: 'oauth-gateway',
  });
  // An idle connection the server closes (restart, failover) is an event, not a crash of the gateway.
  pool.on('error', (error) => log.warn('audit store: an idle database connection failed', { error: errorText(error) }));

  const onClient = (client: pg.ClientBase, timeoutMs?: number): Sql => ({
    query: async <R = Row>(text: string, params?: readonly unknown[]) =>
      (
        await client.query<Row>({
          text,
          values: params as unknown[] | undefined,
          ...(timeoutMs !== undefined ? { query_timeout: timeoutMs + CLIENT_MARGIN_MS } : {}),
        } as pg.QueryConfig)
      ).rows as R[],
  });

  return {
    async query<R = Row>(text: string, params?: readonly unknown[], options?: QueryOptions) {
      const values = params as unknown[] | undefined;
      return (await pool.query<Row>(options?.prepared ? { name: options.prepared, text, values } : { text, values })).rows as R[];
    },
    async transaction(fn, options = {}) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('begin');
        if (options.timeoutMs !== undefined) {
          await client.query(`set local statement_timeout = ${Math.floor(options.timeoutMs)}`);
        }
        const result = await fn(onClient(client, options.timeoutMs));
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch((rollbackError: Error) => (broken = rollbackError));
        throw error;
      } finally {
        // A connection that could not even roll back is not given to the next caller.
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
