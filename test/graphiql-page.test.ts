import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { configureLog } from '../src/log.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';

// The GraphiQL page is 9 MB of inline script: it leaves compressed for a browser that accepts it.
configureLog({ sink: () => {} });

let gateway: RunningGateway;

beforeAll(async () => {
  gateway = await startGateway({});
});

afterAll(async () => {
  await gateway.close();
});

/** The page as it crosses the wire (fetch would decompress it). */
function getPage(acceptEncoding?: string): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      gateway.url,
      { headers: { accept: 'text/html', ...(acceptEncoding ? { 'accept-encoding': acceptEncoding } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

let plain: Buffer;

it('without Accept-Encoding: the page as it is, 9 MB, marked as varying by encoding', async () => {
  const page = await getPage();
  expect(page.status).toBe(200);
  expect(page.headers['content-encoding']).toBeUndefined();
  expect(page.headers.vary).toContain('accept-encoding');
  expect(page.body.length).toBeGreaterThan(8_000_000);
  expect(page.body.toString('utf8')).toContain('OAuth gateway');
  plain = page.body;
});

it.each([
  ['br', 'gzip, deflate, br', brotliDecompressSync],
  ['gzip', 'gzip, deflate', gunzipSync],
  ['gzip', 'br;q=0, gzip;q=0.5', gunzipSync],
  ['br', '*', brotliDecompressSync],
])('as %s to "%s": under 3 MB, the same page once decompressed', async (encoding, accept, decompress) => {
  const page = await getPage(accept);
  expect(page.status).toBe(200);
  expect(page.headers['content-encoding']).toBe(encoding);
  expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(page.headers['content-length']).toBe(String(page.body.length));
  expect(page.headers.vary).toBe('accept-encoding');
  expect(page.body.length).toBeLessThan(3_000_000);
  expect(decompress(page.body).equals(plain)).toBe(true);
});

it('an encoding it does not offer: the page as it is', async () => {
  const page = await getPage('deflate, identity');
  expect(page.headers['content-encoding']).toBeUndefined();
  expect(page.body.equals(plain)).toBe(true);
});

it('GraphQL answers are not compressed', async () => {
  const res = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'accept-encoding': 'br, gzip' },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  expect(res.headers.get('content-encoding')).toBeNull();
  expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
});
