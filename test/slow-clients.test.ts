import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureLog } from '../src/log.js';
import { identityNowClient, IDN_ID } from './fixtures/upstream-bodies.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { json, startStub, type Stub } from './helpers/stub.js';

// Clients that hold the server with raw sockets: headers dripped a byte at a time, a body that never
// ends, idle keep-alive connections, more connections than allowed. Each is cut by the server's own
// bound, and /health keeps answering meanwhile.
configureLog({ sink: () => {} });

const HEADERS_TIMEOUT_MS = 400;
const REQUEST_TIMEOUT_MS = 800;
const MAX_CONNECTIONS = 80;

let stub: Stub;
let gateway: RunningGateway;
let port: number;

beforeAll(async () => {
  stub = await startStub(async (_req, res) => {
    // Slower than the request bound: a request received whole is answered however long that takes.
    await new Promise((resolve) => setTimeout(resolve, REQUEST_TIMEOUT_MS + 400));
    json(res, 200, identityNowClient());
  });
  gateway = await startGateway({
    IDENTITYNOW_URL: `${stub.origin}/beta`,
    IDENTITYNOW_TOKEN: 'idn-token-slow-7e1d',
    GATEWAY_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
    GATEWAY_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    GATEWAY_MAX_CONNECTIONS: String(MAX_CONNECTIONS),
  });
  port = Number(new URL(gateway.url).port);
});

afterAll(async () => {
  await gateway.close();
  await stub.close();
});

interface Drip {
  socket: Socket;
  /** Resolves when the server closes the connection, with what it had sent back and how much of `text` went out. */
  closed: Promise<{ answer: string; sent: number }>;
}

/** Sends `text` one byte every `everyMs`, until it is all sent or the server closes the connection. */
function drip(text: string, everyMs = 20): Drip {
  const socket = connect(port, '127.0.0.1');
  let sent = 0;
  let answer = '';
  socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
  socket.on('error', () => {});
  const timer = setInterval(() => {
    if (sent < text.length && !socket.destroyed) socket.write(text[sent++]!);
  }, everyMs);
  const closed = new Promise<{ answer: string; sent: number }>((resolve) =>
    socket.once('close', () => {
      clearInterval(timer);
      resolve({ answer, sent });
    }),
  );
  return { socket, closed };
}

async function health(): Promise<number> {
  const res = await fetch(new URL('/health', gateway.url));
  await res.arrayBuffer();
  return res.status;
}

describe('slow clients are cut by the server, and /health keeps answering', () => {
  it('60 connections sending their headers a byte at a time are closed before their headers end', async () => {
    // Far more header than the bound lets through at this pace.
    const headers = `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'p'.repeat(2_000)}\r\n\r\n`;
    const clients = Array.from({ length: 60 }, () => drip(headers));
    expect(await health()).toBe(200);
    const results = await Promise.all(clients.map((c) => c.closed));
    for (const { answer, sent } of results) {
      expect(sent).toBeLessThan(headers.length);
      // Node answers a request that timed out with 408 when nothing else was sent yet.
      expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
    }
    expect(await health()).toBe(200);
  });

  it('a body that never finishes arriving is cut', async () => {
    const head = `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n`;
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(head);
    const body = `{"query":"{ __typename }","padding":"${'p'.repeat(4_950)}"}`;
    let sent = 0;
    const timer = setInterval(() => {
      if (!socket.destroyed && sent < body.length) socket.write(body[sent++]!);
    }, 20);
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    clearInterval(timer);
    expect(sent).toBeLessThan(body.length);
    expect(stub.requests).toHaveLength(0);
  });

  it('an idle keep-alive connection is closed', async () => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(answer.toLowerCase()).toContain('keep-alive');
  });

  it('a request received whole is answered even when its upstream takes longer than the request bound', async () => {
    const res = await gateway.gql(`{ oauthClient(id: "${IDN_ID}") { id } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ oauthClient: { id: IDN_ID } });
  });

  it(`past ${MAX_CONNECTIONS} connections a new one is closed at once, and the held ones are still cut`, async () => {
    const headers = `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'p'.repeat(2_000)}\r\n\r\n`;
    const holders = Array.from({ length: MAX_CONNECTIONS }, () => drip(headers, 50));
    await Promise.all(holders.map((h) => new Promise<void>((resolve) => h.socket.once('connect', () => resolve()))));
    // The server counts a connection once it accepts it; give it the moment that takes.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const extra = connect(port, '127.0.0.1');
    extra.on('error', () => {});
    let extraAnswer = '';
    extra.on('data', (chunk) => (extraAnswer += chunk.toString('latin1')));
    extra.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await new Promise<void>((resolve) => extra.once('close', () => resolve()));
    expect(extraAnswer).toBe('');
    await Promise.all(holders.map((h) => h.closed));
    expect(await health()).toBe(200);
  });
});
