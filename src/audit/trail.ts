import { randomUUID } from 'node:crypto';
import type { JournalEntry, WriteJournal, WriteRecord, WriteResult } from '../changes/write.js';
import { gatewayError } from '../errors.js';
import { log } from '../log.js';
import { describeStore, type AuditConfig } from './config.js';
import { errorText, type Database } from './database.js';
import { maskSecrets, storable, type AuditEvent, type AuditEventPage, type AuditQuery } from './events.js';
import { migrate } from './migrations.js';
import { SharedTokens } from './rate-buckets.js';
import { AuditStore } from './store.js';
import type { TokenStore } from '../upstream/rate-limit.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const PURGE_INTERVAL_MS = 60 * 60 * 1000;

export interface AuditTrailOptions {
  failOpen: boolean;
  /** 0 keeps events forever. */
  retentionDays: number;
  /** The clock events are stamped with and retention counts by; tests move it. */
  now?: () => Date;
  /** How often old events are deleted while the gateway runs. */
  purgeIntervalMs?: number;
  /** The database is a server every replica shares (not one embedded in this process). */
  shared?: boolean;
}

/**
 * The audit trail: the journal behind every mutation's write (src/changes/write.ts), and its reader.
 * An intent is written, durably, before the write's first request leaves; when it cannot be, the
 * write is refused with AUDIT_UNAVAILABLE and nothing is sent, unless the trail is set to fail open.
 * Each event, once its outcome is known, also goes out as one log line (`"msg":"audit"`).
 */
export class AuditTrail implements WriteJournal {
  private readonly store: AuditStore;
  private readonly now: () => Date;
  private readonly timer: NodeJS.Timeout | undefined;
  private purging: Promise<number> | undefined;
  private closed = false;

  /** On a PostgreSQL server every replica shares: the rate limits' buckets, so a vendor's quota holds across replicas. */
  readonly rateTokens: TokenStore | undefined;

  constructor(
    private readonly db: Database,
    /** Where the store is, safe to log. */
    readonly description: string,
    private readonly options: AuditTrailOptions,
  ) {
    this.store = new AuditStore(db);
    this.rateTokens = options.shared ? new SharedTokens(db) : undefined;
    this.now = options.now ?? (() => new Date());
    if (options.retentionDays > 0) {
      this.timer = setInterval(() => void this.purge(), options.purgeIntervalMs ?? PURGE_INTERVAL_MS);
      this.timer.unref();
    }
  }

  async intend(record: WriteRecord): Promise<JournalEntry> {
    const event = this.event(record);
    const stored = await this.write(event, 'intent');
    return { complete: (result) => this.complete(event, result, stored) };
  }

  async ended(record: WriteRecord, result: WriteResult): Promise<void> {
    const event = this.completed(this.event(record), result);
    const stored = await this.write(event, 'event');
    announce(event, stored);
  }

  /** A page of the trail, newest first. */
  events(query: AuditQuery): Promise<AuditEventPage> {
    return this.store.list(query);
  }

  /** Cheap: whether an event could be written now (for /ready). Never throws. */
  writable(): Promise<boolean> {
    return this.closed ? Promise.resolve(false) : this.store.writable();
  }

  /** Deletes the events past retention; returns how many. One run at a time; failures are logged, not thrown. */
  purge(): Promise<number> {
    if (this.options.retentionDays === 0 || this.closed) return Promise.resolve(0);
    this.purging ??= (async () => {
      const cutoff = new Date(this.now().getTime() - this.options.retentionDays * DAY_MS);
      try {
        const deleted = await this.store.purge(cutoff);
        if (deleted > 0) {
          log.info(`audit retention: deleted ${deleted} events older than ${this.options.retentionDays} days`, {
            deleted,
            before: cutoff.toISOString(),
          });
        }
        return deleted;
      } catch (error) {
        log.warn('audit retention: old events could not be deleted; the next run tries again', { error: errorText(error) });
        return 0;
      } finally {
        this.purging = undefined;
      }
    })();
    return this.purging;
  }

  /** After the requests in flight are answered: stops retention and closes the store's connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.purging;
    await this.db.close();
  }

  private event(record: WriteRecord): AuditEvent {
    return {
      id: randomUUID(),
      time: this.now().toISOString(),
      requestId: record.requestId,
      caller: storable(record.caller),
      service: record.service,
      operation: record.operation,
      resourceId: record.resourceId === undefined ? null : storable(record.resourceId),
      changes: maskSecrets(record.changes),
      outcome: 'UNKNOWN',
      code: null,
      upstreamStatus: null,
      trackingId: null,
      completedAt: null,
    };
  }

  private completed(event: AuditEvent, result: WriteResult): AuditEvent {
    return {
      ...event,
      resourceId: result.resourceId === undefined ? event.resourceId : storable(result.resourceId),
      outcome: result.outcome,
      code: result.code ?? null,
      upstreamStatus: result.upstreamStatus ?? null,
      trackingId: result.trackingId ?? null,
      completedAt: this.now().toISOString(),
    };
  }

  /** Writes the event before the write may go on: refuses it (AUDIT_UNAVAILABLE) when it cannot, unless failing open. */
  private async write(event: AuditEvent, what: 'intent' | 'event'): Promise<boolean> {
    try {
      await this.store.record(event);
      return true;
    } catch (error) {
      const fields = { auditId: event.id, requestId: event.requestId, service: event.service, operation: event.operation };
      if (!this.options.failOpen) {
        log.error(`audit store unavailable: the write was refused and nothing was sent (AUDIT_UNAVAILABLE)`, {
          ...fields,
          error: errorText(error),
        });
        throw gatewayError(
          'AUDIT_UNAVAILABLE',
          'The audit trail could not record this change, so it was not sent: nothing was changed. Try again when the audit store is back.',
          { upstream: { service: event.service, operation: event.operation } },
        );
      }
      log.error(`audit store unavailable: GATEWAY_AUDIT_FAIL_OPEN=true, so this write goes ahead WITHOUT its ${what} in the audit trail`, {
        ...fields,
        error: errorText(error),
      });
      return false;
    }
  }

  /** The outcome, once known. Never throws: the write has happened, and its caller must get its answer. */
  private async complete(intent: AuditEvent, result: WriteResult, intentStored: boolean): Promise<void> {
    const event = this.completed(intent, result);
    let stored = true;
    try {
      await (intentStored ? this.store.complete(event) : this.store.record(event));
    } catch (error) {
      stored = false;
      log.error(
        intentStored
          ? 'audit store unavailable: the outcome of a write could not be recorded; its event stays UNKNOWN in the trail'
          : 'audit store unavailable: a write that went ahead unrecorded (GATEWAY_AUDIT_FAIL_OPEN=true) could not be recorded afterwards either',
        { auditId: event.id, requestId: event.requestId, outcome: event.outcome, error: errorText(error) },
      );
    }
    announce(event, stored);
  }
}

/** The event as one log line, for log pipelines; its changes are masked like the store's. */
function announce(event: AuditEvent, stored: boolean): void {
  log.info('audit', { event, stored });
}

/**
 * The trail at once, with its store opening behind it: the gateway can listen while the store opens
 * and migrates (the embedded PGlite takes seconds), and each write's intent waits for it, so no write
 * is taken unrecorded. `opened` resolves once the store is open, migrated and purged of what is past
 * retention; it rejects when the store cannot be opened or migrated, and the trail then refuses writes.
 */
export function startAuditTrail(
  config: AuditConfig,
  options: Pick<AuditTrailOptions, 'now' | 'purgeIntervalMs'> = {},
): { trail: AuditTrail; opened: Promise<void> } {
  const description = describeStore(config.store);
  const opening = openMigrated(config, description);
  const trail = new AuditTrail(deferred(opening), description, {
    ...options,
    failOpen: config.failOpen,
    retentionDays: config.retentionDays,
    shared: config.store.kind === 'postgres',
  });
  return { trail, opened: opening.then(async () => void (await trail.purge())) };
}

/** The trail once its store is open and migrated (see startAuditTrail). */
export async function openAuditTrail(
  config: AuditConfig,
  options: Pick<AuditTrailOptions, 'now' | 'purgeIntervalMs'> = {},
): Promise<AuditTrail> {
  const { trail, opened } = startAuditTrail(config, options);
  await opened;
  return trail;
}

async function openMigrated(config: AuditConfig, description: string): Promise<Database> {
  let db: Database;
  try {
    db = await openDatabase(config);
  } catch (error) {
    throw new Error(`the audit store (${description}) could not be opened: ${errorText(error)}`, { cause: error });
  }
  try {
    const { applied, unknown } = await migrate(db);
    if (applied.length > 0) log.info(`audit store: applied migrations ${applied.join(', ')}`, { applied });
    if (unknown.length > 0) {
      log.warn(`audit store: the database has migrations this release does not know (${unknown.join(', ')}); a newer release migrated it`, {
        unknown,
      });
    }
  } catch (error) {
    await db.close().catch(() => {});
    throw new Error(`the audit store (${description}) could not be migrated: ${errorText(error)}`, { cause: error });
  }
  return db;
}

/** A database whose statements wait for it to be open; closing one that never opened does nothing. */
function deferred(opening: Promise<Database>): Database {
  return {
    query: async (text, params, options) => (await opening).query(text, params, options),
    transaction: async (fn, options) => (await opening).transaction(fn, options),
    close: async () => {
      const db = await opening.catch(() => undefined);
      await db?.close();
    },
  };
}

async function openDatabase(config: AuditConfig): Promise<Database> {
  const { store } = config;
  switch (store.kind) {
    case 'postgres': {
      const { openPostgres } = await import('./postgres.js');
      const db = openPostgres(store);
      // The pool connects lazily; this proves the server is there and takes us before anything else.
      await db.query('select 1').catch(async (error: unknown) => {
        await db.close().catch(() => {});
        throw error;
      });
      return db;
    }
    case 'pglite':
    case 'memory': {
      const { openPglite } = await import('./pglite.js');
      return openPglite(store.kind === 'pglite' ? store.dataDir : undefined);
    }
  }
}
