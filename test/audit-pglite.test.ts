import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPglite } from '../src/audit/pglite.js';
import { openAuditTrail } from '../src/audit/trail.js';
import { auditSuite } from './helpers/audit-suite.js';
import { startEntryPoint } from './helpers/entry-point.js';
import { startStub, type Stub } from './helpers/stub.js';

// The audit suite on the embedded PostgreSQL (PGlite), as a gateway without GATEWAY_DATABASE_URL keeps it.
const dirs: string[] = [];

auditSuite({
  open: () => openPglite(undefined),
  async freshStore() {
    const dir = await mkdtemp(join(tmpdir(), 'gateway-audit-'));
    dirs.push(dir);
    return { kind: 'pglite', dataDir: dir };
  },
  async done() {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  },
});

describe('in a data directory (GATEWAY_DATA_DIR)', () => {
  let stub: Stub | undefined;
  afterAll(() => stub?.close());

  const directory = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gateway-audit-'));
    dirs.push(dir);
    return dir;
  };

  it('serves one process: a second gateway on the same directory is refused, naming the first', async () => {
    const dir = await directory();
    // The lock of a process that is alive: the one that started this test run.
    await writeFile(join(dir, 'gateway.lock'), `${process.ppid}\n`);
    await expect(openAuditTrail({ store: { kind: 'pglite', dataDir: dir }, retentionDays: 0, failOpen: false })).rejects.toThrow(
      new RegExp(`another gateway process \\(pid ${process.ppid}\\) keeps its audit trail in .*GATEWAY_DATABASE_URL`),
    );
  });

  it(
    'a gateway killed mid-write leaves the write as UNKNOWN, never completed; the next start takes the directory over',
    { timeout: 120_000 },
    async () => {
      const dir = await directory();
      let received!: () => void;
      const patched = new Promise<void>((resolve) => (received = resolve));
      stub = await startStub((req, res) => {
        if (req.method === 'PATCH') received();
        else res.destroy();
      });
      const gateway = await startEntryPoint({
        IDENTITYNOW_URL: `${stub.origin}/beta`,
        IDENTITYNOW_TOKEN: 'idn-token-audit-crash',
        GATEWAY_ALLOW_ANONYMOUS: 'true',
        GATEWAY_DATA_DIR: dir,
        UPSTREAM_TIMEOUT_MS: '60000',
        UPSTREAM_HEADERS_TIMEOUT_MS: '60000',
      });
      const answer = fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: 'mutation { patchOAuthClient(id: "crash-1", ops: [{ op: REPLACE, path: "/name", value: "n" }]) { id } }',
        }),
      }).then(
        () => 'answered',
        () => 'cut',
      );
      await patched;
      gateway.child.kill('SIGKILL');
      expect((await gateway.exited).signal).toBe('SIGKILL');
      expect(await answer).toBe('cut');

      const trail = await openAuditTrail({ store: { kind: 'pglite', dataDir: dir }, retentionDays: 0, failOpen: false });
      try {
        const { events } = await trail.events({ first: 10 });
        expect(events).toMatchObject([
          { service: 'identitynow', resourceId: 'crash-1', outcome: 'UNKNOWN', completedAt: null, caller: 'anonymous' },
        ]);
        expect(events[0]!.changes).toEqual([{ field: 'name', after: 'n' }]);
      } finally {
        await trail.close();
      }
    },
  );
});
