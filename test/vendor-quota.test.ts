import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openAuditTrail, type AuditTrail } from '../src/audit/trail.js';
import { loadConfig } from '../src/config.js';
import { identityNowClient, IDN_ID, launchDarklyClient, LD_ID } from './fixtures/upstream-bodies.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { startPostgres, type PostgresServer } from './helpers/postgres.js';
import { parseExposition, sampleValue } from './helpers/prometheus.js';
import { json, startStub, type RecordedRequest, type Stub } from './helpers/stub.js';

/**
 * The vendors' quota, spent well: identical reads in flight share one upstream call, the optional
 * read cache serves repeats until a write, and the rate limit queues requests within their deadline
 * instead of collecting 429s, across replicas through the audit trail's PostgreSQL.
 */

const TOKEN = 'idn-token-quota-0123456789';
const OTHER_TOKEN = 'idn-token-quota-other-0123456789';
const THIRD_TOKEN = 'idn-third-token-0123456789';
// The stub names the credential a read came with, not the credential itself (the gateway would redact that).
const WHO: Record<string, string> = {
  [`Bearer ${TOKEN}`]: 'configured',
  [`Bearer ${OTHER_TOKEN}`]: 'other',
  [`Bearer ${THIRD_TOKEN}`]: 'third',
};

let stub: Stub;
let gateways: RunningGateway[] = [];
/** The clients the stub keeps, by id: a PATCH changes them. */
let stored: Map<string, Record<string, unknown>>;

/** IdentityNow's client: a read answered after `readDelayMs`, so concurrent reads overlap; a PATCH applied. */
function identityNow(readDelayMs = 200) {
  return async (req: RecordedRequest, res: ServerResponse) => {
    const id = /\/beta\/oauth-clients\/([^/?]+)/.exec(req.url)?.[1];
    if (!id && req.method === 'GET' && /^\/beta\/oauth-clients(\?|$)/.test(req.url)) return json(res, 200, [...stored.values()]);
    if (!id) return json(res, 404, {});
    const client: Record<string, unknown> = stored.get(id) ?? identityNowClient({ id, name: `client ${id}` });
    if (req.method === 'PATCH') {
      for (const op of JSON.parse(req.body) as Array<{ op: string; path: string; value?: unknown }>) {
        if (op.op === 'replace') client[op.path.slice(1)] = op.value;
      }
      stored.set(id, client);
      return json(res, 200, client);
    }
    await new Promise((resolve) => setTimeout(resolve, readDelayMs));
    // The answer says which credential read it, so a test sees whose answer a caller got.
    json(res, 200, { ...client, description: `read as ${WHO[String(req.headers.authorization)] ?? 'nobody'}` });
  };
}

async function gateway(env: Record<string, string>, journal?: AuditTrail): Promise<RunningGateway> {
  const started = await startGateway(
    { IDENTITYNOW_URL: `${stub.origin}/beta`, IDENTITYNOW_TOKEN: TOKEN, ...env },
    journal ? { journal } : {},
  );
  gateways.push(started);
  return started;
}

const OPERATION = 'getOauthClient';
const READ = `query ($id: ID!) { oauthClient(id: $id) { id name description } }`;
const PATCH = `mutation ($id: ID!, $value: JSON!) {
  patchOAuthClient(id: $id, ops: [{ op: REPLACE, path: "/description", value: $value }]) { id description }
}`;

const RENAME = `mutation ($id: ID!, $name: JSON!) {
  patchOAuthClient(id: $id, ops: [{ op: REPLACE, path: "/name", value: $name }]) { id name }
}`;
const LIST = `{ oauthClients { id name } }`;

const gets = () => stub.requests.filter((r) => r.method === 'GET');
const patches = () => stub.requests.filter((r) => r.method === 'PATCH');

beforeAll(async () => {
  stub = await startStub();
});

afterEach(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  gateways = [];
  stub.requests.length = 0;
});

afterAll(() => stub.close());

describe('coalescing identical reads', () => {
  it('40 concurrent identical reads cost at most a few upstream calls, and every caller gets the answer', async () => {
    stored = new Map();
    stub.handle(identityNow());
    const gw = await gateway({});
    const answers = await Promise.all(Array.from({ length: 40 }, () => gw.gql(READ, { id: IDN_ID })));
    for (const answer of answers) {
      expect(answer.errors).toBeUndefined();
      expect(answer.data.oauthClient).toEqual({ id: IDN_ID, name: `client ${IDN_ID}`, description: 'read as configured' });
    }
    expect(gets().length).toBeGreaterThanOrEqual(1);
    expect(gets().length).toBeLessThanOrEqual(3);
    // The reads that made no call of their own are counted as such, and not as upstream calls.
    const samples = parseExposition(await (await fetch(gw.url.replace(/\/graphql$/, '/metrics'))).text());
    const labels = { service: 'identitynow', operation: OPERATION };
    expect(sampleValue(samples, 'gateway_upstream_reads_shared_total', { ...labels, how: 'coalesced' })).toBe(40 - gets().length);
    expect(sampleValue(samples, 'gateway_upstream_calls_total', { ...labels, status: '200' })).toBe(gets().length);
  });

  it('UPSTREAM_COALESCE_READS=false: each read is its own call', async () => {
    stored = new Map();
    stub.handle(identityNow());
    const gw = await gateway({ UPSTREAM_COALESCE_READS: 'false' });
    await Promise.all(Array.from({ length: 40 }, () => gw.gql(READ, { id: IDN_ID })));
    expect(gets()).toHaveLength(40);
  });

  it('never across credentials: each caller gets the answer read with its own', async () => {
    stored = new Map();
    stub.handle(identityNow());
    const gw = await gateway({});
    const as = (token: string | undefined) => gw.gql(READ, { id: IDN_ID }, token ? { 'x-identitynow-token': token } : {});
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => [undefined, OTHER_TOKEN, THIRD_TOKEN][i % 3]).map(as));
    answers.forEach((answer, i) =>
      expect(answer.data?.oauthClient?.description).toBe(`read as ${['configured', 'other', 'third'][i % 3]}`),
    );
    const byCredential = new Map<string, number>();
    for (const get of gets())
      byCredential.set(String(get.headers.authorization), (byCredential.get(String(get.headers.authorization)) ?? 0) + 1);
    expect([...byCredential.keys()].sort()).toEqual(
      [`Bearer ${TOKEN}`, `Bearer ${OTHER_TOKEN}`, 'Bearer idn-third-token-0123456789'].sort(),
    );
    for (const count of byCredential.values()) expect(count).toBeLessThanOrEqual(3);
  });

  it('never for writes, nor for the reads a mutation makes', async () => {
    stored = new Map();
    stub.handle(identityNow());
    const gw = await gateway({});
    const answers = await Promise.all(Array.from({ length: 5 }, () => gw.gql(PATCH, { id: IDN_ID, value: 'same change' })));
    for (const answer of answers) expect(answer.errors).toBeUndefined();
    expect(patches()).toHaveLength(5);
  });

  it('a read sent after the gateway answered a write does not share a read begun before it', async () => {
    stored = new Map();
    stub.handle(identityNow(400));
    const gw = await gateway({});
    const before = gw.gql(READ, { id: IDN_ID });
    await vi.waitFor(() => expect(gets()).toHaveLength(1));
    const renamed = await gw.gql(RENAME, { id: IDN_ID, name: 'renamed' });
    expect(renamed.errors).toBeUndefined();
    // The first read is still in flight, with the state from before the write.
    const after = await gw.gql(READ, { id: IDN_ID });
    expect(after.data.oauthClient.name).toBe('renamed');
    expect((await before).data.oauthClient.name).toBe(`client ${IDN_ID}`);
    expect(gets()).toHaveLength(2);
  });
});

describe('the read cache (UPSTREAM_CACHE_TTL_MS)', () => {
  it('is off by default: a repeated read is read again', async () => {
    stored = new Map();
    stub.handle(identityNow(0));
    const gw = await gateway({});
    await gw.gql(READ, { id: IDN_ID });
    await gw.gql(READ, { id: IDN_ID });
    expect(gets()).toHaveLength(2);
  });

  it('serves a repeated read, per credential, until a write through the gateway changes the resource', async () => {
    stored = new Map();
    stub.handle(identityNow(0));
    const gw = await gateway({ UPSTREAM_CACHE_TTL_MS: '600000' });
    for (let i = 0; i < 3; i += 1) expect((await gw.gql(READ, { id: IDN_ID })).data.oauthClient.name).toBe(`client ${IDN_ID}`);
    expect(gets()).toHaveLength(1);
    // Another credential is not served what the first one read.
    const other = await gw.gql(READ, { id: IDN_ID }, { 'x-identitynow-token': OTHER_TOKEN });
    expect(other.data.oauthClient.description).toBe('read as other');
    expect(gets()).toHaveLength(2);

    stored.set(IDN_ID, identityNowClient({ id: IDN_ID, name: `client ${IDN_ID}` }));
    const patched = await gw.gql(PATCH, { id: IDN_ID, value: 'after the write' });
    expect(patched.errors).toBeUndefined();
    stored.get(IDN_ID)!.name = 'renamed by the write';
    const after = await gw.gql(READ, { id: IDN_ID });
    expect(after.data.oauthClient.name).toBe('renamed by the write');
    const otherAfter = await gw.gql(READ, { id: IDN_ID }, { 'x-identitynow-token': OTHER_TOKEN });
    expect(otherAfter.data.oauthClient.name).toBe('renamed by the write');
    expect(gets()).toHaveLength(4);
  });

  it('a write to one IdentityNow client drops the cached reads of it and of the list, not of another client', async () => {
    const OTHER_ID = `${IDN_ID.slice(0, -1)}9`;
    stored = new Map([
      [IDN_ID, identityNowClient({ id: IDN_ID, name: 'first' })],
      [OTHER_ID, identityNowClient({ id: OTHER_ID, name: 'second' })],
    ]);
    stub.handle(identityNow(0));
    const gw = await gateway({ UPSTREAM_CACHE_TTL_MS: '600000' });
    const readAll = async () => ({
      first: (await gw.gql(READ, { id: IDN_ID })).data.oauthClient.name,
      second: (await gw.gql(READ, { id: OTHER_ID })).data.oauthClient.name,
      list: (await gw.gql(LIST)).data.oauthClients.map((client: { name: string }) => client.name),
    });
    expect(await readAll()).toEqual({ first: 'first', second: 'second', list: ['first', 'second'] });
    expect(await readAll()).toEqual({ first: 'first', second: 'second', list: ['first', 'second'] });
    expect(gets()).toHaveLength(3);

    expect((await gw.gql(RENAME, { id: IDN_ID, name: 'renamed' })).errors).toBeUndefined();
    expect(await readAll()).toEqual({ first: 'renamed', second: 'second', list: ['renamed', 'second'] });
    const readAgain = gets()
      .slice(3)
      .map((get) => get.url);
    expect(readAgain.sort()).toEqual([`/beta/oauth-clients`, `/beta/oauth-clients/${IDN_ID}`].sort());
  });
});

describe('the rate limit (<PREFIX>_RATE_LIMIT)', () => {
  /** IdentityNow as a strict limiter: 429 (no Retry-After) to a request with two others in the last 400 ms. */
  function strict() {
    const arrivals: number[] = [];
    let refused = 0;
    stub.handle((req, res) => {
      const now = Date.now();
      const recent = arrivals.filter((t) => now - t < 400).length;
      arrivals.push(now);
      if (recent >= 2) {
        refused += 1;
        return json(res, 429, { message: ' Rate Limit Exceeded ' });
      }
      const id = /\/beta\/oauth-clients\/([^/?]+)/.exec(req.url)?.[1];
      json(res, 200, identityNowClient({ id, name: `client ${id}` }));
    });
    return { refused: () => refused };
  }
  const ids = Array.from({ length: 6 }, (_, i) => `${IDN_ID.slice(0, -1)}${i}`);

  it('queues requests within their deadline instead of collecting 429s', async () => {
    const vendor = strict();
    const gw = await gateway({ IDENTITYNOW_RATE_LIMIT: '2/1s', UPSTREAM_RETRIES: '0', UPSTREAM_TIMEOUT_MS: '10000' });
    const answers = await Promise.all(ids.map((id) => gw.gql(READ, { id })));
    for (const answer of answers) expect(answer.errors).toBeUndefined();
    expect(answers.map((a) => a.data.oauthClient.id).sort()).toEqual([...ids].sort());
    expect(gets()).toHaveLength(6);
    expect(vendor.refused()).toBe(0);
  });

  it('without it (off), the same requests collect 429s', async () => {
    const vendor = strict();
    const gw = await gateway({ IDENTITYNOW_RATE_LIMIT: 'off', UPSTREAM_RETRIES: '0' });
    const answers = await Promise.all(ids.map((id) => gw.gql(READ, { id })));
    expect(vendor.refused()).toBeGreaterThan(0);
    expect(answers.flatMap((a) => a.errors ?? []).map((e) => e.extensions?.code)).toContain('RATE_LIMITED');
  });

  it('a write that would wait past its deadline is not sent, and says so: RATE_LIMITED, NOT_APPLIED', async () => {
    stored = new Map();
    stub.handle(identityNow(0));
    const gw = await gateway({ IDENTITYNOW_RATE_LIMIT: '1/1m', UPSTREAM_TIMEOUT_MS: '2000' });
    expect((await gw.gql(PATCH, { id: IDN_ID, value: 'first' })).errors).toBeUndefined();
    const second = await gw.gql(PATCH, { id: IDN_ID, value: 'second' });
    expect(second.errors).toHaveLength(1);
    const [error] = second.errors!;
    expect(error!.extensions).toMatchObject({ code: 'RATE_LIMITED', outcome: 'NOT_APPLIED' });
    expect(error!.extensions!.retryAfter).toBeGreaterThan(0);
    expect(error!.message).toMatch(/not sent: its rate limit \(1 requests per 60 s\).*nothing was changed/);
    expect(error!.message).not.toContain(TOKEN);
    expect(patches()).toHaveLength(1);
  });

  it('LaunchDarkly: a route its X-Ratelimit-* headers say is exhausted waits for the reset before it is sent again', async () => {
    let resetAt = 0;
    const arrivals: number[] = [];
    stub.handle((req, res) => {
      const now = Date.now();
      arrivals.push(now);
      if (now < resetAt) return json(res, 429, { code: 'rate_limited', message: 'Rate limit exceeded' });
      resetAt = now + 700;
      json(res, 200, launchDarklyClient(), {
        'x-ratelimit-route-remaining': '0',
        'x-ratelimit-global-remaining': '100',
        'x-ratelimit-reset': String(resetAt),
      });
    });
    const gw = await startGateway({
      LAUNCHDARKLY_URL: stub.origin,
      LAUNCHDARKLY_API_KEY: 'api-ld-quota-0123456789',
      UPSTREAM_RETRIES: '0',
    });
    gateways.push(gw);
    const query = `{ launchDarklyOAuthClient(id: "${LD_ID}") { id } }`;
    expect((await gw.gql(query)).errors).toBeUndefined();
    const announced = resetAt;
    const second = await gw.gql(query);
    expect(second.errors).toBeUndefined();
    expect(arrivals).toHaveLength(2);
    expect(arrivals[1]).toBeGreaterThanOrEqual(announced);
  });
});

describe('the rate limit across replicas, in the audit trail’s PostgreSQL', () => {
  let server: PostgresServer;
  let url: string;
  const trails: AuditTrail[] = [];

  beforeAll(async () => {
    server = await startPostgres();
    url = await server.createDatabase();
  });

  let stopped = false;

  afterAll(async () => {
    await Promise.all(trails.map((trail) => trail.close()));
    if (!stopped) await server?.stop();
  });

  async function replica(): Promise<RunningGateway> {
    const env = { IDENTITYNOW_RATE_LIMIT: '3/1m', GATEWAY_DATABASE_URL: url, UPSTREAM_TIMEOUT_MS: '2000' };
    const trail = await openAuditTrail(
      loadConfig({ ...env, GATEWAY_ALLOW_ANONYMOUS: 'true', IDENTITYNOW_URL: `${stub.origin}/beta` }).audit,
    );
    trails.push(trail);
    return gateway(env, trail);
  }

  it('two replicas share one bucket; with the store unreachable, each counts alone', async () => {
    stored = new Map();
    stub.handle(identityNow(0));
    const [a, b] = [await replica(), await replica()];
    const ids = Array.from({ length: 5 }, (_, i) => `${IDN_ID.slice(0, -1)}${i}`);
    for (const id of ids.slice(0, 3)) expect((await a.gql(READ, { id })).errors).toBeUndefined();
    // The bucket holds 3 a minute for this credential, whichever replica spends them.
    const refused = await b.gql(READ, { id: ids[3] });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED' });
    expect(gets()).toHaveLength(3);
    const rows = await server.sql<{ key: string }>(url.split('/').at(-1)!, 'select key from rate_buckets');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.key).toMatch(/^identitynow:[A-Za-z0-9_-]{22}$/);
    expect(rows[0]!.key).not.toContain(TOKEN);

    await server.stop();
    stopped = true;
    // Each replica falls back to a bucket of its own, as full as the rate allows.
    expect((await b.gql(READ, { id: ids[4] })).errors).toBeUndefined();
    expect(gets()).toHaveLength(4);
  });
});
