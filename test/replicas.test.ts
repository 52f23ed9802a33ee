import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MIGRATIONS } from '../src/audit/migrations.js';
import { identityNowClient } from './fixtures/upstream-bodies.js';
import { startEntryPoint, type EntryPoint } from './helpers/entry-point.js';
import { startNginx, type LoadBalancer } from './helpers/nginx.js';
import { startPostgres, type PostgresServer } from './helpers/postgres.js';
import { json, startStub, type Stub } from './helpers/stub.js';

// Three real gateway processes, one real PostgreSQL server, a real load balancer (nginx) in front:
// the deployment the README's "Running several replicas" describes. One replica is killed with
// SIGKILL while writes are held at the upstream.
const REPLICAS = ['a', 'b', 'c'] as const;
const CONCURRENT = 200;
const KILL_BATCH = 30;
const AFTER_KILL = 30;

let postgres: PostgresServer;
let database: string;
let stub: Stub;
let nginx: LoadBalancer;
const gateways = new Map<string, EntryPoint>();

/** Every PATCH the upstream received: the client id it changed, and the replica that sent it. */
const patches: Array<{ id: string; replica: string }> = [];
let holding = false;
const held: ServerResponse[] = [];
const patchWaiters: Array<{ n: number; resolve(): void }> = [];

const token = (replica: string) => `idn-token-replica-${replica}`;

beforeAll(async () => {
  postgres = await startPostgres();
  database = await postgres.createDatabase();
  stub = await startStub((req, res) => {
    const id = decodeURIComponent(/^\/beta\/oauth-clients\/([^/?]+)/.exec(req.url)?.[1] ?? '');
    if (req.method !== 'PATCH') return json(res, 200, identityNowClient({ id }));
    const replica = REPLICAS.find((r) => req.headers.authorization === `Bearer ${token(r)}`) ?? '?';
    patches.push({ id, replica });
    for (const waiter of patchWaiters.filter((w) => patches.length >= w.n)) waiter.resolve();
    if (holding) held.push(res);
    else json(res, 200, identityNowClient({ id, name: 'changed' }));
  });
  // All three at once, on a database nobody migrated yet: their migrations race for real.
  const started = await Promise.all(
    REPLICAS.map((replica) =>
      startEntryPoint({
        IDENTITYNOW_URL: `${stub.origin}/beta`,
        IDENTITYNOW_TOKEN: token(replica),
        GATEWAY_ALLOW_ANONYMOUS: 'true',
        GATEWAY_DATABASE_URL: database,
        // Only the test decides when a held write is answered.
        UPSTREAM_TIMEOUT_MS: '120000',
        UPSTREAM_HEADERS_TIMEOUT_MS: '120000',
      }),
    ),
  );
  started.forEach((gateway, i) => gateways.set(REPLICAS[i]!, gateway));
  nginx = await startNginx(started.map((g) => g.port));
}, 120_000);

afterAll(async () => {
  for (const res of held) res.destroy();
  for (const gateway of gateways.values())
    if (gateway.child.exitCode === null && gateway.child.signalCode === null) gateway.child.kill('SIGKILL');
  await nginx?.stop();
  await stub?.close();
  await postgres?.stop();
});

function receivedPatches(n: number): Promise<void> {
  return patches.length >= n ? Promise.resolve() : new Promise((resolve) => patchWaiters.push({ n, resolve }));
}

async function gql(url: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: res.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as Record<string, any>) : undefined,
  };
}

const PATCH = `mutation ($id: ID!) { patchOAuthClient(id: $id, ops: [{ op: REPLACE, path: "/description", value: "replicated" }]) { id } }`;
const patch = (url: string, id: string) => gql(url, PATCH, { id });

/** Every event, read through one replica (newest first). */
async function allEvents(url: string): Promise<Array<Record<string, any>>> {
  const events: Array<Record<string, any>> = [];
  let after: string | null = null;
  for (;;) {
    const { body } = await gql(
      url,
      `query ($after: String) { auditEvents(first: 500, after: $after) { nodes { id resourceId outcome code completedAt requestId } pageInfo { hasNextPage endCursor } } }`,
      after ? { after } : {},
    );
    expect(body?.errors).toBeUndefined();
    events.push(...(body!.data.auditEvents.nodes as Array<Record<string, any>>));
    if (!body!.data.auditEvents.pageInfo.hasNextPage) return events;
    after = body!.data.auditEvents.pageInfo.endCursor as string;
  }
}

it('replicas that start together migrate the shared database once', async () => {
  const rows = await postgres.sql(database.split('/').at(-1)!, 'select version from schema_migrations order by version');
  expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
  const migrated = [...gateways.values()].filter((g) => g.lines.some((l) => /^audit store: applied migrations/.test(String(l.msg))));
  expect(migrated).toHaveLength(1);
});

it(`${CONCURRENT} concurrent mutations across the replicas give exactly ${CONCURRENT} events`, async () => {
  const answers = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => patch(nginx.url, `burst-${i}`)));
  for (const answer of answers) expect(answer.body).toEqual({ data: { patchOAuthClient: { id: expect.any(String) } } });
  expect(patches).toHaveLength(CONCURRENT);
  const perReplica = Object.fromEntries(REPLICAS.map((r) => [r, patches.filter((p) => p.replica === r).length]));
  // nginx spread them: every replica wrote, and the trail they share has each write once.
  for (const replica of REPLICAS) expect(perReplica[replica]).toBeGreaterThan(0);
  const events = await allEvents(nginx.url);
  expect(events).toHaveLength(CONCURRENT);
  expect(new Set(events.map((e) => e.resourceId)).size).toBe(CONCURRENT);
  expect(new Set(events.map((e) => e.requestId)).size).toBe(CONCURRENT);
  expect(events.every((e) => e.outcome === 'APPLIED' && e.completedAt !== null)).toBe(true);
  // Whichever replica answers, the trail is the same.
  const [a, b, c] = await Promise.all(REPLICAS.map((r) => allEvents(gateways.get(r)!.url)));
  expect(b).toEqual(a);
  expect(c).toEqual(a);
  console.log(`replicas: ${CONCURRENT} concurrent mutations → ${events.length} events; PATCHes per replica ${JSON.stringify(perReplica)}`);
}, 60_000);

it('SIGKILL of a replica during slow writes: survivors answer everything, no write is sent twice, every write has one event', async () => {
  const before = patches.length;
  holding = true;
  const batch = Array.from({ length: KILL_BATCH }, (_, i) => `held-${i}`);
  const pending = batch.map((id) => patch(nginx.url, id));
  await receivedPatches(before + KILL_BATCH);

  // The replica that sent the first held write dies with it, and with every other write it holds.
  const victim = patches.find((p) => p.id === 'held-0')!.replica;
  const dead = gateways.get(victim)!;
  dead.child.kill('SIGKILL');
  expect((await dead.exited).signal).toBe('SIGKILL');
  const onVictim = new Set(patches.filter((p) => p.replica === victim && p.id.startsWith('held-')).map((p) => p.id));

  // The survivors take every new request, reads and writes, while their own held writes still wait.
  holding = false;
  const afterKill = await Promise.all([
    ...Array.from({ length: AFTER_KILL }, (_, i) => patch(nginx.url, `after-${i}`)),
    ...Array.from({ length: AFTER_KILL }, (_, i) =>
      gql(nginx.url, `query ($id: ID!) { oauthClient(id: $id) { id } }`, { id: `read-${i}` }),
    ),
  ]);
  for (const answer of afterKill) {
    expect(answer.status).toBe(200);
    expect(answer.body?.errors).toBeUndefined();
  }

  for (const res of held.splice(0)) if (!res.destroyed) json(res, 200, identityNowClient({ name: 'changed' }));
  const answers = await Promise.all(pending);
  batch.forEach((id, i) => {
    const answer = answers[i]!;
    if (onVictim.has(id)) {
      // Its replica died holding it: the load balancer says so, and did not send it to another.
      expect(answer.status).toBe(502);
    } else {
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ data: { patchOAuthClient: { id: expect.any(String) } } });
    }
  });

  // No write sent twice: each client id reached the upstream once.
  const sent = new Map<string, number>();
  for (const p of patches) sent.set(p.id, (sent.get(p.id) ?? 0) + 1);
  expect([...sent.values()].every((n) => n === 1)).toBe(true);
  expect(patches).toHaveLength(CONCURRENT + KILL_BATCH + AFTER_KILL);

  // One event per write, none duplicated; the dead replica's writes stay UNKNOWN, never completed.
  const survivor = [...gateways.entries()].find(([r]) => r !== victim)![1];
  const events = await allEvents(survivor.url);
  expect(events).toHaveLength(CONCURRENT + KILL_BATCH + AFTER_KILL);
  expect(new Set(events.map((e) => e.resourceId)).size).toBe(events.length);
  const byId = new Map(events.map((e) => [e.resourceId as string, e]));
  for (const id of batch) {
    expect(byId.get(id), id).toMatchObject(onVictim.has(id) ? { outcome: 'UNKNOWN', completedAt: null } : { outcome: 'APPLIED' });
  }
  for (let i = 0; i < AFTER_KILL; i++) expect(byId.get(`after-${i}`)).toMatchObject({ outcome: 'APPLIED' });
  expect(onVictim.size).toBeGreaterThan(0);
  expect(onVictim.size).toBeLessThan(KILL_BATCH);
  console.log(
    `replicas: killed ${victim} holding ${onVictim.size} of ${KILL_BATCH} slow writes (UNKNOWN, 502); ${KILL_BATCH - onVictim.size} held + ${2 * AFTER_KILL} later requests answered by the survivors; ${events.length} events for ${patches.length} PATCHes, each sent once`,
  );
}, 60_000);
