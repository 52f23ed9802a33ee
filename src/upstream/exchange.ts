import type { Dispatcher } from 'undici';

/**
 * What became of one HTTP request to an upstream. Failures are values, not exceptions, so the
 * retry policy can look at them and the caller decides which GraphQL error they become.
 */
export type Exchange =
  | { kind: 'answer'; status: number; headers: Record<string, string | string[] | undefined>; body: Uint8Array }
  /** The body grew past the limit; the rest was not read. */
  | { kind: 'tooLarge'; status: number }
  | { kind: 'failed'; failure: TransportFailure; code: string | undefined; status?: number };

/**
 * - `notSent`: the request was never written, so the upstream cannot have seen it.
 * - `expired`: it waited for a connection until its deadline and was never written.
 * - `timeout`: it was written and the upstream did not answer (or finish answering) in time; it may have acted.
 * - `broken`: the connection failed after the request was written.
 * - `throttled`: the upstream's rate limit left no room for it before its deadline; it was never written.
 * - `abandoned`: whoever it was for had gone by the time it could be written; it was never written.
 */
export type TransportFailure = 'notSent' | 'expired' | 'timeout' | 'broken' | 'throttled' | 'abandoned';

export interface ExchangeRequest {
  origin: string;
  path: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  headers: Record<string, string>;
  body?: string;
}

/**
 * The same request with other headers, as a new object. Written out rather than spread: V8 found no
 * cached shape for a spread whose property is then defined again, and took its slow path on every call.
 */
export function withHeaders(request: ExchangeRequest, headers: Record<string, string>): ExchangeRequest {
  const { origin, path, method, body } = request;
  return body === undefined ? { origin, path, method, headers } : { origin, path, method, headers, body };
}

export interface ExchangeLimits {
  /** A larger answer is not read further: `tooLarge`. */
  maxBytes: number;
  /** Epoch ms when the exchange gives up, wherever it is. */
  deadline: number;
  /** Epoch ms after which the request may no longer be written (a write leaves itself time to be answered). */
  dispatchBy: number;
  /** Once aborted, the request is no longer written. */
  abandonedBy?: AbortSignal;
}

const TIMEOUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

class DeadlineError extends Error {
  override name = 'DeadlineError';
  readonly code = 'DEADLINE';
}

/**
 * Sends one request and reads at most `maxBytes` of the answer; never throws for transport failures.
 *
 * Written as an undici dispatch handler rather than with `request()` so that the moment the request
 * is about to be written is visible (`onRequestStart`): a request still waiting for a pooled connection
 * when its time is up is never written, and the caller learns at its deadline, not when a connection
 * frees up, that nothing was sent. Whether the request was written also says, better than any error
 * code, whether the upstream can have seen it.
 */
export function exchange(dispatcher: Dispatcher, request: ExchangeRequest, limits: ExchangeLimits): Promise<Exchange> {
  return new Promise<Exchange>((resolve) => {
    let settled = false;
    let started = false;
    let status: number | undefined;
    let headers: Record<string, string | string[] | undefined> = {};
    let size = 0;
    let chunks: Buffer[] = [];
    let controller: Dispatcher.DispatchController | undefined;

    const finish = (result: Exchange) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      chunks = [];
      resolve(result);
    };
    const timer = setTimeout(
      () => {
        if (!started) finish({ kind: 'failed', failure: 'expired', code: 'DEADLINE' });
        else controller?.abort(new DeadlineError('The upstream call timed out.'));
      },
      Math.max(0, limits.deadline - Date.now()),
    );

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(ctrl) {
        controller = ctrl;
        // Aborting here is what keeps undici from writing the request at all.
        if (settled || Date.now() >= limits.dispatchBy) {
          finish({ kind: 'failed', failure: 'expired', code: 'DEADLINE' });
          ctrl.abort(new DeadlineError('The request waited past its deadline for a connection.'));
          return;
        }
        if (limits.abandonedBy?.aborted) {
          finish({ kind: 'failed', failure: 'abandoned', code: 'ABANDONED' });
          ctrl.abort(new Error('Nobody waits for the request any more.'));
          return;
        }
        started = true;
      },
      onResponseStart(ctrl, statusCode, responseHeaders) {
        status = statusCode;
        headers = responseHeaders as typeof headers;
        if (Number(responseHeaders['content-length']) > limits.maxBytes) {
          finish({ kind: 'tooLarge', status: statusCode });
          ctrl.abort(new Error('too large'));
        }
      },
      onResponseData(ctrl, chunk) {
        if (settled) return;
        size += chunk.length;
        if (size > limits.maxBytes) {
          finish({ kind: 'tooLarge', status: status! });
          ctrl.abort(new Error('too large'));
          return;
        }
        chunks.push(chunk);
      },
      onResponseEnd() {
        finish({ kind: 'answer', status: status!, headers, body: Buffer.concat(chunks, size) });
      },
      onResponseError(_ctrl, error) {
        const code = errorCode(error);
        const failure: TransportFailure = !started
          ? 'notSent'
          : code === 'DEADLINE' || (code !== undefined && TIMEOUT.has(code))
            ? 'timeout'
            : 'broken';
        finish({ kind: 'failed', failure, code, ...(status !== undefined ? { status } : {}) });
      },
    };

    dispatcher.dispatch(
      { origin: request.origin, path: request.path, method: request.method, headers: request.headers, body: request.body ?? null },
      handler,
    );
  });
}

/** undici and node put a stable code on their errors. */
function errorCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const cause = (error as { cause?: unknown }).cause;
  return cause ? errorCode(cause) : undefined;
}
