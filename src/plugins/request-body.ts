import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { badRequest, requestTooLarge } from '../errors.js';

const JSON_MEDIA_TYPES = new Set(['application/json', 'application/graphql+json']);

/**
 * Every request body, read once. It replaces graphql-yoga's `maxRequestBodySize` (off in
 * createGateway: it piped each body through a TransformStream and rebuilt the Request, which cost more
 * than executing a small mutation) and the body reading of yoga's JSON parser:
 * - a body larger than the limit is refused with 413: by its Content-Length alone when it has one
 *   (Node's HTTP parser never hands over more than announced, and itself refuses a malformed or
 *   duplicated Content-Length or one beside Transfer-Encoding), else counted as the chunks arrive, so
 *   a chunked body that never ends is refused once it passes the limit;
 * - bytes that are not valid UTF-8 are refused (400) instead of silently becoming U+FFFD on their way
 *   to an upstream;
 * - a POST with no parser for its Content-Type gets a GraphQL error rather than yoga's empty 415.
 * A JSON body is parsed here, with yoga's checks and messages; the other content types yoga accepts
 * get its own parser over the decoded text.
 */
export function requestBody(maxBytes: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const contentLength = request.headers.get('content-length');
      if (contentLength !== null && Number(contentLength) > maxBytes) throw requestTooLarge();
      if (request.method !== 'POST') return;
      if (!requestParser) throw badRequest(415, 'Unsupported Content-Type: send the GraphQL request as application/json.');
      const json = JSON_MEDIA_TYPES.has(mediaType(request.headers.get('content-type')));
      const parseOther = requestParser;
      setRequestParser(async (req) => {
        const text = decodeUtf8(contentLength !== null ? await req.arrayBuffer() : await readCounted(req, maxBytes));
        if (json) return parseJsonParams(text);
        return parseOther(new fetchAPI.Request(req.url, { method: 'POST', headers: req.headers, body: text }));
      });
    },
  };
}

function mediaType(contentType: string | null): string {
  if (contentType === null) return '';
  const end = contentType.indexOf(';');
  return (end === -1 ? contentType : contentType.slice(0, end)).trim().toLowerCase();
}

async function readCounted(request: Request, maxBytes: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      void reader.cancel().catch(() => {});
      throw requestTooLarge();
    }
    chunks.push(value);
  }
  const body = new Uint8Array(bytes);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: ArrayBuffer | Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw badRequest(400, 'The request body is not valid UTF-8.');
  }
}

/** graphql-yoga's parsePOSTJsonRequest, on text already read. */
function parseJsonParams(text: string): GraphQLParams | GraphQLParams[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badRequest(400, 'POST body sent invalid JSON.');
  }
  if (body === null || typeof body !== 'object') {
    throw badRequest(400, `POST body is expected to be object but received ${body === null ? 'null' : typeof body}`);
  }
  return body as GraphQLParams | GraphQLParams[];
}
