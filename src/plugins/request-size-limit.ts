import { GraphQLError, type GraphQLErrorExtensions } from 'graphql';
import type { FetchAPI, Plugin } from 'graphql-yoga';

/**
 * Worded and coded as graphql-yoga's own refusal, so clients see what they saw before; the code is
 * yoga's HTTP-level one, outside the contract's ErrorCode list, hence the cast.
 */
function tooLarge(): GraphQLError {
  return new GraphQLError('Request body too large', {
    extensions: { code: 'REQUEST_ENTITY_TOO_LARGE', http: { status: 413 } } as unknown as GraphQLErrorExtensions,
  });
}

/**
 * The request body size limit, replacing graphql-yoga's `maxRequestBodySize` (turned off in
 * createGateway). yoga's version pipes every body through a TransformStream and rebuilds the Request,
 * which cost more than parsing and executing a small mutation. Here a request with a Content-Length
 * is judged by that header alone: Node's HTTP parser never hands over more body than it announces, and
 * itself refuses a malformed or duplicated Content-Length and one sent with Transfer-Encoding. Only a
 * body without one, i.e. chunked, is counted while it is read: this plugin must come after any plugin
 * that replaces the request parser to read the body (strictRequestBody), so that its parser reads the
 * counted body and a chunked body that never ends is refused once it passes the limit.
 */
export function requestSizeLimit(maxBytes: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const contentLength = request.headers.get('content-length');
      if (contentLength !== null) {
        if (Number(contentLength) > maxBytes) throw tooLarge();
        return;
      }
      if (!requestParser || !request.body) return;
      const parse = requestParser;
      setRequestParser((req) => parse(counted(req, maxBytes, fetchAPI)));
    },
  };
}

function counted(request: Request, maxBytes: number, fetchAPI: FetchAPI): Request {
  let bytes = 0;
  // The body is Node's own ReadableStream or the fetch ponyfill's; each pipes only into its own kind.
  const Transform = request.body instanceof ReadableStream ? TransformStream : fetchAPI.TransformStream;
  const body = request.body!.pipeThrough(
    new Transform<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        bytes += chunk.byteLength;
        if (bytes > maxBytes) controller.error(tooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
  return new fetchAPI.Request(request.url, { method: request.method, headers: request.headers, signal: request.signal, body, duplex: 'half' } as RequestInit);
}
