import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { configureLog } from '../src/log.js';
import { identityNowClient } from './fixtures/upstream-bodies.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';

// More concurrent writes than the pool has connections, against an upstream slow enough that the
// queue outlives their deadline. A write that waited until its time was up must never reach the
// upstream, not even once its caller was answered, and its answer must say nothing was sent.
configureLog({ sink: () => {} });

const CONNECTIONS = 4;
const UPSTREAM_MS = 400;
const TIMEOUT_MS = 1500;
const WRITES = 60;

let upstream: Server | undefined;
let gateway: RunningGateway | undefined;

afterEach(async () => {
  await gateway?.close();
  upstream?.closeAllConnections();
  await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
  gateway = undefined;
  upstream = undefined;
});

/** An upstream that notes when each request's head arrives (before its body is read), then answers late. */
async function slowUpstream(arrivals: Map<string, number>): Promise<string> {
  upstream = createServer((req, res) => {
    arrivals.set(`${req.method} ${req.url}`, performance.now());
    req.resume();
    req.on('end', () => {
      setTimeout(() => {
        const body = JSON.stringify(identityNowClient({ id: req.url!.split('/').pop() }));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      }, UPSTREAM_MS);
    });
  });
  await new Promise<void>((resolve) => upstream!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(upstream!.address() as AddressInfo).port}`;
}

const idOf = (i: number) => `c${String(i).padStart(31, '0')}`;

it(`${WRITES} concurrent writes over ${CONNECTIONS} connections: none reaches the upstream after its answer, and the expired ones are answered as not sent`, async () => {
  const arrivals = new Map<string, number>();
  const origin = await slowUpstream(arrivals);
  gateway = await startGateway({
    IDENTITYNOW_URL: `${origin}/beta`,
    IDENTITYNOW_TOKEN: 'idn-token-queue-5a1c',
    UPSTREAM_MAX_CONNECTIONS: String(CONNECTIONS),
    UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS),
    UPSTREAM_HEADERS_TIMEOUT_MS: String(TIMEOUT_MS),
  });
  const answers = await Promise.all(
    Array.from({ length: WRITES }, async (_, i) => {
      const res = await gateway!.gql(
        `mutation { patchOAuthClient(id: "${idOf(i)}", ops: [{ op: REPLACE, path: "/name", value: "n${i}" }]) { id } }`,
      );
      return { key: `PATCH /beta/oauth-clients/${idOf(i)}`, at: performance.now(), error: res.errors?.[0] };
    }),
  );
  // Closing waits for every request still with the upstream, so nothing can arrive after this.
  await gateway.close();
  gateway = undefined;

  const applied = answers.filter((a) => !a.error);
  const maybe = answers.filter((a) => a.error?.message.includes('may or may not have been applied'));
  const notSent = answers.filter((a) => a.error?.message.includes('was not sent'));
  expect(applied.length + maybe.length + notSent.length).toBe(WRITES);
  expect(applied.length).toBeGreaterThan(0);
  expect(notSent.length).toBeGreaterThan(0);
  for (const answer of notSent) {
    expect(answer.error!.extensions).toMatchObject({
      code: 'UPSTREAM_TIMEOUT',
      upstream: { service: 'identitynow', operation: 'patchOauthClient' },
    });
    expect(answer.error!.message).toBe(
      'The request to identitynow waited for a free connection until its deadline and was not sent, so nothing was changed.',
    );
    expect(arrivals.has(answer.key)).toBe(false);
  }
  // Every write the upstream saw, it saw before its caller had an answer (the GETs are read-backs after a timeout).
  expect([...arrivals.keys()].filter((key) => key.startsWith('PATCH ')).length).toBe(applied.length + maybe.length);
  for (const answer of [...applied, ...maybe]) expect(arrivals.get(answer.key)!).toBeLessThan(answer.at);
});

it('a read that waits past its time to be sent is answered as not sent too', async () => {
  // One connection, held by a first read the upstream never answers: the second waits for it, and
  // its time to be sent (its deadline less a twentieth) ends before the first read times out.
  const arrivals: string[] = [];
  upstream = createServer((req) => {
    arrivals.push(`${req.method} ${req.url}`);
    req.resume();
  });
  await new Promise<void>((resolve) => upstream!.listen(0, '127.0.0.1', resolve));
  gateway = await startGateway({
    IDENTITYNOW_URL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/beta`,
    IDENTITYNOW_TOKEN: 'idn-token-queue-5a1c',
    UPSTREAM_MAX_CONNECTIONS: '1',
    UPSTREAM_TIMEOUT_MS: '2000',
    UPSTREAM_HEADERS_TIMEOUT_MS: '2000',
    UPSTREAM_RETRIES: '0',
  });
  const results = await Promise.all([1, 2].map((n) => gateway!.gql(`{ oauthClient(id: "${idOf(n)}") { id } }`)));
  const messages = results.map((r) => r.errors?.[0]?.message).sort();
  expect(messages).toEqual([
    'The request to identitynow waited for a free connection until its deadline and was not sent.',
    'identitynow did not answer in time.',
  ]);
  for (const r of results) expect(r.errors![0]!.extensions!.code).toBe('UPSTREAM_TIMEOUT');
  await gateway.close();
  gateway = undefined;
  expect(arrivals).toHaveLength(1);
});
