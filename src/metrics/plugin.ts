import type { Plugin } from 'graphql-yoga';
import { traceOf } from '../trace/request-trace.js';
import type { GatewayMetrics } from './registry.js';

/**
 * Counts every answered GraphQL request (not the GraphiQL page, not the probes) from its trace, and,
 * when `endpoint` is given, answers the Prometheus scrape there, before caller authentication runs.
 * Must come after the request trace plugin, which fills in the trace.
 */
export function metricsPlugin(metrics: GatewayMetrics, options: { graphqlEndpoint: string; endpoint?: string }): Plugin {
  const { graphqlEndpoint, endpoint } = options;
  return {
    // Synchronous for every other request: a hook that returns a promise makes yoga wait a turn for it.
    onRequest({ request, url, endResponse, fetchAPI }) {
      // The cheap test first: most requests are GraphQL, and the parsed URL costs more.
      if (endpoint === undefined || !request.url.includes(endpoint) || url.pathname !== endpoint) return;
      if (request.method !== 'GET') {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: 'GET' } }));
        return;
      }
      return metrics
        .exposition()
        .then((text) =>
          endResponse(new fetchAPI.Response(text, { headers: { 'content-type': metrics.contentType, 'cache-control': 'no-store' } })),
        );
    },
    onResponse({ request, response }) {
      const trace = traceOf(request);
      if (!trace || trace.path !== graphqlEndpoint || (request.method !== 'GET' && request.method !== 'POST')) return;
      if (response.headers.get('content-type')?.startsWith('text/html')) return;
      metrics.requestServed(trace);
    },
  };
}
