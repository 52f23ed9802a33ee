import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';

/** A Prism mock server (`prism mock`, the CLI as its users run it) of one OpenAPI document, on 127.0.0.1. */
export interface Prism {
  origin: string;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);

function prismCli(): string {
  const manifest = require.resolve('@stoplight/prism-cli/package.json');
  const { bin } = require(manifest) as { bin: Record<string, string> };
  return join(dirname(manifest), bin.prism!);
}

/**
 * Starts `prism mock` on a free loopback port (-p 0) with dynamic answers from the document's
 * schemas (-d, with a fixed seed), and resolves once it says where it listens.
 */
export async function startPrism(document: string): Promise<Prism> {
  const child = spawn(process.execPath, [prismCli(), 'mock', '-h', '127.0.0.1', '-p', '0', '-d', '--seed', 'oauth-gateway', document], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  const origin = await new Promise<string>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const found = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (found) resolve(found[1]!);
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', (code) => reject(new Error(`prism exited (${code}) before listening: ${output.slice(-2000)}`)));
  });
  // Keep reading, so a full pipe never blocks it.
  child.stdout.removeAllListeners('data').on('data', () => {});
  child.stderr.removeAllListeners('data').on('data', () => {});
  return {
    origin,
    close: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface Exchange {
  method: string;
  /** The path as the gateway sent it, API root included. */
  url: string;
  body: unknown;
  status: number;
  answer: unknown;
}

export interface ApiRoot {
  /** The API root to configure the gateway with: <origin>/api/v3. */
  url: string;
  exchanges: Exchange[];
  close(): Promise<void>;
}

async function read(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * authentik's API root /api/v3 in front of a Prism mock of its document, whose paths start below
 * it (the document's servers entry is /api/v3, which Prism does not serve under): forwards every
 * request with /api/v3 taken off and records both sides. Answers GET /api/v3/admin/version/ itself
 * with `version`, when given: the documents leave that endpoint out.
 */
export async function apiRootBefore(prism: Prism, version?: string): Promise<ApiRoot> {
  const exchanges: Exchange[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const text = await read(req);
      const url = req.url ?? '';
      const body = text === '' ? undefined : (JSON.parse(text) as unknown);
      let status: number;
      let answer: string;
      if (version !== undefined && url === '/api/v3/admin/version/') {
        status = 200;
        answer = JSON.stringify({
          version_current: version,
          version_latest: version,
          version_latest_valid: true,
          build_hash: '',
          outdated: false,
          outpost_outdated: false,
        });
      } else {
        const forwarded = await fetch(prism.origin + url.replace(/^\/api\/v3/, ''), {
          method: req.method ?? 'GET',
          headers: Object.fromEntries(
            Object.entries(req.headers).filter(
              (e): e is [string, string] => typeof e[1] === 'string' && !['host', 'content-length', 'connection'].includes(e[0]),
            ),
          ),
          ...(text !== '' ? { body: text } : {}),
        });
        status = forwarded.status;
        answer = await forwarded.text();
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(answer);
      } catch {
        parsed = answer;
      }
      exchanges.push({ method: req.method ?? '', url, body, status, answer: parsed });
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
      res.end(answer);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v3`,
    exchanges,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
