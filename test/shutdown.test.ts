import type { ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { identityNowClient, IDN_ID } from './fixtures/upstream-bodies.js';
import { startEntryPoint, type EntryPoint } from './helpers/entry-point.js';
import { json, startStub, type Stub } from './helpers/stub.js';

// The real entry point, pointed at a stub upstream that holds its answers back, so SIGTERM arrives
// while requests are in flight.
const IN_FLIGHT = 3;

let stub: Stub;
let held: ServerResponse[];
let heldAll: Promise<void>;
let entry: EntryPoint | undefined;
let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'gateway-shutdown-'));
  held = [];
  let resolveHeld!: () => void;
  heldAll = new Promise<void>((resolve) => (resolveHeld = resolve));
  stub = await startStub((_req, res) => {
    held.push(res);
    if (held.length === IN_FLIGHT) resolveHeld();
  });
});

afterEach(async () => {
  if (entry && entry.child.exitCode === null) entry.child.kill('SIGKILL');
  entry = undefined;
  await stub.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function start(env: Record<string, string>): Promise<EntryPoint> {
  entry = await startEntryPoint({
    IDENTITYNOW_URL: `${stub.origin}/beta`,
    IDENTITYNOW_TOKEN: 'idn-token-shutdown',
    // The gateway holds a credential; this test is about shutdown, not caller authentication.
    GATEWAY_ALLOW_ANONYMOUS: 'true',
    // The audit trail's embedded store, in a directory of this test's own.
    GATEWAY_DATA_DIR: dataDir,
    // Long enough that only the test decides when the held answers go out.
    UPSTREAM_TIMEOUT_MS: '60000',
    UPSTREAM_HEADERS_TIMEOUT_MS: '60000',
    ...env,
  });
  return entry;
}

// Each request reads another client: identical reads in flight would share one upstream call.
let queries = 0;
function query(port: number) {
  queries += 1;
  return fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `{ oauthClient(id: "${IDN_ID.slice(0, -4)}${String(queries).padStart(4, '0')}") { id name } }` }),
  });
}

function connectError(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code));
  });
}

it('SIGTERM: in-flight requests finish, new connections are refused, exit code 0', async () => {
  const { child, port, lines, logged, exited } = await start({ SHUTDOWN_TIMEOUT_MS: '60000' });
  expect(port).toBeGreaterThan(0);
  const requests = Array.from({ length: IN_FLIGHT }, () =>
    query(port).then(async (res) => ({ status: res.status, connection: res.headers.get('connection'), body: await res.json() })),
  );
  await heldAll;

  child.kill('SIGTERM');
  const stopping = await logged(/^no longer accepting connections/);
  expect(stopping.inFlight).toBe(IN_FLIGHT);
  expect(await connectError(port)).toBe('ECONNREFUSED');
  expect(child.exitCode).toBeNull();

  for (const res of held) json(res, 200, identityNowClient({ name: 'answered after SIGTERM' }));
  for (const answer of await Promise.all(requests)) {
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ data: { oauthClient: { id: IDN_ID, name: 'answered after SIGTERM' } } });
    // Each answer tells the client not to reuse the connection, so nothing keeps the server open.
    expect(answer.connection).toBe('close');
  }

  expect(await exited).toEqual({ code: 0, signal: null });
  expect(lines.at(-1)?.msg).toBe('stopped');
  expect(lines.some((l) => /grace period over/.test(String(l.msg)))).toBe(false);
  // The entry point opens its audit store first: an embedded PostgreSQL takes seconds under a parallel test run.
}, 60_000);

it('SIGINT with a request that outlives the grace period: its connection is cut, and the exit code is still 0', async () => {
  const { child, port, lines, logged, exited } = await start({ SHUTDOWN_TIMEOUT_MS: '200' });
  const requests = Array.from({ length: IN_FLIGHT }, () =>
    query(port).then(
      (res) => res.status,
      (error: Error) => error.name,
    ),
  );
  await heldAll;

  child.kill('SIGINT');
  await logged(/^no longer accepting connections/);
  expect(await exited).toEqual({ code: 0, signal: null });
  // The upstream never answered: the callers' connections were closed rather than left hanging.
  expect(await Promise.all(requests)).toEqual(Array(IN_FLIGHT).fill('TypeError'));
  expect(lines.find((l) => /grace period over/.test(String(l.msg)))?.inFlight).toBe(IN_FLIGHT);
  expect(lines.at(-1)?.msg).toBe('stopped');
}, 60_000);
