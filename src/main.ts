import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig, sandboxConfig, SERVICE_IDS, type Config } from './config.js';
import { createGateway } from './gateway.js';
import { log } from './log.js';
import { startSandbox, type Sandbox } from './sandbox/index.js';

// Requests still running this long after SIGTERM are cut off so the process always exits.
const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
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

  let sandbox: Sandbox | undefined;
  if (config.sandbox) {
    sandbox = await startSandbox();
    config = sandboxConfig(config, sandbox);
  }

  const gateway = createGateway(config);
  const server = createServer(gateway.yoga);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  for (const service of SERVICE_IDS) {
    const upstream = config.services[service];
    if (!upstream) log.info(`upstream ${service}: not configured (its fields answer UPSTREAM_NOT_CONFIGURED)`, { service });
    else log.info(`upstream ${service}: ${upstream.url}${sandbox ? ' (sandbox: in-memory emulation, no real vendor is called)' : ''}`, { service, url: upstream.url, sandbox: Boolean(sandbox) });
  }
  if (sandbox) log.info('sandbox mode: no *_URL variable is set, so the gateway serves in-memory emulations of the three vendor APIs');
  log.info(`gateway listening on http://${host}:${port}/graphql`, { port });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal} received: stopping`);
    const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    force.unref();
    server.closeIdleConnections();
    server.close(async () => {
      clearTimeout(force);
      await gateway.close();
      await sandbox?.close();
      log.info('stopped');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  log.error('gateway failed to start', { error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
