import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WriteJournal, WriteRecord, WriteResult } from '../src/changes/write.js';
import { configureLog } from '../src/log.js';
import { authentikProvider2026, identityNowClient, IDN_ID, launchDarklyClient, LD_ID } from './fixtures/upstream-bodies.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { json, startStub, text, type Stub } from './helpers/stub.js';

// Upstreams that misbehave in ways the other suites do not: bodies that trickle, redirects,
// nonsense in Retry-After and in LaunchDarkly's quota headers, writes answered 2xx with a body the
// gateway cannot use, and callers that leave while their mutation is on its way. Every write's
// outcome is checked in the journal as well as in the answer.
configureLog({ sink: () => {} });

const ENV = {
  IDENTITYNOW_TOKEN: 'idn-token-odd-7f3a',
  UPSTREAM_TIMEOUT_MS: '3000',
  UPSTREAM_HEADERS_TIMEOUT_MS: '1000',
  UPSTREAM_BODY_TIMEOUT_MS: '1000',
  UPSTREAM_RETRIES: '2',
  UPSTREAM_RETRY_BACKOFF_MS: '1',
  UPSTREAM_READBACK_TIMEOUT_MS: '1000',
};

const GET = `{ oauthClient(id: "${IDN_ID}") { id name } }`;
const PATCH = `mutation { patchOAuthClient(id: "${IDN_ID}", ops: [{ op: REPLACE, path: "/name", value: "x" }]) { id name } }`;
const CREATE = `mutation { createOAuthClient(input: {
  name: "Reporting", description: null, accessTokenValiditySeconds: 900, grantTypes: [CLIENT_CREDENTIALS],
  accessType: ONLINE, enabled: true, scope: ["sp:search:read"], type: CONFIDENTIAL
}) { secret client { id } } }`;

/** A journal that keeps every write's record and result, and tells when the next one is complete. */
function recordingJournal() {
  const results: Array<{ record: WriteRecord; result: WriteResult }> = [];
  let waiting: Array<() => void> = [];
  let intents: Array<() => void> = [];
  const done = (record: WriteRecord, result: WriteResult) => {
    results.push({ record, result });
    for (const wake of waiting) wake();
    waiting = [];
  };
  const journal: WriteJournal = {
    intend: async (record) => {
      for (const wake of intents) wake();
      intents = [];
      return { complete: async (result) => done(record, result) };
    },
    ended: async (record, result) => done(record, result),
  };
  return {
    journal,
    results,
    /** Resolves when the next write's intent is recorded, just before its request leaves. */
    intended: () => new Promise<void>((resolve) => intents.push(resolve)),
    /** Resolves once `n` writes in all have their outcome recorded. */
    until: (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => (results.length >= n ? resolve() : waiting.push(check));
        check();
      }),
  };
}

let stub: Stub;
let other: Stub;
let gateway: RunningGateway;
const recorded = recordingJournal();

beforeAll(async () => {
  stub = await startStub();
  other = await startStub();
  gateway = await startGateway({ ...ENV, IDENTITYNOW_URL: `${stub.origin}/beta` }, { journal: recorded.journal });
});

afterAll(async () => {
  await gateway.close();
  await Promise.all([stub.close(), other.close()]);
});

beforeEach(() => {
  stub.requests.length = 0;
  other.requests.length = 0;
  recorded.results.length = 0;
});

const sent = (method: string) => stub.requests.filter((r) => r.method === method).length;
const lastOutcome = () => recorded.results.at(-1)?.result;

async function onlyError(query: string) {
  const res = await gateway.gql(query);
  expect(res.errors, JSON.stringify(res)).toHaveLength(1);
  return res.errors![0]!;
}

describe('a body that trickles in a byte at a time, each byte inside the body timeout', () => {
  /** Headers at once, then one byte of an endless body every 20 ms until the reader leaves. */
  const trickle = (res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{');
    const timer = setInterval(() => res.write(' '), 20);
    res.on('close', () => clearInterval(timer));
  };

  it('a GET ends at the overall deadline, tried once', async () => {
    stub.handle((_req, res) => trickle(res));
    const error = await onlyError(GET);
    expect(error.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', upstream: { status: 200 } });
    expect(sent('GET')).toBe(1);
  });
});

describe('a write answered 2xx with a body the gateway cannot use was applied, and says so', () => {
  it('a PATCH answered 200 with invalid JSON: APPLIED in the answer and in the journal, sent once', async () => {
    stub.handle((_req, res) => text(res, 200, '{"id": "2c91', 'application/json'));
    const error = await onlyError(PATCH);
    expect(error.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', outcome: 'APPLIED', upstream: { status: 200 } });
    expect(error.message).toContain('do not send it again');
    expect(lastOutcome()).toMatchObject({ outcome: 'APPLIED', code: 'UPSTREAM_ERROR', upstreamStatus: 200 });
    expect(sent('PATCH')).toBe(1);
  });

  it('a PATCH answered 200 with JSON that is not a client (wrongly typed id)', async () => {
    stub.handle((_req, res) => json(res, 200, { ...identityNowClient(), id: 42 }));
    const error = await onlyError(PATCH);
    expect(error.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', outcome: 'APPLIED' });
    expect(lastOutcome()).toMatchObject({ outcome: 'APPLIED', code: 'UPSTREAM_ERROR' });
  });

  it('a create answered 200 without its secret: the client exists, so APPLIED, never FAILED', async () => {
    stub.handle((_req, res) => json(res, 200, { ...identityNowClient(), secret: null }));
    const error = await onlyError(CREATE);
    expect(error.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', outcome: 'APPLIED' });
    expect(lastOutcome()).toMatchObject({ outcome: 'APPLIED', code: 'UPSTREAM_ERROR' });
    expect(sent('POST')).toBe(1);
  });

  it('a PATCH answered 200 with a body past the size limit', async () => {
    const big = await startGateway(
      { ...ENV, IDENTITYNOW_URL: `${stub.origin}/beta`, UPSTREAM_MAX_RESPONSE_BYTES: '1024' },
      { journal: recorded.journal },
    );
    try {
      stub.handle((_req, res) => json(res, 200, identityNowClient({ description: 'x'.repeat(4096) })));
      const res = await big.gql(PATCH);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', outcome: 'APPLIED' });
      expect(lastOutcome()).toMatchObject({ outcome: 'APPLIED' });
      expect(sent('PATCH')).toBe(1);
    } finally {
      await big.close();
    }
  });

  it('a refusal (400) stays FAILED', async () => {
    stub.handle((_req, res) => json(res, 400, { messages: [{ text: 'no' }] }));
    const error = await onlyError(PATCH);
    expect(error.extensions?.outcome).toBeUndefined();
    expect(lastOutcome()).toMatchObject({ outcome: 'FAILED', upstreamStatus: 400 });
  });
});

describe('redirects are never followed', () => {
  for (const status of [301, 302, 307, 308]) {
    it(`${status} to another host: neither the GET nor the PATCH reaches it, and the PATCH is not applied`, async () => {
      stub.handle((_req, res) => {
        res.writeHead(status, { location: `${other.origin}/beta/oauth-clients/${IDN_ID}`, 'content-length': '0' });
        res.end();
      });
      const get = await onlyError(GET);
      expect(get.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', upstream: { status } });
      expect(get.message).toBe(`identitynow answered with a redirect (${status}), which the gateway does not follow.`);
      await onlyError(PATCH);
      expect(other.requests).toHaveLength(0);
      expect([sent('GET'), sent('PATCH')]).toEqual([1, 1]);
      expect(lastOutcome()).toMatchObject({ outcome: 'FAILED', upstreamStatus: status });
    });
  }

  it('to the same host: not followed either', async () => {
    stub.handle((_req, res) => {
      res.writeHead(302, { location: `${stub.origin}/elsewhere`, 'content-length': '0' });
      res.end();
    });
    await onlyError(GET);
    expect(stub.requests.map((r) => r.url)).toEqual([`/beta/oauth-clients/${IDN_ID}`]);
  });
});

describe('Retry-After values that make no sense', () => {
  const limited = (retryAfter: string) => (res: ServerResponse) => json(res, 429, { message: 'slow down' }, { 'retry-after': retryAfter });

  it('a huge number: RATE_LIMITED at once, with retryAfter a day at most', async () => {
    for (const value of ['99999999999999999999', '9'.repeat(400)]) {
      stub.requests.length = 0;
      stub.handle((_req, res) => limited(value)(res));
      const error = await onlyError(PATCH);
      expect(error.extensions?.code).toBe('RATE_LIMITED');
      expect(error.extensions?.retryAfter).toBe(86_400);
      expect(sent('PATCH')).toBe(1);
    }
  });

  it('negative, fractional or a word: no Retry-After at all, so a PATCH is not sent again', async () => {
    for (const value of ['-5', '1.5', 'soon', '']) {
      stub.requests.length = 0;
      stub.handle((_req, res) => limited(value)(res));
      const error = await onlyError(PATCH);
      expect(error.extensions?.code).toBe('RATE_LIMITED');
      expect(error.extensions?.retryAfter).toBeUndefined();
      expect(sent('PATCH')).toBe(1);
    }
  });
});

describe('a caller that leaves while its mutation is on its way', () => {
  // A gateway of its own, so that its first closed response is the caller's.
  let own: RunningGateway | undefined;
  const start = async (env: Record<string, string> = {}) => {
    own = await startGateway({ ...ENV, IDENTITYNOW_URL: `${stub.origin}/beta`, ...env }, { journal: recorded.journal });
    return own;
  };
  afterEach(async () => {
    await own?.close();
    own = undefined;
  });

  /** Holds every GET until released; tells when the first one arrives. */
  function holdReads() {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const reading = new Promise<void>((resolve) => (arrived = resolve));
    stub.handle(async (req, res) => {
      if (req.method === 'GET') {
        arrived();
        await held;
      }
      json(res, 200, identityNowClient());
    });
    return { reading, release };
  }

  /** Sends `query` and hangs up once `until` resolves. */
  async function leave(own: RunningGateway, query: string, until: Promise<void>) {
    const controller = new AbortController();
    const answer = fetch(own.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
      signal: controller.signal,
    }).catch(() => 'aborted');
    await until;
    controller.abort();
    expect(await answer).toBe('aborted');
    await own.closed(1);
  }

  it('disconnecting while the mutation reads the client: the PATCH is never sent, and the journal says nothing was', async () => {
    const reads = holdReads();
    const version = identityNowClient().modified;
    await leave(
      await start(),
      `mutation { patchOAuthClient(id: "${IDN_ID}", ops: [{ op: REPLACE, path: "/name", value: "x" }], ifVersion: "${version}") { id } }`,
      reads.reading,
    );
    // The read is answered only once the gateway has seen the caller go.
    reads.release();
    await recorded.until(1);
    expect(sent('PATCH')).toBe(0);
    expect(lastOutcome()).toMatchObject({ outcome: 'REFUSED' });
  });

  it('disconnecting while the PATCH waits for a connection: it is never written once one frees up', async () => {
    const gw = await start({ UPSTREAM_MAX_CONNECTIONS: '1' });
    const reads = holdReads();
    // Another request's read holds the only connection.
    const reader = gw.gql(GET);
    await reads.reading;
    await leave(gw, PATCH, recorded.intended());
    reads.release();
    expect((await reader).errors).toBeUndefined();
    await recorded.until(1);
    expect(sent('PATCH')).toBe(0);
    expect(lastOutcome()).toMatchObject({ outcome: 'FAILED', code: 'BAD_REQUEST' });
  });
});

describe("LaunchDarkly's X-Ratelimit-* headers", () => {
  let ld: Stub;
  let ldGateway: RunningGateway;
  const READ = `{ launchDarklyOAuthClient(id: "${LD_ID}") { id } }`;
  beforeAll(async () => {
    ld = await startStub();
    ldGateway = await startGateway({ ...ENV, LAUNCHDARKLY_URL: ld.origin, LAUNCHDARKLY_API_KEY: 'api-ld-configured-0123456789' });
  });
  afterAll(async () => {
    await ldGateway.close();
    await ld.close();
  });
  beforeEach(() => {
    ld.requests.length = 0;
  });

  it('nonsense values hold nothing: every read is sent', async () => {
    const nonsense: Array<Record<string, string>> = [
      { 'x-ratelimit-global-remaining': '0', 'x-ratelimit-reset': 'tomorrow' },
      { 'x-ratelimit-global-remaining': '0', 'x-ratelimit-reset': '-1' },
      { 'x-ratelimit-global-remaining': '0', 'x-ratelimit-reset': '1e400' },
      { 'x-ratelimit-global-remaining': '0', 'x-ratelimit-reset': String(Date.now() + 10 * 3600_000) },
      { 'x-ratelimit-global-remaining': '-3', 'x-ratelimit-reset': String(Date.now() + 60_000) },
      { 'x-ratelimit-route-remaining': 'none', 'x-ratelimit-reset': String(Date.now() + 60_000) },
    ];
    for (const headers of nonsense) {
      ld.handle((_req, res) => json(res, 200, launchDarklyClient(), headers));
      expect((await ldGateway.gql(READ)).errors, JSON.stringify(headers)).toBeUndefined();
      expect((await ldGateway.gql(READ)).errors, JSON.stringify(headers)).toBeUndefined();
    }
    expect(ld.requests).toHaveLength(nonsense.length * 2);
  });

  it("one caller's exhausted account holds no other credential's requests", async () => {
    const CALLER_KEY = 'api-ld-caller-own-0123456789';
    ld.handle((req, res) =>
      json(
        res,
        200,
        launchDarklyClient(),
        req.headers.authorization === CALLER_KEY
          ? { 'x-ratelimit-global-remaining': '0', 'x-ratelimit-reset': String(Date.now() + 30 * 60_000) }
          : {},
      ),
    );
    expect((await ldGateway.gql(READ, undefined, { 'X-LaunchDarkly-Api-Key': CALLER_KEY })).errors).toBeUndefined();
    const configured = await ldGateway.gql(READ);
    expect(configured.errors).toBeUndefined();
    expect(ld.requests).toHaveLength(2);
  });
});

describe('authentik pagination that never ends, or lies', () => {
  let ak: Stub;
  let akGateway: RunningGateway;
  const LIST = `{ oauthApplications(filter: { services: [AUTHENTIK] }, first: 500) { totalCount nodes { id } } }`;
  beforeAll(async () => {
    ak = await startStub();
    akGateway = await startGateway({
      ...ENV,
      AUTHENTIK_URL: `${ak.origin}/api/v3`,
      AUTHENTIK_TOKEN: 'ak-token-odd-9d1e',
      AUTHENTIK_API_VERSION: '2026.2',
      GATEWAY_MAX_LIST_PAGES: '20',
    });
  });
  afterAll(async () => {
    await akGateway.close();
    await ak.close();
  });
  beforeEach(() => {
    ak.requests.length = 0;
  });

  /** Page `page` of a list whose pagination block `lie` rewrites. */
  const paged = (lie: (page: number) => Record<string, unknown>) =>
    ak.handle((req, res) => {
      const page = Number(new URL(req.url, 'http://stub').searchParams.get('page') ?? 1);
      const results = req.url.startsWith('/api/v3/providers/') ? [authentikProvider2026({ pk: page, client_id: `p-${page}` })] : [];
      const pagination = { next: 0, previous: 0, count: results.length, current: page, total_pages: 1, start_index: 1, end_index: 1 };
      json(res, 200, { pagination: { ...pagination, ...(results.length > 0 ? lie(page) : {}) }, results });
    });

  it('a next that always points one page further: read to total_pages, twice at most, then answered', async () => {
    paged((page) => ({ next: page + 1, count: 3, total_pages: 3 }));
    const res = await akGateway.gql(LIST);
    expect(res.errors).toBeUndefined();
    expect(res.data.oauthApplications.nodes.map((n: { id: string }) => n.id).sort()).toEqual(['1', '2', '3']);
    expect(ak.requests.filter((r) => r.url.startsWith('/api/v3/providers/')).length).toBeLessThanOrEqual(6);
  });

  it('a next that points back to page 1: refused, not followed', async () => {
    paged(() => ({ next: 1, count: 3, total_pages: 3 }));
    const res = await akGateway.gql(LIST);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', upstream: { service: 'authentik' } });
    expect(ak.requests.filter((r) => r.url.startsWith('/api/v3/providers/'))).toHaveLength(1);
  });

  it('every page saying it is page 1: refused', async () => {
    paged(() => ({ current: 1, next: 2, count: 3, total_pages: 3 }));
    const res = await akGateway.gql(LIST);
    expect(res.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
  });

  it('a billion pages: refused by GATEWAY_MAX_LIST_PAGES after the first', async () => {
    paged((page) => ({ next: page + 1, count: 1e9, total_pages: 1e9 }));
    const res = await akGateway.gql(LIST);
    expect(res.errors?.[0]?.extensions).toMatchObject({ limit: { name: 'listPages', max: 20 } });
    expect(ak.requests.filter((r) => r.url.startsWith('/api/v3/providers/'))).toHaveLength(1);
  });

  it('pagination numbers of the wrong type: UPSTREAM_ERROR', async () => {
    for (const lie of [{ total_pages: '3x' }, { next: -2 }, { count: null }, { current: 1.5 }]) {
      paged(() => lie);
      const res = await akGateway.gql(LIST);
      expect(res.errors?.[0]?.extensions?.code, JSON.stringify(lie)).toBe('UPSTREAM_ERROR');
    }
  });
});
