import { readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../src/config.js';
import { createGateway } from '../src/gateway.js';
import { configureLog } from '../src/log.js';
import { createMetricsServer } from '../src/metrics/server.js';
import { createHttpServer } from '../src/server.js';
import { VENDORS } from '../src/services/index.js';
import { readmeSettings } from '../src/settings-help.js';
import { json, startStub, type Stub } from './helpers/stub.js';

// No Kubernetes and no Docker engine here: what can be checked is that the manifests parse, agree
// with each other and with the Dockerfile, set only variables the gateway reads, and that a gateway
// run with their environment answers their probes on their ports.
configureLog({ sink: () => {} });

const DIR = new URL('../deploy/kubernetes/', import.meta.url);
type Doc = Record<string, any>;
const docs: Doc[] = readdirSync(DIR)
  .filter((file) => file.endsWith('.yaml'))
  .flatMap((file) => parseAllDocuments(readFileSync(new URL(file, DIR), 'utf8')).map((doc) => ({ ...(doc.toJS() as Doc), file })));
const byKind = (kind: string): Doc => {
  const found = docs.filter((d) => d.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!;
};
const deployment = byKind('Deployment');
const container = deployment.spec.template.spec.containers[0];
const env: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }> = container.env;
const portNamed = (name: string) => container.ports.find((p: Doc) => p.name === name)?.containerPort as number;
const envValue = (name: string) => env.find((e) => e.name === name)?.value;
const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');

describe('the manifests', () => {
  it('parse, and the kustomization lists every manifest but the example Secret', () => {
    const kustomization = byKind('Kustomization');
    expect([...kustomization.resources].sort()).toEqual(['deployment.yaml', 'hpa.yaml', 'service.yaml']);
    expect(byKind('Secret').file).toBe('secret.example.yaml');
  });

  it('probe the paths the gateway answers, on the port it listens on', () => {
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(container.startupProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
    expect(portNamed('http')).toBe(Number(envValue('PORT')));
    expect(envValue('HOST')).toBe('0.0.0.0');
    expect(envValue('NODE_ENV')).toBe('production');
  });

  it('scrape the metrics port, which is GATEWAY_METRICS_PORT', () => {
    const annotations = deployment.spec.template.metadata.annotations;
    expect(Number(annotations['prometheus.io/port'])).toBe(portNamed('metrics'));
    expect(annotations['prometheus.io/path']).toBe('/metrics');
    expect(portNamed('metrics')).toBe(Number(envValue('GATEWAY_METRICS_PORT')));
  });

  it('the Service selects the pods and targets their ports by name', () => {
    const service = byKind('Service');
    expect(service.spec.selector).toEqual(deployment.spec.template.metadata.labels);
    expect(deployment.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
    for (const port of service.spec.ports) expect(portNamed(port.targetPort), port.name).toBeGreaterThan(0);
  });

  it('the autoscaler scales the Deployment on a CPU the container requests', () => {
    const hpa = byKind('HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
    expect(hpa.spec.metrics[0].resource.name).toBe('cpu');
    expect(container.resources.requests.cpu).toBeDefined();
    expect(container.resources.limits.memory).toBeDefined();
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
  });

  it('every credential comes from the Secret, by a key the example Secret has', () => {
    const secret = byKind('Secret');
    const fromSecret = env.filter((e) => e.valueFrom);
    expect(fromSecret.map((e) => e.name).sort()).toEqual([
      'AUTHENTIK_TOKEN',
      'GATEWAY_API_KEYS',
      // Its URL holds the database password.
      'GATEWAY_DATABASE_URL',
      'IDENTITYNOW_CLIENT_ID',
      'IDENTITYNOW_CLIENT_SECRET',
      'LAUNCHDARKLY_API_KEY',
    ]);
    for (const { valueFrom } of fromSecret) {
      expect(valueFrom!.secretKeyRef.name).toBe(secret.metadata.name);
      expect(Object.keys(secret.stringData)).toContain(valueFrom!.secretKeyRef.key);
    }
    expect(env.filter((e) => /TOKEN$|SECRET$|API_KEYS?$/.test(e.name) && e.value !== undefined)).toEqual([]);
  });

  it('sets only variables the gateway reads (the README lists them)', () => {
    const known = new Set(readmeSettings(readFileSync(new URL('../README.md', import.meta.url), 'utf8')).flatMap((s) => s.names));
    for (const { name } of env) expect(known.has(name), name).toBe(true);
  });

  it('run as the non-root user the image has, read-only, with the grace period the shutdown needs', () => {
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(`USER ${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}`).toBe(/^USER (.+)$/m.exec(dockerfile)?.[0]);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    // Replicas share one audit trail, and a read-only file system has no room for an embedded one.
    expect(deployment.spec.replicas).toBeGreaterThan(1);
    expect(env.find((e) => e.name === 'GATEWAY_DATABASE_URL')?.valueFrom?.secretKeyRef.name).toBe(byKind('Secret').metadata.name);
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(Number(envValue('SHUTDOWN_TIMEOUT_MS')) + 5_000);
  });
});

describe('the Dockerfile agrees', () => {
  it('exposes PORT, checks /health, runs dist/main.js in production', () => {
    const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(/^ENV (.+)$/m.exec(finalStage)?.[1]).toBe(`NODE_ENV=production HOST=0.0.0.0 PORT=${envValue('PORT')}`);
    expect(/^EXPOSE (\d+)$/m.exec(finalStage)?.[1]).toBe(envValue('PORT'));
    expect(/^HEALTHCHECK .*\/health/m.test(finalStage)).toBe(true);
    expect(/^CMD (.+)$/m.exec(finalStage)?.[1]).toBe('["node", "dist/main.js"]');
    expect(container.image).toMatch(/^oauth-gateway:/);
  });
});

describe('a gateway run with the Deployment’s environment', () => {
  let stub: Stub;
  const servers: Array<{ close(cb: () => void): void; closeAllConnections(): void }> = [];
  let mainPort: number;
  let metricsPort: number;
  let close: () => Promise<void>;

  beforeAll(async () => {
    stub = await startStub((req, res) =>
      req.url === '/oauth/token' ? json(res, 200, { access_token: 'tok-deploy-0123456789', expires_in: 3600 }) : json(res, 200, {}),
    );
    // The manifest's values; the vendors' URLs pointed at the stub (nothing leaves this machine), the Secret's keys with test values.
    const values: Record<string, string> = {};
    for (const e of env) {
      if (e.value !== undefined) values[e.name] = e.value;
      else if (e.name === 'GATEWAY_API_KEYS') values[e.name] = 'deploy-test-key-0123456789';
      else if (e.name === 'GATEWAY_DATABASE_URL') values[e.name] = 'postgres://gateway:test@127.0.0.1:5432/gateway';
      else values[e.name] = `test-${e.valueFrom!.secretKeyRef.key}`;
    }
    for (const vendor of VENDORS) if (values[`${vendor.envPrefix}_URL`]) values[`${vendor.envPrefix}_URL`] = `${stub.origin}/api`;
    const config = loadConfig({
      ...values,
      HOST: '127.0.0.1',
      PORT: '0',
      GATEWAY_METRICS_PORT: '0',
      IDENTITYNOW_TOKEN_URL: `${stub.origin}/oauth/token`,
    });
    expect(config.production).toBe(true);
    const gateway = createGateway(config);
    const { server } = createHttpServer(gateway.yoga, config.server);
    const metrics = createMetricsServer(gateway.metrics);
    for (const s of [server, metrics]) {
      await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
      servers.push(s);
    }
    mainPort = (server.address() as AddressInfo).port;
    metricsPort = (metrics.address() as AddressInfo).port;
    close = async () => {
      for (const s of servers) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(resolve));
      }
      await gateway.close();
      await stub.close();
    };
  });

  afterAll(async () => {
    await close();
  });

  it('answers the liveness, startup and readiness probes, without a credential', async () => {
    for (const probe of [container.livenessProbe, container.startupProbe, container.readinessProbe]) {
      const res = await fetch(`http://127.0.0.1:${mainPort}${probe.httpGet.path}`);
      expect(res.status, probe.httpGet.path).toBe(200);
    }
  });

  it('answers the scrape on the metrics port, and not on the main one', async () => {
    const path = deployment.spec.template.metadata.annotations['prometheus.io/path'];
    expect((await fetch(`http://127.0.0.1:${metricsPort}${path}`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${mainPort}${path}`)).status).toBe(404);
  });
});
