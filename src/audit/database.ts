/**
 * The little of a PostgreSQL client the audit store needs, so one store runs on a server (`pg`) and
 * on the embedded PGlite alike: the same SQL, the same schema.
 */
export type Row = Record<string, unknown>;

export interface Sql {
  /** One statement, with $1… parameters. */
  query<R = Row>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<R[]>;
}

export interface QueryOptions {
  /**
   * For a statement run often: the name under which each connection to a server keeps it parsed and
   * planned (one name per text). PGlite, in this process, has no round trip to save and ignores it.
   */
  prepared?: string;
}

export interface Database extends Sql {
  /** `fn`'s statements in one transaction on one connection; `timeoutMs` replaces the statement timeout in it. */
  transaction<T>(fn: (sql: Sql) => Promise<T>, options?: { timeoutMs?: number }): Promise<T>;
  /** Waits for the statements under way, then closes every connection. */
  close(): Promise<void>;
}

/** A database error as a log line may carry it: its code and message, never the connection string. */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // A connection refused on every address of a host is an AggregateError with no message of its own.
  const inner = error instanceof AggregateError && !error.message ? (error.errors[0] as unknown) : undefined;
  if (inner instanceof Error) return errorText(inner);
  const code = (error as { code?: unknown }).code;
  return `${typeof code === 'string' ? `${code}: ` : ''}${error.message}`.slice(0, 300);
}
