import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import jsonpatch from 'fast-json-patch';
import { parsePointer } from '../json-pointer.js';

/** Shared plumbing of the sandbox emulators: body reading, JSON replies, routing, credentials. */

export const BODY_LIMIT = 1024 * 1024;
// Past this much a client is not merely oversized but hostile; stop reading and drop the socket.
const DRAIN_LIMIT = 16 * BODY_LIMIT;

export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface RequestContext {
  req: IncomingMessage;
  params: Record<string, string>;
  query: URLSearchParams;
}

export type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;

export interface Route {
  /** Relative to the API root; `:name` captures one percent-decoded segment. */
  pattern: string;
  methods: Partial<Record<string, Handler>>;
}

export interface VendorApi {
  /** The API root path, '' for the origin. */
  root: string;
  routes: Route[];
  /** An error reply when the request carries no valid credential. */
  authorize(req: IncomingMessage): Reply | undefined;
  notFound(): Reply;
  methodNotAllowed(method: string): Reply;
  tooLarge(): Reply;
  internalError(): Reply;
}

export interface RunningServer {
  origin: string;
  close(): Promise<void>;
}

export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
}

/** The body, at most `limit` bytes; a larger one is drained (so the client sees the 413) and refused. */
export function readBody(req: IncomingMessage, limit = BODY_LIMIT): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > DRAIN_LIMIT) {
        req.destroy();
        reject(new BodyTooLargeError());
      } else if (size <= limit) {
        chunks.push(chunk);
      }
    });
    req.on('end', () => (size > limit ? reject(new BodyTooLargeError()) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

export type JsonResult = { ok: true; value: unknown } | { ok: false; error: string };

/** Parses a UTF-8 JSON body; `empty` is what an empty body means for the caller. */
export function parseJson(body: Buffer, empty?: unknown): JsonResult {
  if (body.length === 0 && empty !== undefined) return { ok: true, value: empty };
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : 'invalid JSON' };
  }
}

/** The media type of the request body, lower-cased and without parameters. */
export function mediaType(req: IncomingMessage): string | undefined {
  const value = req.headers['content-type'];
  return value?.split(';')[0]?.trim().toLowerCase() || undefined;
}

/** The token of `Authorization: Bearer <token>`; undefined when the header is absent. */
export function bearerToken(req: IncomingMessage): { scheme: string; token: string } | undefined {
  const header = req.headers.authorization?.trim();
  if (!header) return undefined;
  const space = header.indexOf(' ');
  if (space < 0) return { scheme: header, token: '' };
  return { scheme: header.slice(0, space), token: header.slice(space + 1).trim() };
}

/** Compares credentials in constant time, whatever their lengths. */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** A version 4 UUID built from crypto.randomBytes. */
export function randomUuid(): string {
  const b = randomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return headers ? { status, body, headers } : { status, body };
}

/** A 204: no body, no content type. */
export const NO_CONTENT: Reply = { status: 204, body: undefined };

function send(res: ServerResponse, reply: Reply): void {
  if (reply.status === 204) {
    res.writeHead(204, { ...reply.headers });
    res.end();
    return;
  }
  const payload = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    ...reply.headers,
  });
  res.end(payload);
}

function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    const segment = got[i]!;
    if (!part.startsWith(':')) {
      if (part !== segment) return undefined;
      continue;
    }
    if (segment === '') return undefined;
    try {
      params[part.slice(1)] = decodeURIComponent(segment);
    } catch {
      return undefined;
    }
  }
  return params;
}

async function route(api: VendorApi, req: IncomingMessage): Promise<Reply> {
  const target = req.url ?? '/';
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
  if (!path.startsWith(`${api.root}/`)) return api.notFound();
  const relative = path.slice(api.root.length);
  for (const { pattern, methods } of api.routes) {
    const params = matchPath(pattern, relative);
    if (!params) continue;
    const denied = api.authorize(req);
    if (denied) return denied;
    const method = req.method ?? 'GET';
    const handler = methods[method];
    if (!handler) {
      const reply = api.methodNotAllowed(method);
      return { ...reply, headers: { ...reply.headers, allow: Object.keys(methods).join(', ') } };
    }
    return handler({ req, params, query });
  }
  return api.notFound();
}

async function dispatch(api: VendorApi, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let reply: Reply;
  try {
    reply = await route(api, req);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) reply = api.internalError();
    else {
      const tooLarge = api.tooLarge();
      reply = { ...tooLarge, headers: { ...tooLarge.headers, connection: 'close' } };
    }
  }
  if (!res.destroyed) send(res, reply);
}

/** Serves `api` on 127.0.0.1 with an OS-chosen port; close() also drops idle keep-alive sockets. */
export async function listen(api: VendorApi): Promise<RunningServer> {
  const server = createServer((req, res) => void dispatch(api, req, res));
  // Short keep-alive so test runs never wait on idle sockets.
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// ---- JSON Patch (RFC 6902) shape checks shared by the two JSON Patch vendors ----

export type PatchOpName = 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
const PATCH_OPS: readonly string[] = ['add', 'remove', 'replace', 'move', 'copy', 'test'];

export interface PatchOp {
  op: PatchOpName;
  path: string;
  from?: string;
  value?: unknown;
}

/** The operations of a JSON Patch document, or the reason it is not one. */
export function parsePatch(body: unknown): { ops: PatchOp[] } | { error: string } {
  if (!Array.isArray(body)) return { error: 'the request body must be a JSON array of JSON Patch operations' };
  const ops: PatchOp[] = [];
  for (const [i, item] of body.entries()) {
    const problem = operationProblem(item);
    if (problem) return { error: `operation ${i}: ${problem}` };
    ops.push(item as PatchOp);
  }
  return { ops };
}

function operationProblem(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return 'must be a JSON object';
  const op = item as Record<string, unknown>;
  if (typeof op.op !== 'string' || !PATCH_OPS.includes(op.op)) return `op must be one of ${PATCH_OPS.join(', ')}`;
  if (typeof op.path !== 'string') return 'path must be a string';
  if (!parsePointer(op.path)) return `path ${op.path} is not a JSON Pointer`;
  if ((op.op === 'add' || op.op === 'replace' || op.op === 'test') && !('value' in op)) return `${op.op} requires a value`;
  if (op.op === 'move' || op.op === 'copy') {
    if (typeof op.from !== 'string') return `${op.op} requires from`;
    if (!parsePointer(op.from)) return `from ${op.from} is not a JSON Pointer`;
  }
  return undefined;
}

export type PatchOutcome<T> = { ok: true; document: T } | { ok: false; failedTest: boolean; index: number; reason: string };

/** Applies `ops` to a copy of `document`; the stored original is untouched whatever happens. */
export function applyPatch<T>(document: T, ops: PatchOp[]): PatchOutcome<T> {
  let current = structuredClone(document);
  for (const [index, op] of ops.entries()) {
    try {
      current = jsonpatch.applyOperation(current, structuredClone(op) as jsonpatch.Operation, true, true, true, index).newDocument;
    } catch (error) {
      return { ok: false, ...patchFailure(error, op, index) };
    }
  }
  return { ok: true, document: current };
}

function patchFailure(error: unknown, op: PatchOp, index: number): { failedTest: boolean; index: number; reason: string } {
  if (!(error instanceof jsonpatch.JsonPatchError)) {
    // fast-json-patch walks into null members without checking; that is an unreachable path too.
    return { failedTest: false, index, reason: `operation ${index} (${op.op} ${op.path}): the path cannot be reached` };
  }
  if (error.name === 'TEST_OPERATION_FAILED') {
    return { failedTest: true, index, reason: `test operation failed: the value at ${op.path} is not the one given` };
  }
  // Its messages carry a dump of the operation after the first line.
  const detail = error.message.split('\n')[0] ?? error.name;
  return { failedTest: false, index, reason: `operation ${index} (${op.op} ${op.path}): ${detail}` };
}
