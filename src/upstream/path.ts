/**
 * Builds an upstream path from a template whose interpolated values are path parameters:
 * each is percent-encoded as one segment, so no argument can add a segment, a query or a fragment.
 *
 *   upstreamPath`/sources/oauth/${slug}/`
 */
export function upstreamPath(strings: TemplateStringsArray, ...params: Array<string | number>): string {
  let path = strings[0] ?? '';
  params.forEach((param, i) => {
    path += encodeURIComponent(String(param)) + (strings[i + 1] ?? '');
  });
  return path;
}

/** Appends query parameters, leaving out the ones not given. */
export function withQuery(path: string, query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.append(key, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}
