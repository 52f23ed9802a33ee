import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query exactly as they arrived on the wire. */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type StubHandler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface Stub {
  origin: string;
  requests: RecordedRequest[];
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** Replaces the handler for the requests that follow. */
  handle(handler: StubHandler): void;
  close(): Promise<void>;
}

/** A real HTTP upstream on 127.0.0.1 that records every request and answers as told. */
export async function startStub(
  handler: StubHandler = (_req, res) => json(res, 200, {}),
  options: { keepAliveTimeoutMs?: number } = {},
): Promise<Stub> {
  const requests: RecordedRequest[] = [];
  let current = handler;
  const record = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
    requests.push(recorded);
    await current(recorded, res);
  };
  // A handler that throws is a broken test; its connection is cut, as a crashed upstream would.
  const server = createServer((req, res) => void record(req, res).catch(() => res.destroy()));
  let connections = 0;
  server.on('connection', () => connections++);
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    get connections() {
      return connections;
    },
    handle(next) {
      current = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function text(res: ServerResponse, status: number, body: string, contentType = 'text/plain'): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
