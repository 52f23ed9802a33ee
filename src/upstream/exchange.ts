import type { Dispatcher } from 'undici';

/**
 * What became of one HTTP request to an upstream. Failures are values, not exceptions, so the
 * retry policy can look at them and the caller decides which GraphQL error they become.
 */
export type Exchange =
  | { kind: 'answer'; status: number; headers: Record<string, string | string[] | undefined>; text: string }
  /** The body grew past the limit; the rest was not read. */
  | { kind: 'tooLarge'; status: number }
  | { kind: 'failed'; failure: TransportFailure; code: string | undefined; status?: number };

/**
 * - `notSent`: no connection was made, so the upstream cannot have seen the request.
 * - `timeout`: the upstream did not answer (or finish answering) in time; it may have acted.
 * - `broken`: the connection failed after the request may have been written.
 */
export type TransportFailure = 'notSent' | 'timeout' | 'broken';

// Codes of the errors raised before a connection exists: a DNS answer, a refusal, a connect timeout.
const NOT_SENT = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const TIMEOUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'TIMEOUT_ERR', 'ABORT_ERR']);

/** Sends one request and reads at most `maxBytes` of the answer. Never throws for transport failures. */
export async function exchange(dispatcher: Dispatcher, options: Dispatcher.RequestOptions, maxBytes: number): Promise<Exchange> {
  let status: number | undefined;
  try {
    const res = await dispatcher.request(options);
    status = res.statusCode;
    const declared = Number(res.headers['content-length']);
    if (declared > maxBytes) {
      res.body.destroy();
      return { kind: 'tooLarge', status };
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        res.body.destroy();
        return { kind: 'tooLarge', status };
      }
      chunks.push(chunk);
    }
    return { kind: 'answer', status, headers: res.headers, text: Buffer.concat(chunks, size).toString('utf8') };
  } catch (error) {
    const code = errorCode(error);
    const failure: TransportFailure = code && NOT_SENT.has(code) ? 'notSent' : code && TIMEOUT.has(code) ? 'timeout' : 'broken';
    return { kind: 'failed', failure, code, ...(status !== undefined ? { status } : {}) };
  }
}

/** undici and node put a stable code on their errors; an aborted signal carries its reason's name. */
function errorCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error.name === 'TimeoutError') return 'TIMEOUT_ERR';
  if (error.name === 'AbortError') return 'ABORT_ERR';
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const cause = (error as { cause?: unknown }).cause;
  return cause ? errorCode(cause) : undefined;
}
