import { request, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { json, startStub, type Stub } from './helpers/stub.js';
import { identityNowClient, IDN_ID } from './fixtures/upstream-bodies.js';

const LIMIT = 64 * 1024;

let idn: Stub;
let gateway: RunningGateway;

beforeAll(async () => {
  idn = await startStub((_req, res) => json(res, 200, identityNowClient()));
  gateway = await startGateway({
    IDENTITYNOW_URL: `${idn.origin}/beta`,
    IDENTITYNOW_TOKEN: 'idn-token',
    GATEWAY_MAX_BODY_BYTES: String(LIMIT),
  });
});

afterAll(async () => {
  await gateway.close();
  await idn.close();
});

beforeEach(() => {
  idn.requests.length = 0;
});

interface Answer {
  status: number;
  body: { data?: Record<string, any> | null; errors?: Array<{ message: string; extensions?: Record<string, any> }> };
}

/**
 * A POST with raw control over framing: `contentLength` sets the header, otherwise the body goes
 * chunked. `body` is written piece by piece until the gateway answers; a refused body is cut off.
 */
function post(body: Iterable<string>, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const req = request(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } });
    let answered = false;
    req.on('response', (res: IncomingMessage) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      });
    });
    // Once the gateway has refused, it may close the connection while the rest of the body is in flight.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    const pieces = body[Symbol.iterator]();
    const writeMore = () => {
      for (let next = pieces.next(); !next.done; next = pieces.next()) {
        if (answered) return;
        if (!req.write(next.value)) {
          req.once('drain', writeMore);
          return;
        }
      }
      req.end();
    };
    writeMore();
  });
}

const mutation = JSON.stringify({
  query: `mutation { patchOAuthClient(id: "${IDN_ID}", ops: [{ op: REPLACE, path: "/enabled", value: false }]) { id } }`,
});

/** The start of a JSON request body that never ends, in 16 KiB pieces, for as long as they are taken. */
function* endless(): Generator<string> {
  const piece = ' '.repeat(16 * 1024);
  yield '{"query": "{ __typename }"';
  for (;;) yield piece;
}

describe('request body size limit', () => {
  it('refuses a Content-Length over the limit with 413 before reading the body, and calls no upstream', async () => {
    const res = await post([], { 'content-length': String(LIMIT + 1) });
    expect(res.status).toBe(413);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('REQUEST_ENTITY_TOO_LARGE');
    expect(idn.requests).toHaveLength(0);
  });

  it('refuses a chunked body once it grows over the limit, without waiting for its end', async () => {
    const res = await post(endless());
    expect(res.status).toBe(413);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('REQUEST_ENTITY_TOO_LARGE');
    expect(idn.requests).toHaveLength(0);
  });

  it('serves a request under the limit, with a Content-Length or chunked', async () => {
    const withLength = await post([mutation], { 'content-length': String(Buffer.byteLength(mutation)) });
    const chunked = await post([mutation.slice(0, 40), mutation.slice(40)]);
    for (const res of [withLength, chunked]) {
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data?.patchOAuthClient).toEqual({ id: IDN_ID });
    }
    expect(idn.requests).toHaveLength(2);
  });

  it('reads a body of another content type yoga accepts (application/graphql) once, through the same limit', async () => {
    const query = `mutation { patchOAuthClient(id: "${IDN_ID}", ops: [{ op: REPLACE, path: "/description", value: "café" }]) { id } }`;
    const served = await post([query], { 'content-type': 'application/graphql' });
    expect(served.status).toBe(200);
    expect(served.body.data?.patchOAuthClient).toEqual({ id: IDN_ID });
    expect(JSON.parse(idn.requests[0]!.body)).toEqual([{ op: 'replace', path: '/description', value: 'café' }]);

    const refused = await post([`{ __typename }${' '.repeat(LIMIT)}`], { 'content-type': 'application/graphql' });
    expect(refused.status).toBe(413);
    expect(idn.requests).toHaveLength(1);
  });
});
