import { createServer, type Server } from 'node:http';
import { log } from '../log.js';
import type { GatewayMetrics } from './registry.js';

export const METRICS_PATH = '/metrics';

/**
 * The scrape endpoint on a port of its own (GATEWAY_METRICS_PORT), which a network policy can open
 * to the monitoring system alone. It answers GET /metrics and nothing else; main.ts listens.
 */
export function createMetricsServer(metrics: GatewayMetrics): Server {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?', 1)[0];
    if (path !== METRICS_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: this port serves /metrics only.\n');
      return;
    }
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    metrics.exposition().then(
      (text) => res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' }).end(text),
      (error: unknown) => {
        log.error('metrics exposition failed', { error: error instanceof Error ? error.message : String(error) });
        res.writeHead(500).end();
      },
    );
  });
  // A scraper keeps its connection between scrapes; nothing else needs it open.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  return server;
}
