import { Pool, errors as undiciErrors } from 'undici';
import type { ServiceConfig, ServiceId, UpstreamLimits } from '../config.js';
import { gatewayError } from '../errors.js';
import { credentialSource, type AuthScheme, type CredentialSource } from './credentials.js';

export interface UpstreamRequest {
  /** The vendor's operation id, reported in errors and logs. */
  operation: string;
  method: 'GET' | 'PATCH';
  /** Path below the API root, built with upstreamPath so parameters are encoded. */
  path: string;
  body?: unknown;
  contentType?: string;
  /** Vendor headers such as an API version; never a credential (that is the client's job). */
  headers?: Record<string, string>;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body; undefined when the body is empty or not JSON. */
  json: unknown;
  /** The raw body, for error messages about bodies that are not JSON. */
  text: string;
}

export interface UpstreamCall {
  service: ServiceId;
  operation: string;
  method: UpstreamRequest['method'];
}

/** Watches the calls made for one GraphQL request: its budget of upstream calls, its log line. */
export interface UpstreamCallObserver {
  /** Called before a call is sent, and may throw to refuse it; the result is called with its outcome. */
  callStarted(call: UpstreamCall): (status: number | undefined) => void;
}

/** One upstream API root: its connection pool, its credential, its limits. Knows HTTP, not GraphQL types. */
export class UpstreamClient {
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly credential: CredentialSource;
  private observer?: UpstreamCallObserver;

  constructor(
    readonly service: ServiceId,
    config: ServiceConfig,
    scheme: AuthScheme,
    private readonly limits: UpstreamLimits,
  ) {
    const url = new URL(config.url);
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, {
      connections: 32,
      keepAliveTimeout: 10_000,
      keepAliveMaxTimeout: 60_000,
      connect: { timeout: limits.connectTimeoutMs },
      headersTimeout: limits.timeoutMs,
      bodyTimeout: limits.timeoutMs,
    });
    this.credential = credentialSource(service, config.credential, scheme, this.pool, limits.timeoutMs);
  }

  /** This client reporting each call to observer; the pool and credential stay shared. */
  observedBy(observer: UpstreamCallObserver): UpstreamClient {
    const view = Object.create(this) as UpstreamClient;
    view.observer = observer;
    return view;
  }

  async request(req: UpstreamRequest): Promise<UpstreamResponse> {
    const done = this.observer?.callStarted({ service: this.service, operation: req.operation, method: req.method });
    let status: number | undefined;
    try {
      const response = await this.send(req);
      status = response.status;
      return response;
    } finally {
      done?.(status);
    }
  }

  private async send(req: UpstreamRequest): Promise<UpstreamResponse> {
    const authorization = await this.credential.authorization();
    const headers: Record<string, string> = { ...req.headers, accept: 'application/json' };
    if (authorization !== undefined) headers.authorization = authorization;
    let body: string | undefined;
    if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers['content-type'] = req.contentType ?? 'application/json';
    }
    const upstream = { service: this.service, operation: req.operation };
    const signal = AbortSignal.timeout(this.limits.timeoutMs);
    try {
      const res = await this.pool.request({
        path: this.basePath + req.path,
        method: req.method,
        headers,
        body,
        signal,
      });
      const text = await this.readBody(res.body, res.headers['content-length'], upstream);
      const response = { status: res.statusCode, headers: res.headers, text, json: parseJson(text) };
      if (response.status === 401 && authorization !== undefined) this.credential.invalidate(authorization);
      return response;
    } catch (error) {
      throw this.transportError(error, req, upstream);
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async readBody(
    body: AsyncIterable<Buffer> & { destroy(err?: Error): unknown },
    contentLength: string | string[] | undefined,
    upstream: { service: ServiceId; operation: string },
  ): Promise<string> {
    const max = this.limits.maxResponseBytes;
    const tooLarge = () =>
      gatewayError('UPSTREAM_ERROR', `${this.service} answered with a response larger than ${max} bytes.`, { upstream });
    if (typeof contentLength === 'string' && Number(contentLength) > max) {
      body.destroy();
      throw tooLarge();
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      if (size > max) {
        body.destroy();
        throw tooLarge();
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, size).toString('utf8');
  }

  private transportError(error: unknown, req: UpstreamRequest, upstream: { service: ServiceId; operation: string }): Error {
    if (isGraphQLErrorLike(error)) return error;
    const code = errorCode(error);
    const write = req.method !== 'GET';
    if (code === 'UND_ERR_CONNECT_TIMEOUT') {
      return gatewayError('UPSTREAM_TIMEOUT', `${this.service} did not accept a connection in time${write ? '; the change was not sent' : ''}.`, { upstream });
    }
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'ABORT_ERR' || code === 'TIMEOUT_ERR') {
      return gatewayError(
        'UPSTREAM_TIMEOUT',
        `${this.service} did not answer in time${write ? '; the change may or may not have been applied' : ''}.`,
        { upstream },
      );
    }
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
      return gatewayError('UPSTREAM_UNAVAILABLE', `${this.service} could not be reached${write ? '; the change was not sent' : ''}.`, { upstream });
    }
    return gatewayError(
      'UPSTREAM_UNAVAILABLE',
      `The connection to ${this.service} failed${write ? '; the change may or may not have been applied' : ''}.`,
      { upstream },
    );
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isGraphQLErrorLike(error: unknown): error is Error {
  return error instanceof Error && error.name === 'GraphQLError';
}

/** undici and node put a stable code on their errors; an aborted signal carries its reason's name. */
function errorCode(error: unknown): string | undefined {
  if (error instanceof undiciErrors.UndiciError) return (error as { code?: string }).code;
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'TIMEOUT_ERR';
    if (error.name === 'AbortError') return 'ABORT_ERR';
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const cause = (error as { cause?: unknown }).cause;
    if (cause) return errorCode(cause);
  }
  return undefined;
}
