import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configureLog } from '../src/log.js';
import { identityNowClient, IDN_ID } from './fixtures/upstream-bodies.js';
import { closedPort } from './helpers/ports.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { json, startStub, text, type Stub } from './helpers/stub.js';

// Every upstream misbehaves on purpose here. The gateway gives up on a silent upstream after 300 ms
// of waiting for headers or between body chunks, tries a failure that allows it 3 times in all
// (UPSTREAM_RETRIES=2) and backs off for a few milliseconds only.
const ENV = {
  IDENTITYNOW_TOKEN: 'idn-token-3b8e',
  UPSTREAM_TIMEOUT_MS: '5000',
  UPSTREAM_HEADERS_TIMEOUT_MS: '300',
  UPSTREAM_BODY_TIMEOUT_MS: '300',
  UPSTREAM_RETRIES: '2',
  UPSTREAM_RETRY_BACKOFF_MS: '1',
  UPSTREAM_MAX_RESPONSE_BYTES: String(1024 * 1024),
};

const GET = `{ oauthClient(id: "${IDN_ID}") { id name } }`;
const PATCH = `mutation { patchOAuthClient(id: "${IDN_ID}", ops: [{ op: REPLACE, path: "/name", value: "x" }]) { id name } }`;

const logLines: string[] = [];
configureLog({ sink: (line) => logLines.push(line) });
const retriesLogged = () => logLines.filter((line) => JSON.parse(line).msg === 'upstream call retried').length;

let stub: Stub;
let gateway: RunningGateway;

beforeAll(async () => {
  stub = await startStub();
  gateway = await startGateway({ ...ENV, IDENTITYNOW_URL: `${stub.origin}/beta` });
});

afterAll(async () => {
  await gateway.close();
  await stub.close();
});

beforeEach(() => {
  stub.requests.length = 0;
  logLines.length = 0;
});

const sent = (method: string) => stub.requests.filter((r) => r.method === method).length;

async function onlyError(query: string) {
  const res = await gateway.gql(query);
  expect(res.errors, JSON.stringify(res)).toHaveLength(1);
  return res.errors![0]!;
}

/** Answers in turn with each handler, the last one for every request after. */
function inTurn(...handlers: Array<(res: ServerResponse) => void>) {
  let n = 0;
  stub.handle((_req, res) => handlers[Math.min(n++, handlers.length - 1)]!(res));
}

const ok = (res: ServerResponse) => json(res, 200, identityNowClient({ name: 'x' }));
/** Holds the answer back until the gateway gives up and closes the connection. */
const silent = (res: ServerResponse) => void res;
const halfBody = (res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"id": "2c91');
};
const resetMidBody = (res: ServerResponse) => {
  halfBody(res);
  // The first half must leave before the RST, or the client would see no answer at all.
  res.socket!.write('', () => res.socket!.resetAndDestroy());
};

describe('timeouts are never retried, and a timed-out write may have happened', () => {
  it('slow headers: a GET fails with UPSTREAM_TIMEOUT after one attempt', async () => {
    stub.handle((_req, res) => silent(res));
    const error = await onlyError(GET);
    expect(error.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', upstream: { service: 'identitynow', operation: 'getOauthClient' } });
    expect(error.message).toBe('identitynow did not answer in time.');
    expect(error.extensions?.retryAfter).toBeUndefined();
    expect(sent('GET')).toBe(1);
  });

  it('slow headers: a PATCH is sent once and the error says it may have been applied', async () => {
    stub.handle((_req, res) => silent(res));
    const error = await onlyError(PATCH);
    expect(error.extensions?.code).toBe('UPSTREAM_TIMEOUT');
    // Reading the client back times out as well, so the outcome stays unknown; the PATCH is never sent again.
    expect(error.message).toBe(
      'identitynow did not answer in time; the change may or may not have been applied. Reading it back could not tell whether it was applied; read the resource before sending it again.',
    );
    expect(error.extensions?.outcome).toBe('UNKNOWN');
    expect(sent('PATCH')).toBe(1);
  });

  it('slow body: the answer stalls after its headers', async () => {
    stub.handle((_req, res) => halfBody(res));
    const get = await onlyError(GET);
    expect(get.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', upstream: { status: 200 } });
    expect(get.message).toBe('identitynow did not finish its 200 answer in time.');
    // The 200 says the PATCH was applied: nothing is read back.
    const patch = await onlyError(PATCH);
    expect(patch.message).toBe(
      'identitynow did not finish its 200 answer in time. The vendor accepted the change, so it was applied; do not send it again.',
    );
    expect(patch.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', outcome: 'APPLIED' });
    expect([sent('GET'), sent('PATCH')]).toEqual([1, 1]);
  });

  it('no answer at all: the overall deadline ends the call', async () => {
    // A server that accepts connections and never reads a byte; the headers timeout is longer than the deadline.
    const sockets: Socket[] = [];
    // The request line of each request written, read but never answered.
    const written: string[] = [];
    const mute: Server = createServer((socket) => {
      sockets.push(socket);
      socket.on('data', (chunk) => written.push(chunk.toString('latin1').split(' ', 1)[0]!));
    });
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    const port = (mute.address() as { port: number }).port;
    const deadline = await startGateway({
      ...ENV,
      IDENTITYNOW_URL: `http://127.0.0.1:${port}/beta`,
      UPSTREAM_TIMEOUT_MS: '400',
      UPSTREAM_HEADERS_TIMEOUT_MS: '60000',
      UPSTREAM_BODY_TIMEOUT_MS: '60000',
    });
    try {
      const get = await deadline.gql(GET);
      expect(get.errors?.[0]?.extensions?.code).toBe('UPSTREAM_TIMEOUT');
      expect(get.errors?.[0]?.message).toBe('identitynow did not answer in time.');
      const patch = await deadline.gql(PATCH);
      expect(patch.errors?.[0]?.message).toBe(
        'identitynow did not answer in time; the change may or may not have been applied. Reading it back could not tell whether it was applied; read the resource before sending it again.',
      );
      // The GET, the PATCH, and the PATCH's read-back, each written once.
      expect(written).toEqual(['GET', 'PATCH', 'GET']);
    } finally {
      await deadline.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => mute.close(() => resolve()));
    }
  });
});

describe('a connection that breaks', () => {
  it('reset mid-body on every attempt: a GET is tried 3 times, then UPSTREAM_UNAVAILABLE with retryAfter', async () => {
    stub.handle((_req, res) => resetMidBody(res));
    const error = await onlyError(GET);
    expect(error.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryAfter: 1, upstream: { status: 200 } });
    expect(error.message).toBe('The connection to identitynow failed while it was answering 200.');
    expect(sent('GET')).toBe(3);
    expect(retriesLogged()).toBe(2);
  });

  it('reset mid-body once: the GET succeeds on its second attempt', async () => {
    inTurn(resetMidBody, ok);
    const res = await gateway.gql(GET);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ oauthClient: { id: IDN_ID, name: 'x' } });
    expect(sent('GET')).toBe(2);
  });

  it('reset mid-body of a 200: a PATCH is never sent again, and the error says the vendor applied it', async () => {
    inTurn(resetMidBody, ok);
    const error = await onlyError(PATCH);
    expect(error.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.message).toBe(
      'The connection to identitynow failed while it was answering 200. The vendor accepted the change, so it was applied; do not send it again.',
    );
    expect(error.extensions?.outcome).toBe('APPLIED');
    expect(error.extensions?.retryAfter).toBeUndefined();
    // The 200 settles it: nothing is read back.
    expect([sent('PATCH'), sent('GET')]).toEqual([1, 0]);
  });

  it('reset mid-body of a 500: the change may or may not have been applied, and is read back', async () => {
    inTurn((res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.write('{"messages": [');
      res.socket!.write('', () => res.socket!.resetAndDestroy());
    }, ok);
    const error = await onlyError(PATCH);
    expect(error.message).toBe(
      'The connection to identitynow failed while it was answering 500; the change may or may not have been applied. Reading it back shows the change was applied; do not send it again.',
    );
    expect([sent('PATCH'), sent('GET')]).toEqual([1, 1]);
  });

  it('reset before any answer: a PATCH is never sent again', async () => {
    inTurn((res) => res.socket!.resetAndDestroy(), ok);
    const error = await onlyError(PATCH);
    expect(error.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.message).toBe(
      'The connection to identitynow failed; the change may or may not have been applied. Reading it back shows the change was applied; do not send it again.',
    );
    expect(sent('PATCH')).toBe(1);
  });

  it.each([
    ['updateOAuthClient', `updateOAuthClient(id: "${IDN_ID}", input: { tenant: "acme-solar" })`],
    [
      'patchOAuthClient with ifVersion',
      `patchOAuthClient(id: "${IDN_ID}", ifVersion: "2018-06-25T20:22:28.104Z", ops: [{ op: REPLACE, path: "/tenant", value: "acme-solar" }])`,
    ],
  ])('reset: a change of tenant alone, which IdentityNow never shows, reads back UNKNOWN (%s)', async (_name, field) => {
    // The client read back lacks tenant whether or not the write applied: it proves neither.
    stub.handle((req, res) => {
      if (req.method === 'PATCH') res.socket!.resetAndDestroy();
      else json(res, 200, identityNowClient());
    });
    const error = await onlyError(`mutation { ${field} { id } }`);
    expect(error.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', outcome: 'UNKNOWN' });
    expect(error.message).toMatch(/could not tell whether it was applied/);
    expect(sent('PATCH')).toBe(1);
  });
});

describe('connection refused: nothing was sent, so even a PATCH is tried again', () => {
  let port: number;
  let refused: RunningGateway;
  beforeAll(async () => {
    port = await closedPort();
    refused = await startGateway({ ...ENV, IDENTITYNOW_URL: `http://127.0.0.1:${port}/beta` });
  });
  afterAll(() => refused.close());

  it('a GET: 3 attempts, then UPSTREAM_UNAVAILABLE with retryAfter', async () => {
    const res = await refused.gql(GET);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryAfter: 1 });
    expect(res.errors?.[0]?.message).toBe('identitynow could not be reached.');
    expect(retriesLogged()).toBe(2);
  });

  it('a PATCH: 3 attempts, then UPSTREAM_UNAVAILABLE saying the change was not sent', async () => {
    const res = await refused.gql(PATCH);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryAfter: 1 });
    expect(res.errors?.[0]?.message).toBe('identitynow could not be reached; the change was not sent.');
    expect(retriesLogged()).toBe(2);
  });

  it('a PATCH reaches an upstream that starts listening after the first refusal, and is sent once', async () => {
    // The upstream comes up on the refused port as soon as the gateway reports its first retry.
    const upstream = await startStubOn(
      port,
      (_req, res) => ok(res),
      () => retriesLogged() > 0,
    );
    try {
      const res = await refused.gql(PATCH);
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual({ patchOAuthClient: { id: IDN_ID, name: 'x' } });
      expect(retriesLogged()).toBe(1);
      expect(upstream.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
    } finally {
      await upstream.close();
    }
  });
});

describe('answers that are not what the spec promises', () => {
  it('oversized, declared in Content-Length: UPSTREAM_ERROR, one attempt, the rest never read', async () => {
    const stream = streamBody({ declareLength: true });
    stub.handle((_req, res) => stream.serve(res));
    const error = await onlyError(GET);
    expect(error.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', upstream: { status: 200 } });
    expect(error.message).toBe('identitynow answered with a response larger than 1048576 bytes.');
    expect(sent('GET')).toBe(1);
    expect(await stream.written).toBeLessThan(stream.total / 4);
  });

  it('oversized, chunked: the body is cut off past the limit', async () => {
    const stream = streamBody({ declareLength: false });
    stub.handle((_req, res) => stream.serve(res));
    const error = await onlyError(PATCH);
    expect(error.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', outcome: 'APPLIED' });
    expect(error.message).toBe(
      'identitynow answered with a response larger than 1048576 bytes. The vendor accepted the change, so it was applied; do not send it again.',
    );
    expect(sent('PATCH')).toBe(1);
    expect(await stream.written).toBeLessThan(stream.total / 4);
  });

  it('invalid JSON: UPSTREAM_ERROR, not retried', async () => {
    stub.handle((_req, res) => text(res, 200, '{"id": "2c91', 'application/json'));
    const get = await onlyError(GET);
    expect(get.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', upstream: { status: 200 } });
    expect(get.message).toBe('identitynow answered 200 with a body that is not JSON instead of JSON.');
    await onlyError(PATCH);
    expect([sent('GET'), sent('PATCH')]).toEqual([1, 1]);
  });

  it('an HTML error page from a proxy (502): a GET is tried 3 times, a PATCH once', async () => {
    stub.handle((_req, res) => text(res, 502, '<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>', 'text/html'));
    const get = await onlyError(GET);
    expect(get.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', retryAfter: 1, upstream: { status: 502 } });
    expect(get.message).toBe('identitynow answered 502 with an HTML page.');
    const patch = await onlyError(PATCH);
    expect(patch.extensions?.code).toBe('UPSTREAM_ERROR');
    expect(patch.extensions?.retryAfter).toBeUndefined();
    expect([sent('GET'), sent('PATCH')]).toEqual([3, 1]);
  });
});

describe('429 and 503: Retry-After decides whether a PATCH may be sent again', () => {
  const rateLimited =
    (headers: Record<string, string> = {}) =>
    (res: ServerResponse) =>
      json(res, 429, { message: 'Rate Limit Exceeded' }, headers);
  const unavailable =
    (headers: Record<string, string> = {}) =>
    (res: ServerResponse) =>
      json(res, 503, {}, headers);

  it('429 with Retry-After in seconds, then 200: the GET and the PATCH each succeed on their second attempt', async () => {
    inTurn(rateLimited({ 'retry-after': '0' }), ok, rateLimited({ 'retry-after': '0' }), ok);
    expect((await gateway.gql(GET)).errors).toBeUndefined();
    const res = await gateway.gql(PATCH);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ patchOAuthClient: { id: IDN_ID, name: 'x' } });
    expect([sent('GET'), sent('PATCH')]).toEqual([2, 2]);
  });

  it('429 with Retry-After as an HTTP date that has come, then 200: the PATCH is sent again', async () => {
    inTurn(rateLimited({ 'retry-after': new Date(Date.now() - 2000).toUTCString() }), ok);
    const res = await gateway.gql(PATCH);
    expect(res.errors).toBeUndefined();
    expect(sent('PATCH')).toBe(2);
  });

  it('429 with Retry-After above the cap (120 s): RATE_LIMITED at once, retryAfter 120', async () => {
    inTurn(rateLimited({ 'retry-after': '120' }), ok);
    const error = await onlyError(PATCH);
    expect(error.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 120, upstream: { status: 429 } });
    expect(error.message).toBe('Rate Limit Exceeded');
    expect(sent('PATCH')).toBe(1);
  });

  it('429 with Retry-After as an HTTP date an hour away: RATE_LIMITED at once, retryAfter ≈ 3600', async () => {
    inTurn(rateLimited({ 'retry-after': new Date(Date.now() + 3600_000).toUTCString() }), ok);
    const error = await onlyError(GET);
    expect(error.extensions?.code).toBe('RATE_LIMITED');
    expect(error.extensions?.retryAfter).toBeGreaterThanOrEqual(3590);
    expect(error.extensions?.retryAfter).toBeLessThanOrEqual(3600);
    expect(sent('GET')).toBe(1);
  });

  it('429 without Retry-After: a PATCH is not sent again; a GET backs off, tries 3 times, and reports retryAfter', async () => {
    stub.handle((_req, res) => rateLimited()(res));
    const patch = await onlyError(PATCH);
    expect(patch.extensions?.code).toBe('RATE_LIMITED');
    expect(patch.extensions?.retryAfter).toBeUndefined();
    const get = await onlyError(GET);
    expect(get.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 1 });
    expect([sent('PATCH'), sent('GET')]).toEqual([1, 3]);
  });

  it('429 with Retry-After on every attempt: retries run out after 3 PATCHes, with retryAfter', async () => {
    stub.handle((_req, res) => rateLimited({ 'retry-after': '0' })(res));
    const error = await onlyError(PATCH);
    expect(error.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 0 });
    expect(sent('PATCH')).toBe(3);
  });

  it('a Retry-After that would pass the deadline is not waited for', async () => {
    const short = await startGateway({ ...ENV, IDENTITYNOW_URL: `${stub.origin}/beta`, UPSTREAM_TIMEOUT_MS: '1500' });
    try {
      inTurn(unavailable({ 'retry-after': '2' }), ok);
      const res = await short.gql(GET);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', retryAfter: 2, upstream: { status: 503 } });
      expect(sent('GET')).toBe(1);
    } finally {
      await short.close();
    }
  });

  it('503 with Retry-After, then 200: the PATCH is sent again', async () => {
    inTurn(unavailable({ 'retry-after': '0' }), ok);
    expect((await gateway.gql(PATCH)).errors).toBeUndefined();
    expect(sent('PATCH')).toBe(2);
  });

  it('503 without Retry-After: a PATCH is sent once; a GET 3 times', async () => {
    stub.handle((_req, res) => unavailable()(res));
    const patch = await onlyError(PATCH);
    expect(patch.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', upstream: { status: 503 } });
    expect(patch.extensions?.retryAfter).toBeUndefined();
    const get = await onlyError(GET);
    expect(get.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', retryAfter: 1 });
    expect([sent('PATCH'), sent('GET')]).toEqual([1, 3]);
  });

  it('504 and 500: a PATCH is sent once; a GET retries 504 but not 500', async () => {
    inTurn((res) => json(res, 504, {}));
    await onlyError(PATCH);
    await onlyError(GET);
    expect([sent('PATCH'), sent('GET')]).toEqual([1, 3]);
    stub.requests.length = 0;
    inTurn((res) => json(res, 500, {}));
    await onlyError(GET);
    expect(sent('GET')).toBe(1);
  });
});

describe('connection pooling', () => {
  it('sequential calls reuse one keep-alive connection', async () => {
    // undici keeps a connection one second less than the server's Keep-Alive hint, so the hint must be longer.
    const pooled = await startStub((_req, res) => ok(res), { keepAliveTimeoutMs: 5000 });
    const client = await startGateway({ ...ENV, IDENTITYNOW_URL: `${pooled.origin}/beta` });
    try {
      for (let i = 0; i < 5; i++) expect((await client.gql(GET)).errors).toBeUndefined();
      expect(pooled.requests).toHaveLength(5);
      expect(pooled.connections).toBe(1);
    } finally {
      await client.close();
      await pooled.close();
    }
  });
});

/** A stub that starts listening on `port` the moment `ready()` turns true (checked on every log line). */
async function startStubOn(port: number, handler: Parameters<typeof startStub>[0], ready: () => boolean) {
  const { createServer: createHttpServer } = await import('node:http');
  const requests: Array<{ method: string }> = [];
  const respond = async (req: IncomingMessage, res: ServerResponse) => {
    for await (const _chunk of req);
    requests.push({ method: req.method ?? '' });
    await handler!({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: '' }, res);
  };
  const server = createHttpServer((req, res) => void respond(req, res).catch(() => res.destroy()));
  let listening = false;
  configureLog({
    sink: (line) => {
      logLines.push(line);
      // listen() binds before any timer fires, so the gateway's next attempt finds the port open.
      if (!listening && ready()) {
        listening = true;
        server.listen(port, '127.0.0.1');
      }
    },
  });
  return {
    requests,
    async close() {
      configureLog({ sink: (line) => logLines.push(line) });
      server.closeAllConnections();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A 64 MiB body written as fast as the reader takes it; `written` is what left before the reader hung up. */
function streamBody(options: { declareLength: boolean }) {
  const total = 64 * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let resolveWritten!: (n: number) => void;
  const written = new Promise<number>((resolve) => (resolveWritten = resolve));
  return {
    total,
    written,
    async serve(res: ServerResponse) {
      res.writeHead(200, { 'content-type': 'application/json', ...(options.declareLength ? { 'content-length': String(total) } : {}) });
      let sentBytes = 0;
      let closed = false;
      res.on('close', () => {
        closed = true;
        resolveWritten(sentBytes);
      });
      while (!closed && sentBytes < total) {
        sentBytes += chunk.length;
        if (!res.write(chunk)) await new Promise((resolve) => (res.once('drain', resolve), res.once('close', resolve)));
      }
      if (!closed) res.end();
    },
  };
}
