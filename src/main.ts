import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startAuditTrail } from './audit/trail.js';
import { ConfigError, loadConfig, sandboxConfig, type Config } from './config.js';
import { createGateway } from './gateway.js';
import { limitHeapGrowth } from './heap.js';
import { configureLog, log } from './log.js';
import { createMetricsServer } from './metrics/server.js';
import { createHttpServer } from './server.js';
import { startSandbox } from './sandbox/index.js';
import { VENDORS } from './services/index.js';
import { startTracing } from './tracing/index.js';

async function main(): Promise<void> {
  limitHeapGrowth();
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      log.error(`configuration error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  configureLog({ level: config.logLevel });

  // The gateway listens while the audit store opens: each write's intent waits for the store, and
  // /ready answers 503 until it can be written, so no write is taken unrecorded.
  const { trail: audit, opened } = startAuditTrail(config.audit);
  void opened.then(
    () =>
      log.info(`audit trail: ${audit.description}`, {
        retentionDays: config.audit.retentionDays === 0 ? 'forever' : config.audit.retentionDays,
      }),
    (error: unknown) => {
      log.error('gateway failed to start', { error: error instanceof Error ? error.message : String(error) });
      process.exit(1);
    },
  );
  const sandbox = config.sandbox ? await startSandbox(config.vendorSettings, config.sandboxSeed) : undefined;
  if (sandbox) config = sandboxConfig(config, sandbox);

  const tracing = config.tracing ? await startTracing(config.tracing) : undefined;
  const gateway = createGateway(config, { journal: audit, ...(tracing ? { tracing } : {}) });
  const http = createHttpServer(gateway.yoga, config.server);
  const { server } = http;
  let stopping = false;
  await listen(server, config.port, config.host);
  const metricsServer = config.metricsPort === undefined ? undefined : createMetricsServer(gateway.metrics);
  if (metricsServer) await listen(metricsServer, config.metricsPort!, config.host);
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  for (const { id: service } of VENDORS) {
    const upstream = config.services[service];
    if (!upstream) log.info(`upstream ${service}: not configured (its fields answer UPSTREAM_NOT_CONFIGURED)`, { service });
    else
      log.info(`upstream ${service}: ${upstream.url}${sandbox ? ' (sandbox: in-memory emulation, no real vendor is called)' : ''}`, {
        service,
        url: upstream.url,
        sandbox: Boolean(sandbox),
      });
  }
  if (sandbox) log.info('sandbox mode: no *_URL variable is set, so the gateway serves in-memory emulations of every vendor API');
  if (config.audit.failOpen) {
    log.warn(
      'GATEWAY_AUDIT_FAIL_OPEN=true: when the audit store cannot be written, writes go ahead WITHOUT an audit event (each one is logged as an error)',
    );
  }
  const { apiKeys, jwt } = config.auth;
  if (apiKeys.length > 0 || jwt) {
    log.info(
      `caller authentication: ${[apiKeys.length > 0 ? `${apiKeys.length} API key(s)` : '', jwt ? `JWTs from ${jwt.issuer}` : ''].filter(Boolean).join(', ')}`,
    );
  } else {
    log.warn('caller authentication is off: anyone who can reach this port may read and change OAuth clients through the gateway');
  }
  if (!config.graphiql) log.info('GraphiQL is off (GATEWAY_GRAPHIQL; off by default with NODE_ENV=production)');
  if (!config.introspection) log.info('introspection is off (GATEWAY_INTROSPECTION; off by default with NODE_ENV=production)');
  if (config.production && config.graphiql) log.warn('GraphiQL is on in production (GATEWAY_GRAPHIQL=true)');
  if (config.production && config.introspection) log.warn('introspection is on in production (GATEWAY_INTROSPECTION=true)');
  if (tracing) log.info(`tracing: spans go to ${config.tracing!.endpoint} (OTLP ${config.tracing!.protocol})`, { ...config.tracing });
  if (metricsServer) {
    const metricsPort = (metricsServer.address() as AddressInfo).port;
    log.info(`metrics on http://${host}:${metricsPort}/metrics (not on the main port)`, { metricsPort });
  } else {
    log.info(
      `metrics on http://${host}:${port}/metrics, without caller authentication (GATEWAY_METRICS_PORT moves them to a port of their own)`,
    );
  }
  log.info(`gateway listening on http://${host}:${port}/graphql`, { port });

  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    http.stopping();
    log.info(`${signal} received: stopping`);
    // Requests still running after the grace period are cut off, so the process always exits.
    const force = setTimeout(() => {
      log.warn('shutdown grace period over: closing the connections still open', { inFlight: http.inFlight });
      server.closeAllConnections();
      void gateway.close({ force: true });
      void tracing?.shutdown();
    }, config.shutdownTimeoutMs);
    force.unref();
    // Stops listening at once; each keep-alive connection closes as soon as it is idle.
    const finish = async () => {
      clearTimeout(force);
      try {
        await gateway.close();
        // After the requests in flight: their writes' outcomes are recorded first.
        await audit.close();
        await sandbox?.close();
        metricsServer?.closeAllConnections();
        metricsServer?.close();
        await tracing?.shutdown();
      } catch (error) {
        // The requests are answered; a pool that fails to close must not turn a clean stop into a crash.
        log.warn('closing the upstream connections failed', { error: error instanceof Error ? error.message : String(error) });
      }
      log.info('stopped');
      process.exit(0);
    };
    server.close(() => void finish());
    server.closeIdleConnections();
    log.info('no longer accepting connections; waiting for the requests in flight', {
      inFlight: http.inFlight,
      graceMs: config.shutdownTimeoutMs,
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
}

main().catch((error: unknown) => {
  log.error('gateway failed to start', { error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
