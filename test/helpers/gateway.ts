import type { AddressInfo } from 'node:net';
import { loadConfig, type Config } from '../../src/config.js';
import { createGateway, type GatewayOptions } from '../../src/gateway.js';
import { createHttpServer } from '../../src/server.js';

export interface GraphQLResponse<T = any> {
  status: number;
  data?: T | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }>;
}

export interface RunningGateway {
  url: string;
  /** Resolves once the gateway has received `n` HTTP requests in all. */
  received(n: number): Promise<void>;
  /** Resolves once `n` of the gateway's HTTP responses in all have closed (answered, or their caller gone). */
  closed(n: number): Promise<void>;
  gql<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

/** A gateway listening on 127.0.0.1:<port 0>, configured from environment-style variables or a Config. */
export async function startGateway(envOrConfig: Record<string, string> | Config, options: GatewayOptions = {}): Promise<RunningGateway> {
  // Tests that are not about caller authentication run an open gateway; the auth tests set keys.
  const config =
    'services' in envOrConfig
      ? (envOrConfig as Config)
      : loadConfig({ UPSTREAM_TIMEOUT_MS: '3000', GATEWAY_ALLOW_ANONYMOUS: 'true', ...(envOrConfig as Record<string, string>) });
  const gateway = createGateway(config, options);
  // The server the entry point runs, with its bounds; keep-alive short so test runs never wait on idle sockets.
  const { server } = createHttpServer(gateway.yoga, { ...config.server, keepAliveTimeoutMs: 1000 });
  let received = 0;
  let closed = 0;
  const waiting: Array<{ n: number; resolve(): void }> = [];
  const closing: Array<{ n: number; resolve(): void }> = [];
  server.on('request', (_req, res) => {
    received++;
    for (const w of waiting.filter((w) => received >= w.n)) w.resolve();
    res.once('close', () => {
      closed++;
      for (const w of closing.filter((w) => closed >= w.n)) w.resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  return {
    url,
    received(n) {
      return received >= n ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ n, resolve }));
    },
    closed(n) {
      return closed >= n ? Promise.resolve() : new Promise<void>((resolve) => closing.push({ n, resolve }));
    },
    async gql(query, variables, headers) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as GraphQLResponse<any>;
      return { ...body, status: res.status };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.close();
    },
  };
}
