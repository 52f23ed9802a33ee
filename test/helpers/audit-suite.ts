import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditStoreConfig } from '../../src/audit/config.js';
import type { Database } from '../../src/audit/database.js';
import type { AuditEvent } from '../../src/audit/events.js';
import { AuditStore } from '../../src/audit/store.js';
import { migrate } from '../../src/audit/migrations.js';
import { AuditTrail, openAuditTrail } from '../../src/audit/trail.js';
import type { WriteRecord } from '../../src/changes/write.js';
import { configureLog } from '../../src/log.js';
import {
  authentikProvider,
  authentikSource,
  identityNowClient,
  identityNowError,
  launchDarklyClient,
} from '../fixtures/upstream-bodies.js';
import { startGateway, type GraphQLResponse, type RunningGateway } from './gateway.js';
import { json, startStub, type RecordedRequest, type Stub } from './stub.js';

/**
 * The audit trail's end-to-end suite, run the same against each way of keeping it: PGlite
 * (test/audit-pglite.test.ts) and a real PostgreSQL server (test/audit-postgres.test.ts). Every
 * write goes through a listening gateway to a stub upstream; the events are read back through
 * auditEvents and, where the point is what is stored, straight from the database.
 */
export interface AuditBackend {
  /** The file's database, empty; opened once per file. */
  open(): Promise<Database>;
  /** A store of its own, for the tests that open the trail as the entry point does. */
  freshStore(): Promise<AuditStoreConfig>;
  /** After the file: stop whatever open() started. */
  done(): Promise<void>;
}

export const KEY_A = 'audit-suite-key-a-0123456789';
export const KEY_B = 'audit-suite-key-b-0123456789';
const KEY_READ = 'audit-suite-key-read-0123456789';
const KEY_WRITE = 'audit-suite-key-write-0123456789';
const KEY_AUDIT = 'audit-suite-key-audit-0123456789';
const SECRET = 'sup3r-s3cret-value-never-stored';
/** The secret a vendor makes on create. */
const MADE_SECRET = 'vendor-made-s3cret-never-stored';

export const MUTATIONS = {
  identitynow: `mutation ($id: ID!, $ops: [JsonPatchOperation!]!) { patchOAuthClient(id: $id, ops: $ops) { id } }`,
  launchdarkly: `mutation ($id: ID!, $ops: [JsonPatchOperation!]!) { patchLaunchDarklyOAuthClient(id: $id, ops: $ops) { id } }`,
  provider: `mutation ($id: ID!, $input: UpdateOAuth2ProviderInput!) { updateOAuth2Provider(id: $id, input: $input) { id } }`,
  source: `mutation ($slug: String!, $input: UpdateOAuthSourceInput!) { updateOAuthSource(slug: $slug, input: $input) { slug } }`,
};

export const EVENTS = `query ($filter: AuditEventFilter, $first: Int, $after: String) {
  auditEvents(filter: $filter, first: $first, after: $after) {
    nodes { id time requestId caller service operation resourceId outcome code upstreamStatus trackingId changes { field before after } completedAt }
    pageInfo { hasNextPage endCursor }
  }
}`;

export interface Answer extends GraphQLResponse {
  requestId: string;
}

/** POSTs one GraphQL operation; the answer with the X-Request-Id the gateway gave it. */
export async function post(url: string, query: string, variables: Record<string, unknown> = {}, key = KEY_A): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({ query, variables }),
  });
  return { ...((await res.json()) as GraphQLResponse), status: res.status, requestId: res.headers.get('x-request-id') ?? '' };
}

/** An upstream for the three vendors; ids starting with "fail-", "gone-" or "slow-" misbehave. */
function vendorStub(onWrite: (req: RecordedRequest) => Promise<void>): Promise<Stub> {
  return startStub(async (req, res) => {
    const match = /^\/(?:beta\/oauth-clients|api\/v2\/oauth\/clients|api\/v3\/providers\/oauth2|api\/v3\/sources\/oauth)\/([^/]+)\/?$/.exec(
      req.url,
    );
    const id = decodeURIComponent(match?.[1] ?? '');
    // Creates and deletes of the lifecycle case: each vendor's answer, with the secret it makes.
    if (req.method === 'POST' && req.url === '/beta/oauth-clients')
      return json(res, 200, { ...identityNowClient({ id: 'idn-new' }), secret: MADE_SECRET });
    if (req.method === 'POST' && req.url === '/api/v3/sources/oauth/') return json(res, 201, authentikSource({ slug: 'new-source' }));
    if (req.method === 'DELETE') {
      res.writeHead(204);
      res.end();
      return;
    }
    if (!match) return json(res, 404, { detail: 'Not found.' });
    if (req.method === 'PATCH') await onWrite(req);
    if (id.startsWith('slow-')) {
      held.push(res); // never answered: the gateway's deadline passes
      return;
    }
    if (id.startsWith('fail-')) return json(res, 400, identityNowError('400.1 Bad request content', 'The client is locked by policy.'));
    if (id.startsWith('gone-')) return json(res, 404, identityNowError('404 Not found', 'No such client.'));
    if (req.url.startsWith('/beta/')) return json(res, 200, identityNowClient({ id }));
    if (req.url.startsWith('/api/v2/')) return json(res, 200, launchDarklyClient({ _clientId: id }));
    if (req.url.startsWith('/api/v3/providers/')) return json(res, 200, authentikProvider({ pk: Number(id) }));
    return json(res, 200, authentikSource({ slug: id }));
  });
}

const held: ServerResponse[] = [];

export function auditSuite(backend: AuditBackend): void {
  let db: Database;
  let trail: AuditTrail;
  let stub: Stub;
  let gateway: RunningGateway;
  /** The events of a resource as the database had them when its PATCH reached the upstream. */
  const atUpstream = new Map<string, Array<{ outcome: string; completed_at: unknown }>>();
  const logs: Array<Record<string, any>> = [];
  const waiters: Array<{ pattern: RegExp; resolve(line: Record<string, any>): void }> = [];
  /** The first log line whose message matches, logged since the test began or still to come. */
  const logged = (pattern: RegExp) =>
    new Promise<Record<string, any>>((resolve) => {
      const seen = logs.find((l) => pattern.test(String(l.msg)));
      if (seen) resolve(seen);
      else waiters.push({ pattern, resolve });
    });
  const env = (): Record<string, string> => ({
    IDENTITYNOW_URL: `${stub.origin}/beta`,
    IDENTITYNOW_TOKEN: 'idn-token-audit-suite',
    LAUNCHDARKLY_URL: stub.origin,
    LAUNCHDARKLY_API_KEY: 'ld-key-audit-suite',
    AUTHENTIK_URL: `${stub.origin}/api/v3`,
    AUTHENTIK_TOKEN: 'ak-token-audit-suite',
    // The stub has no version endpoint; creates ask for the release.
    AUTHENTIK_API_VERSION: '2026.2',
    GATEWAY_API_KEYS: `${KEY_A},${KEY_B},${KEY_READ}:oauth-gateway:read,${KEY_WRITE}:oauth-gateway:write,${KEY_AUDIT}:oauth-gateway:audit`,
    UPSTREAM_TIMEOUT_MS: '1000',
    UPSTREAM_RETRIES: '0',
  });
  const events = async (variables: Record<string, unknown> = {}, key = KEY_A) => {
    const res = await post(gateway.url, EVENTS, variables, key);
    expect(res.errors).toBeUndefined();
    return res.data.auditEvents as { nodes: Array<Record<string, any>>; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
  };
  const patchIdn = (id: string, ops: unknown[] = [{ op: 'REPLACE', path: '/description', value: 'audited' }], key = KEY_A) =>
    post(gateway.url, MUTATIONS.identitynow, { id, ops }, key);

  beforeAll(async () => {
    configureLog({
      sink: (text) => {
        const line = JSON.parse(text) as Record<string, any>;
        logs.push(line);
        for (const waiter of waiters.splice(0)) {
          if (waiter.pattern.test(String(line.msg))) waiter.resolve(line);
          else waiters.push(waiter);
        }
      },
    });
    db = await backend.open();
    await migrate(db);
    trail = new AuditTrail(db, 'test store', { failOpen: false, retentionDays: 0 });
    stub = await vendorStub(async (req) => {
      const id = decodeURIComponent(/\/([^/]+)\/?$/.exec(req.url)![1]!);
      // While a test has broken the store, there is nothing to look at.
      const rows = await db
        .query<{ outcome: string; completed_at: unknown }>('select outcome, completed_at from audit_events where resource_id = $1', [id])
        .catch(() => []);
      atUpstream.set(id, rows);
    });
    gateway = await startGateway(env(), { journal: trail });
  }, 60_000);

  afterAll(async () => {
    for (const res of held.splice(0)) res.destroy();
    await gateway?.close();
    await stub?.close();
    await trail?.close();
    await backend.done();
  });

  beforeEach(async () => {
    await db.query('truncate audit_events');
    stub.requests.length = 0;
    logs.length = 0;
  });

  describe('an event for every write attempt', () => {
    it('each mutation kind records one APPLIED event, its intent written before the upstream call, secrets masked everywhere', async () => {
      const answers = [
        await patchIdn('idn-1'),
        await post(gateway.url, MUTATIONS.launchdarkly, { id: 'ld-1', ops: [{ op: 'REPLACE', path: '/name', value: 'Deploy bot' }] }),
        await post(gateway.url, MUTATIONS.provider, { id: '7', input: { name: 'grafana', clientSecret: SECRET } }),
        await post(gateway.url, MUTATIONS.source, { slug: 'github', input: { enabled: false, consumerSecret: SECRET } }, KEY_B),
      ];
      for (const answer of answers) expect(answer.errors).toBeUndefined();

      const { nodes, pageInfo } = await events();
      expect(pageInfo.hasNextPage).toBe(false);
      // Newest first, one per write, each named by the request that made it.
      expect(nodes.map((e) => e.requestId)).toEqual(answers.map((a) => a.requestId).reverse());
      expect(
        nodes.map(({ service, operation, resourceId, outcome, code, changes }) => ({
          service,
          operation,
          resourceId,
          outcome,
          code,
          changes,
        })),
      ).toEqual([
        {
          service: 'AUTHENTIK',
          operation: 'sources_oauth_partial_update',
          resourceId: 'github',
          outcome: 'APPLIED',
          code: null,
          changes: [
            { field: 'enabled', before: null, after: false },
            { field: 'consumerSecret', before: null, after: '[SECRET]' },
          ],
        },
        {
          service: 'AUTHENTIK',
          operation: 'providers_oauth2_partial_update',
          resourceId: '7',
          outcome: 'APPLIED',
          code: null,
          changes: [
            { field: 'name', before: null, after: 'grafana' },
            { field: 'clientSecret', before: null, after: '[SECRET]' },
          ],
        },
        {
          service: 'LAUNCHDARKLY',
          operation: 'patchOAuthClient',
          resourceId: 'ld-1',
          outcome: 'APPLIED',
          code: null,
          changes: [{ field: 'name', before: null, after: 'Deploy bot' }],
        },
        {
          service: 'IDENTITYNOW',
          operation: 'patchOauthClient',
          resourceId: 'idn-1',
          outcome: 'APPLIED',
          code: null,
          changes: [{ field: 'description', before: null, after: 'audited' }],
        },
      ]);
      const [keyB, keyA] = [nodes[0]!.caller, nodes[1]!.caller];
      expect(keyA).toMatch(/^apiKey:[0-9a-f]{8}$/);
      expect(keyB).toMatch(/^apiKey:[0-9a-f]{8}$/);
      expect(keyB).not.toBe(keyA);
      for (const event of nodes) {
        expect(Date.parse(event.completedAt)).toBeGreaterThanOrEqual(Date.parse(event.time));
        // When its request reached the upstream, the event was already stored, as an intent.
        expect(atUpstream.get(event.resourceId)).toEqual([{ outcome: 'UNKNOWN', completed_at: null }]);
      }

      // Neither the store nor the log lines hold the secret; each event went out as one "audit" line.
      const stored = await db.query<{ row: string }>('select row_to_json(audit_events)::text as row from audit_events');
      expect(stored).toHaveLength(4);
      for (const { row } of stored) expect(row).not.toContain(SECRET);
      expect(JSON.stringify(logs)).not.toContain(SECRET);
      const lines = logs.filter((l) => l.msg === 'audit');
      expect(lines.map((l) => [l.event.id, l.event.outcome, l.event.service, l.stored])).toEqual(
        [...nodes].reverse().map((e) => [e.id, 'APPLIED', e.service.toLowerCase(), true]),
      );
    });

    it('creates, deletes and a rotation: one APPLIED event each, with the id the vendor gave, and no secret they make or carry', async () => {
      const answers = [
        await post(
          gateway.url,
          'mutation { createOAuthClient(input: { name: "new", description: null, accessTokenValiditySeconds: 60, grantTypes: [CLIENT_CREDENTIALS], accessType: ONLINE, enabled: true }) { secret client { id } } }',
        ),
        await post(gateway.url, 'mutation { deleteLaunchDarklyOAuthClient(id: "ld-gone") { id } }'),
        await post(gateway.url, 'mutation { rotateOAuth2ProviderSecret(id: "7") { clientSecret } }'),
        await post(
          gateway.url,
          `mutation { createOAuthSource(input: { name: "New", slug: "new-source", providerType: GITHUB, consumerKey: "k", consumerSecret: "${SECRET}" }) { slug } }`,
        ),
      ];
      for (const answer of answers) expect(answer.errors).toBeUndefined();
      expect(answers[0]!.data.createOAuthClient.secret).toBe(MADE_SECRET);
      const rotated = answers[2]!.data.rotateOAuth2ProviderSecret.clientSecret as string;
      const { nodes } = await events();
      expect(nodes.map(({ operation, resourceId, outcome }) => [operation, resourceId, outcome])).toEqual([
        ['sources_oauth_create', 'new-source', 'APPLIED'],
        ['providers_oauth2_partial_update', '7', 'APPLIED'],
        ['deleteOAuthClient', 'ld-gone', 'APPLIED'],
        ['createOauthClient', 'idn-new', 'APPLIED'],
      ]);
      expect(nodes[1]!.changes).toEqual([{ field: 'clientSecret', before: null, after: '[SECRET]' }]);
      const stored = JSON.stringify(await db.query('select row_to_json(audit_events)::text as row from audit_events'));
      for (const secret of [SECRET, MADE_SECRET, rotated]) {
        expect(stored).not.toContain(secret);
        expect(JSON.stringify(logs)).not.toContain(secret);
      }
    });

    it('a write the gateway refuses: REFUSED with its code, nothing sent', async () => {
      const answer = await patchIdn('idn-2', [{ op: 'REPLACE', path: '/id', value: 'other' }]);
      expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(stub.requests).toHaveLength(0);
      const { nodes } = await events();
      expect(nodes).toMatchObject([
        { requestId: answer.requestId, resourceId: 'idn-2', outcome: 'REFUSED', code: 'BAD_USER_INPUT', changes: [] },
      ]);
      expect(nodes[0]!.completedAt).not.toBeNull();
    });

    it('a write the upstream refuses: FAILED with the code, the upstream status and the vendor tracking id', async () => {
      const refused = await patchIdn('fail-1');
      const missing = await patchIdn('gone-1');
      expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const { nodes } = await events();
      expect(nodes).toMatchObject([
        { resourceId: 'gone-1', outcome: 'FAILED', code: 'NOT_FOUND', upstreamStatus: 404 },
        {
          resourceId: 'fail-1',
          outcome: 'FAILED',
          code: 'BAD_USER_INPUT',
          upstreamStatus: 400,
          trackingId: 'b21b1f7ce4da4d639f2c62a57171b427',
        },
      ]);
    });

    it('a write whose upstream does not answer in time: UNKNOWN, sent once', async () => {
      const answer = await patchIdn('slow-1');
      expect(answer.errors?.[0]?.extensions?.code).toBe('UPSTREAM_TIMEOUT');
      expect(stub.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
      const { nodes } = await events();
      expect(nodes).toMatchObject([{ requestId: answer.requestId, resourceId: 'slow-1', outcome: 'UNKNOWN', code: 'UPSTREAM_TIMEOUT' }]);
      // Unlike an intent whose gateway stopped, this one is complete: the gateway knows it does not know.
      expect(nodes[0]!.completedAt).not.toBeNull();
    });

    it('concurrent writes are each recorded, and a value PostgreSQL cannot hold (a NUL, a lone surrogate) fails no write, its own included', async () => {
      const ops = (value: string) => [{ op: 'REPLACE', path: '/description', value }];
      const answers = await Promise.all([
        patchIdn('idn-nul', ops('before\u0000after')),
        patchIdn('idn-nul-name', [{ op: 'REPLACE', path: '/name', value: '\u0000' }]),
        patchIdn('idn-half-pair', ops('half \ud800')),
        ...Array.from({ length: 8 }, (_, i) => patchIdn(`idn-many-${i}`)),
      ]);
      for (const answer of answers) expect(answer.errors).toBeUndefined();
      const { nodes } = await events({ first: 20 });
      expect(nodes.map((e) => e.requestId).sort()).toEqual(answers.map((a) => a.requestId).sort());
      expect(new Set(nodes.map((e) => e.outcome))).toEqual(new Set(['APPLIED']));
      const byId = new Map(nodes.map((e) => [e.resourceId, e]));
      // A NUL is kept as U+FFFD, the character that says one could not be represented.
      expect(byId.get('idn-nul')!.changes).toEqual([{ field: 'description', before: null, after: 'before\ufffdafter' }]);
      expect(byId.get('idn-nul-name')!.changes).toEqual([{ field: 'name', before: null, after: '\ufffd' }]);
      expect(byId.get('idn-half-pair')!.changes).toEqual([{ field: 'description', before: null, after: 'half \ufffd' }]);
    });

    it('a plan or a read records nothing', async () => {
      expect((await post(gateway.url, `{ oauthClient(id: "idn-3") { id } }`)).errors).toBeUndefined();
      expect((await events()).nodes).toEqual([]);
    });
  });

  describe('group commit', () => {
    const event = (i: number): AuditEvent => ({
      id: randomUUID(),
      time: new Date().toISOString(),
      requestId: `group-${i}`,
      caller: 'apiKey:00000000',
      service: 'identitynow',
      operation: 'patchOauthClient',
      resourceId: `group-${i}`,
      changes: [{ field: 'description', before: null, after: `v${i}` }],
      outcome: 'UNKNOWN',
      code: null,
      upstreamStatus: null,
      trackingId: null,
      completedAt: null,
    });

    it('events written together leave in one statement; outcomes keep the changes their intents stored', async () => {
      const statements: (readonly unknown[])[] = [];
      const counting: Database = {
        ...db,
        query: (text, params, options) => {
          if (text.includes('insert into audit_events')) statements.push(params ?? []);
          return db.query(text, params, options);
        },
      };
      const store = new AuditStore(counting);
      const intents = Array.from({ length: 12 }, (_, i) => event(i));
      await Promise.all(intents.map((e) => store.record(e)));
      expect(statements).toHaveLength(1);
      const completedAt = new Date().toISOString();
      await Promise.all(intents.map((e, i) => store.complete({ ...e, outcome: i % 2 ? 'APPLIED' : 'FAILED', completedAt })));
      expect(statements).toHaveLength(2);
      // The outcomes' statement carries no changes: the intents stored them.
      expect(JSON.stringify(statements[1])).not.toContain('"after"');
      const rows = await db.query<{ request_id: string; outcome: string; changes: unknown; completed: boolean }>(
        `select request_id, outcome, changes, completed_at is not null as completed from audit_events where request_id like 'group-%'`,
      );
      expect(rows.sort((a, b) => Number(a.request_id.slice(6)) - Number(b.request_id.slice(6)))).toEqual(
        intents.map((e, i) => ({
          request_id: e.requestId,
          outcome: i % 2 ? 'APPLIED' : 'FAILED',
          changes: [{ field: 'description', before: null, after: `v${i}` }],
          completed: true,
        })),
      );
    });
  });

  describe('when the store cannot be written', () => {
    // The table gone is the store refusing every write, as a full disk, a lost grant or a dropped schema would.
    const breakStore = () => db.query('alter table audit_events rename to audit_events_away');
    const repairStore = () => db.query('alter table audit_events_away rename to audit_events');

    it('fails closed: AUDIT_UNAVAILABLE, nothing sent upstream, and the store says it is not writable', async () => {
      expect(await trail.writable()).toBe(true);
      await breakStore();
      try {
        expect(await trail.writable()).toBe(false);
        const write = await patchIdn('idn-4');
        expect(write.data).toBeNull();
        expect(write.errors).toMatchObject([{ extensions: { code: 'AUDIT_UNAVAILABLE' } }]);
        expect(write.errors![0]!.message).toMatch(/nothing was changed/);
        // A write the checks refuse is refused for the same reason: it could not be recorded either.
        const refused = await patchIdn('idn-4', [{ op: 'REPLACE', path: '/id', value: 'x' }]);
        expect(refused.errors).toMatchObject([{ extensions: { code: 'AUDIT_UNAVAILABLE' } }]);
        expect((await post(gateway.url, EVENTS)).errors).toMatchObject([{ extensions: { code: 'AUDIT_UNAVAILABLE' } }]);
        expect(stub.requests).toHaveLength(0);
        expect(logs.filter((l) => l.level === 'error' && /audit store unavailable: the write was refused/.test(l.msg))).toHaveLength(2);
      } finally {
        await repairStore();
      }
      expect(await trail.writable()).toBe(true);
      const after = await patchIdn('idn-4');
      expect(after.errors).toBeUndefined();
      expect((await events()).nodes).toMatchObject([{ requestId: after.requestId, outcome: 'APPLIED' }]);
    });

    it('GATEWAY_AUDIT_FAIL_OPEN lets the write go ahead, and says so loudly on each one', async () => {
      const open = new AuditTrail(db, 'test store', { failOpen: true, retentionDays: 0 });
      const failOpen = await startGateway(env(), { journal: open });
      await breakStore();
      try {
        const write = await post(failOpen.url, MUTATIONS.identitynow, { id: 'idn-5', ops: [{ op: 'REPLACE', path: '/name', value: 'n' }] });
        expect(write.errors).toBeUndefined();
        expect(stub.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
        // Loud twice: when the write went ahead unrecorded, and when its outcome could not be recorded either.
        const loud = logs.filter((l) => l.level === 'error' && /GATEWAY_AUDIT_FAIL_OPEN=true/.test(l.msg));
        expect(loud.map((l) => [l.requestId, /goes ahead WITHOUT/.test(l.msg)])).toEqual([
          [write.requestId, true],
          [write.requestId, false],
        ]);
        // The log pipeline still gets the event, marked as not stored.
        expect(logs.filter((l) => l.msg === 'audit')).toMatchObject([
          { event: { requestId: write.requestId, outcome: 'APPLIED' }, stored: false },
        ]);
      } finally {
        await repairStore();
        await failOpen.close();
      }
    });
  });

  describe('reading the trail', () => {
    it('pages newest first with opaque cursors, and filters by service, resource, caller, outcome and time', async () => {
      const writes: Answer[] = [];
      for (const [id, key] of [
        ['idn-p1', KEY_A],
        ['fail-p2', KEY_A],
        ['idn-p3', KEY_B],
        ['idn-p1', KEY_B],
      ] as const) {
        writes.push(await patchIdn(id, undefined, key));
      }
      writes.push(await post(gateway.url, MUTATIONS.launchdarkly, { id: 'ld-p5', ops: [{ op: 'REPLACE', path: '/name', value: 'x' }] }));
      writes.push(await post(gateway.url, MUTATIONS.provider, { id: '8', input: { name: 'p6' } }));
      writes.push(await patchIdn('idn-p7', [{ op: 'REMOVE', path: '/id' }]));
      const newestFirst = writes.map((w) => w.requestId).reverse();

      const pages: Array<Awaited<ReturnType<typeof events>>> = [];
      let after: string | null = null;
      do {
        const page = await events({ first: 3, ...(after ? { after } : {}) });
        pages.push(page);
        after = page.pageInfo.endCursor;
        if (!page.pageInfo.hasNextPage) break;
      } while (pages.length < 10);
      expect(pages.map((p) => p.nodes.length)).toEqual([3, 3, 1]);
      expect(pages.map((p) => p.pageInfo.hasNextPage)).toEqual([true, true, false]);
      expect(pages.flatMap((p) => p.nodes.map((e) => e.requestId))).toEqual(newestFirst);
      // An opaque cursor: not a number or an id a caller could make up.
      expect(pages[0]!.pageInfo.endCursor).not.toMatch(/^\d+$/);

      const all = (await events()).nodes;
      const callerB = all.find((e) => e.requestId === writes[2]!.requestId)!.caller;
      const ids = async (filter: Record<string, unknown>) => (await events({ filter })).nodes.map((e) => e.requestId);
      const requestIds = (...i: number[]) => i.map((n) => writes[n]!.requestId);
      expect(await ids({ services: ['LAUNCHDARKLY', 'AUTHENTIK'] })).toEqual(requestIds(5, 4));
      expect(await ids({ services: [] })).toEqual([]);
      expect(await ids({ resourceId: 'idn-p1' })).toEqual(requestIds(3, 0));
      expect(await ids({ caller: callerB })).toEqual(requestIds(3, 2));
      expect(await ids({ outcome: 'FAILED' })).toEqual(requestIds(1));
      expect(await ids({ outcome: 'REFUSED', services: ['IDENTITYNOW'] })).toEqual(requestIds(6));
      expect(await ids({ resourceId: 'idn-p1', caller: callerB })).toEqual(requestIds(3));
      const time = (n: number) => all.find((e) => e.requestId === writes[n]!.requestId)!.time as string;
      expect(await ids({ since: time(4) })).toEqual(requestIds(6, 5, 4));
      expect(await ids({ until: time(2) })).toEqual(requestIds(1, 0));
      expect(await ids({ since: time(2), until: time(4) })).toEqual(requestIds(3, 2));
      // Paging within a filter.
      const first = await events({ filter: { services: ['IDENTITYNOW'] }, first: 2 });
      const rest = await events({ filter: { services: ['IDENTITYNOW'] }, after: first.pageInfo.endCursor });
      expect([...first.nodes, ...rest.nodes].map((e) => e.requestId)).toEqual(requestIds(6, 3, 2, 1, 0));
      expect(rest.pageInfo.hasNextPage).toBe(false);
      // An empty page has no cursor.
      expect((await events({ filter: { resourceId: 'none' } })).pageInfo).toEqual({ hasNextPage: false, endCursor: null });
    });

    it('refuses a first out of bounds and a cursor it did not make', async () => {
      for (const [variables, field] of [
        [{ first: 0 }, 'first'],
        [{ first: 501 }, 'first'],
        [{ first: -1 }, 'first'],
        [{ after: 'not a cursor' }, 'after'],
        [{ after: Buffer.from('audit:abc').toString('base64url') }, 'after'],
        [{ after: Buffer.from('applications:5').toString('base64url') }, 'after'],
        [{ after: '12' }, 'after'],
      ] as const) {
        const res = await post(gateway.url, EVENTS, variables);
        expect(res.errors, JSON.stringify(variables)).toMatchObject([{ extensions: { code: 'BAD_USER_INPUT', fieldErrors: [{ field }] } }]);
      }
      expect((await events({ first: 500 })).nodes).toEqual([]);
    });
  });

  describe('the scope oauth-gateway:audit', () => {
    const code = (res: Answer) => [res.status, res.errors?.map((e) => e.extensions?.code) ?? []];

    it('reads the trail; read and write do not, and audit reads nothing else', async () => {
      await patchIdn('idn-s1', undefined, KEY_WRITE);
      expect(code(await post(gateway.url, EVENTS, {}, KEY_AUDIT))).toEqual([200, []]);
      expect((await post(gateway.url, EVENTS, {}, KEY_AUDIT)).data.auditEvents.nodes).toHaveLength(1);
      const refused = await post(gateway.url, EVENTS, {}, KEY_READ);
      expect(code(refused)).toEqual([403, ['FORBIDDEN']]);
      expect(refused.errors![0]!.message).toMatch(/needs the scope oauth-gateway:audit/);
      expect(code(await post(gateway.url, EVENTS, {}, KEY_WRITE))).toEqual([403, ['FORBIDDEN']]);
      expect(code(await post(gateway.url, `{ oauthClient(id: "idn-s1") { id } }`, {}, KEY_AUDIT))).toEqual([403, ['FORBIDDEN']]);
      expect(code(await patchIdn('idn-s2', undefined, KEY_AUDIT))).toEqual([403, ['FORBIDDEN']]);
    });

    it('a query of the trail and of resources needs both scopes, wherever fragments put its fields', async () => {
      const both = `{ oauthClient(id: "idn-s3") { id } ...Trail } fragment Trail on Query { trail: auditEvents { nodes { id } } }`;
      const forAudit = await post(gateway.url, both, {}, KEY_AUDIT);
      expect(code(forAudit)).toEqual([403, ['FORBIDDEN']]);
      expect(forAudit.errors![0]!.message).toMatch(/needs the scope oauth-gateway:read\b/);
      const forRead = await post(gateway.url, both, {}, KEY_READ);
      expect(forRead.errors![0]!.message).toMatch(/needs the scope oauth-gateway:audit/);
      expect(code(await post(gateway.url, `{ ... on Query { auditEvents { nodes { id } } } }`, {}, KEY_READ))).toEqual([
        403,
        ['FORBIDDEN'],
      ]);
      expect(code(await post(gateway.url, `{ __typename auditEvents { nodes { id } } }`, {}, KEY_AUDIT))).toEqual([200, []]);
      expect(code(await post(gateway.url, both, {}, KEY_A))).toEqual([200, []]);
    });
  });

  describe('retention', () => {
    const record = (requestId: string): WriteRecord => ({
      requestId,
      caller: 'apiKey:00000000',
      service: 'identitynow',
      operation: 'patchOauthClient',
      resourceId: requestId,
      changes: [],
    });

    // Opens a store of its own twice, as two starts of the entry point: a fresh PGlite directory takes seconds.
    it('deletes the events older than GATEWAY_AUDIT_RETENTION_DAYS at start, and keeps the rest', { timeout: 90_000 }, async () => {
      const store = await backend.freshStore();
      let now = new Date('2025-01-01T00:00:00Z');
      const config = { store, retentionDays: 30, failOpen: false };
      const early = await openAuditTrail(config, { now: () => now });
      await early.ended(record('old'), { outcome: 'REFUSED', code: 'BAD_USER_INPUT' });
      now = new Date('2025-01-25T00:00:00Z');
      await early.ended(record('recent'), { outcome: 'REFUSED', code: 'BAD_USER_INPUT' });
      await early.close();

      now = new Date('2025-02-10T00:00:00Z');
      const later = await openAuditTrail(config, { now: () => now });
      try {
        expect((await later.events({ first: 10 })).events.map((e) => e.requestId)).toEqual(['recent']);
        expect(await logged(/^audit retention: deleted/)).toMatchObject({ deleted: 1, before: '2025-01-11T00:00:00.000Z' });
      } finally {
        await later.close();
      }
    });

    it('deletes them periodically while running; 0 keeps every event', async () => {
      let now = new Date('2025-01-01T00:00:00Z');
      const forever = new AuditTrail(db, 'test store', { failOpen: false, retentionDays: 0, now: () => now });
      await forever.ended(record('kept'), { outcome: 'REFUSED' });
      now = new Date('2030-01-01T00:00:00Z');
      expect(await forever.purge()).toBe(0);
      expect((await trail.events({ first: 10 })).events).toHaveLength(1);

      // A trail of its own over the file's database; closing it stops its timer and leaves the database open.
      const shared: Database = { query: db.query, transaction: db.transaction, close: async () => {} };
      const periodic = new AuditTrail(shared, 'test store', { failOpen: false, retentionDays: 1, now: () => now, purgeIntervalMs: 20 });
      try {
        expect(await logged(/^audit retention: deleted/)).toMatchObject({ deleted: 1 });
        expect((await trail.events({ first: 10 })).events).toEqual([]);
      } finally {
        await periodic.close();
      }
    });
  });
}
