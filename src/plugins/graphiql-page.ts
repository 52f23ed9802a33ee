import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { GraphiQLOptions, Plugin } from 'graphql-yoga';

type Encoding = 'br' | 'gzip';

const compressors: Record<Encoding, (page: string) => Promise<Buffer>> = {
  // Quality 5: 9 MB become 2 MB in about half a second; 11 would save a tenth more in forty seconds.
  br: (page) =>
    promisify(brotliCompress)(page, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: Buffer.byteLength(page) },
    }),
  gzip: (page) => promisify(gzip)(page),
};

/**
 * The GraphiQL page, whose 9 MB of inline script is served by the gateway itself (it must work where
 * a CDN is out of reach), sent compressed to browsers that accept it: brotli (about 2 MB) or gzip
 * (2.4 MB). The page is rendered once (its options are the gateway's, fixed at start) and each
 * encoding compressed once, off the event loop, when first asked for; then kept. The assets are
 * loaded only when the page is first asked for, and never where GraphiQL is off (production).
 */
export function graphiqlPage(): { render: (options: GraphiQLOptions) => Promise<string>; plugin: Plugin } {
  let page: Promise<string> | undefined;
  const compressed = new Map<Encoding, Promise<Uint8Array<ArrayBuffer>>>();
  const encode = (encoding: Encoding): Promise<Uint8Array<ArrayBuffer>> => {
    let body = compressed.get(encoding);
    if (!body) {
      body = page!.then(compressors[encoding]).then((bytes) => new Uint8Array(bytes));
      compressed.set(encoding, body);
    }
    return body;
  };
  return {
    render: (options) => (page ??= import('@graphql-yoga/render-graphiql').then(({ renderGraphiQL }) => renderGraphiQL(options))),
    plugin: {
      // Synchronous for every other answer: a hook that returns a promise makes yoga wait a turn for it.
      onResponse({ request, response, setResponse, fetchAPI }) {
        if (!page || request.method !== 'GET' || response.headers.get('content-type') !== 'text/html') return;
        if (new URL(request.url, 'http://localhost').pathname !== '/graphql') return;
        response.headers.set('vary', 'accept-encoding');
        const encoding = acceptedEncoding(request.headers.get('accept-encoding'));
        if (!encoding) return;
        return encode(encoding).then((body) =>
          setResponse(
            new fetchAPI.Response(body, {
              status: response.status,
              headers: {
                'content-type': 'text/html; charset=utf-8',
                'content-encoding': encoding,
                'content-length': String(body.length),
                vary: 'accept-encoding',
              },
            }),
          ),
        );
      },
    },
  };
}

/** Brotli, else gzip, when Accept-Encoding allows it (a `q=0` refuses; `*` accepts either). */
export function acceptedEncoding(header: string | null): Encoding | undefined {
  if (!header) return undefined;
  const accepted = new Set<string>();
  const refused = new Set<string>();
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.split(';').map((piece) => piece.trim().toLowerCase());
    const q = params.find((param) => param.startsWith('q='));
    (q === undefined || Number(q.slice(2)) > 0 ? accepted : refused).add(name);
  }
  const wildcard = accepted.has('*');
  return (['br', 'gzip'] as const).find((encoding) => accepted.has(encoding) || (wildcard && !refused.has(encoding)));
}
