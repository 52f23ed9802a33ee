import { access, mkdir, open, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite, PGliteOptions } from '@electric-sql/pglite';
import type { Database, Row, Sql } from './database.js';

/**
 * PostgreSQL compiled to WebAssembly, in this process: the same schema and SQL as on a server, kept
 * in a directory (or in memory, for the sandbox). One process only may open a directory: a lock
 * file beside the database says which, and a second gateway is refused rather than let corrupt it.
 */
export async function openPglite(dataDir: string | undefined): Promise<Database> {
  // Loaded only when used: a gateway on a PostgreSQL server never pays for the WebAssembly module.
  const { PGlite } = await import('@electric-sql/pglite');
  let release = async () => {};
  let db: PGlite;
  if (dataDir === undefined) {
    db = await create(PGlite, undefined);
  } else {
    const dir = resolve(dataDir);
    await mkdir(dir, { recursive: true });
    release = await lockDirectory(join(dir, 'gateway.lock'), dir);
    try {
      db = await create(PGlite, join(dir, 'pglite'));
    } catch (error) {
      await release();
      throw error;
    }
  }

  // PGlite runs one statement at a time; closing waits for those queued so none is cut off.
  const pending = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    pending.add(work);
    void work.then(
      () => pending.delete(work),
      () => pending.delete(work),
    );
    return work;
  };
  const onTx = (tx: Pick<PGlite, 'query'>): Sql => ({
    query: async <R = Row>(text: string, params?: readonly unknown[]) => (await tx.query<R>(text, params as unknown[])).rows,
  });

  return {
    query: (text, params) => track(onTx(db).query(text, params)),
    transaction: (fn) => track(db.transaction((tx) => fn(onTx(tx)))),
    async close() {
      await Promise.allSettled([...pending]);
      await db.close();
      await release();
    },
  };
}

/**
 * A new database is PGlite's initdb: about 7 s of CPU on a 2-core machine, against 3 s to unpack one
 * made before. So the first new database is kept, as it is after initdb, as a template under
 * node_modules/.cache (one per PGlite release), and later new ones (every sandbox start, every new
 * data directory) start from it. Where the template cannot be read or written, initdb runs.
 */
async function create(pglite: typeof PGlite, path: string | undefined): Promise<PGlite> {
  // PGlite turns fsync off by default; an audit trail on disk wants a commit to survive the machine,
  // not only the process (about 0.7 ms more per statement here).
  const createPglite = (options: PGliteOptions) =>
    pglite.create(path === undefined ? options : { ...options, startParams: [...pglite.defaultStartParams, '-c', 'fsync=on'] });
  const fresh = path === undefined || !(await exists(join(path, 'PG_VERSION')));
  if (!fresh) return createPglite({ dataDir: path });
  const file = await templateFile();
  const template = file && (await readFile(file).catch(() => undefined));
  if (template) {
    try {
      return await createPglite({ ...(path ? { dataDir: path } : {}), loadDataDir: new Blob([template]) });
    } catch {
      // A damaged template: forget it, and start from initdb as if there were none.
      await unlink(file).catch(() => {});
      if (path) await rm(path, { recursive: true, force: true });
    }
  }
  const db = await createPglite(path ? { dataDir: path } : {});
  if (file) {
    try {
      const dump = Buffer.from(await (await db.dumpDataDir('gzip')).arrayBuffer());
      await mkdir(dirname(file), { recursive: true });
      // Written whole, then renamed: a process reading it never sees half a template.
      const partial = `${file}.${process.pid}.partial`;
      await writeFile(partial, dump);
      await rename(partial, file);
    } catch {
      // Read-only node_modules (an image, say): each new database runs initdb.
    }
  }
  return db;
}

/** node_modules/.cache/oauth-gateway/pglite-<version>.tar.gz beside the PGlite package; undefined when it cannot be found. */
async function templateFile(): Promise<string | undefined> {
  try {
    const root = resolve(dirname(fileURLToPath(import.meta.resolve('@electric-sql/pglite'))), '..');
    const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version?: unknown };
    if (typeof version !== 'string' || !/^[\w.-]+$/.test(version)) return undefined;
    return join(root, '..', '..', '.cache', 'oauth-gateway', `pglite-${version}.tar.gz`);
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Takes the directory for this process; a lock left by a process that is gone is taken over. */
async function lockDirectory(path: string, dir: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const file = await open(path, 'wx');
      await file.writeFile(`${process.pid}\n`);
      await file.close();
      return () => unlink(path).catch(() => {});
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) {
      throw new Error(
        `another gateway process (pid ${holder}) keeps its audit trail in ${dir}: the embedded store serves one process; replicas share a PostgreSQL server (GATEWAY_DATABASE_URL)`,
      );
    }
    await unlink(path).catch(() => {});
  }
  throw new Error(`another gateway process took ${dir} while this one started`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
