import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * What the proxy does with one request: `forward` sends it on and answers with the upstream's
 * answer; `forwardThenHang` sends it on (so it is applied) and never answers; `hang` neither sends
 * nor answers; a function may first act on the upstream itself (a change made in between).
 */
export type ProxyBehaviour =
  'forward' | 'forwardThenHang' | 'hang' | ((req: ProxiedRequest) => Promise<'forward' | 'forwardThenHang' | 'hang'>);

export interface Proxy {
  origin: string;
  requests: ProxiedRequest[];
  /** How the requests that follow are treated, by method; others are forwarded. */
  behave(method: string, behaviour: ProxyBehaviour): void;
  reset(): void;
  close(): Promise<void>;
}

/** A recording HTTP proxy on 127.0.0.1 in front of a real upstream (the sandbox), that can misbehave on purpose. */
export async function startProxy(target: string): Promise<Proxy> {
  const requests: ProxiedRequest[] = [];
  let behaviours = new Map<string, ProxyBehaviour>();
  const held: ServerResponse[] = [];

  const forward = async (req: ProxiedRequest): Promise<{ status: number; headers: Headers; body: Buffer }> => {
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string' && !['host', 'connection', 'content-length'].includes(entry[0]),
      ),
    );
    const res = await fetch(`${target}${req.url}`, { method: req.method, headers, ...(req.body ? { body: req.body } : {}) });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  };

  const handle = async (incoming: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const req: ProxiedRequest = {
      method: incoming.method ?? '',
      url: incoming.url ?? '',
      headers: incoming.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    requests.push(req);
    const behaviour = behaviours.get(req.method) ?? 'forward';
    const action = typeof behaviour === 'function' ? await behaviour(req) : behaviour;
    if (action === 'hang') {
      held.push(res);
      return;
    }
    const answer = await forward(req);
    if (action === 'forwardThenHang') {
      held.push(res);
      return;
    }
    const contentType = answer.headers.get('content-type');
    res.writeHead(answer.status, { ...(contentType ? { 'content-type': contentType } : {}), 'content-length': answer.body.length });
    res.end(answer.body);
  };

  const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    behave(method, behaviour) {
      behaviours.set(method, behaviour);
    },
    reset() {
      requests.length = 0;
      behaviours = new Map();
      for (const res of held.splice(0)) res.destroy();
    },
    async close() {
      for (const res of held.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
