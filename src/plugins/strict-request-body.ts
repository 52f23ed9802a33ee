import type { Plugin } from 'graphql-yoga';
import { badRequest } from '../errors.js';

/**
 * A POST body the gateway has no parser for is answered with a GraphQL error rather than an empty
 * 415, and a body that is not valid UTF-8 is refused instead of having its bad bytes silently
 * replaced with U+FFFD and passed on to an upstream.
 */
export function strictRequestBody(): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      if (request.method !== 'POST') return;
      if (!requestParser) throw badRequest(415, 'Unsupported Content-Type: send the GraphQL request as application/json.');
      const parse = requestParser;
      setRequestParser(async (req) => {
        const bytes = await req.arrayBuffer();
        let body: string;
        try {
          body = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        } catch {
          throw badRequest(400, 'The request body is not valid UTF-8.');
        }
        return parse(new fetchAPI.Request(req.url, { method: 'POST', headers: req.headers, body }));
      });
    },
  };
}
