import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { closedPort } from './ports.js';
import { handOver, spawnAs } from './unprivileged.js';

/** A real load balancer in front of gateway replicas: nginx from Debian's packages, on loopback, in the foreground. */
export interface LoadBalancer {
  url: string;
  stop(): Promise<void>;
}

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((path) => existsSync(path));
const USER = 'nobody';

export async function startNginx(backends: readonly number[]): Promise<LoadBalancer> {
  if (!NGINX) throw new Error("nginx is not installed: install Debian's nginx package (.ci/run does)");
  const dir = await mkdtemp(join(tmpdir(), 'gateway-nginx-'));
  await handOver(dir, USER);
  const port = await closedPort();
  const conf = join(dir, 'nginx.conf');
  await writeFile(
    conf,
    `worker_processes 1;
error_log stderr notice;
pid ${dir}/nginx.pid;
events { worker_connections 2048; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream gateways {
${backends.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=60s;`).join('\n')}
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://gateways;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_read_timeout 120s;
      # The default, written out: a request goes to the next replica only when it could not be
      # passed to this one; a POST that reached a replica is never sent again (no "non_idempotent").
      proxy_next_upstream error timeout;
    }
  }
}
`,
  );
  const child = spawnAs(USER, NGINX, ['-e', 'stderr', '-p', dir, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = once(child, 'exit');
  let errors = '';
  // The master opens the listening socket before it starts its worker: then connections are taken.
  await Promise.race([
    new Promise<void>((resolve) => {
      createInterface({ input: child.stderr! }).on('line', (line) => {
        if (errors.length < 10_000) errors += `${line}\n`;
        if (/start worker process/.test(line)) resolve();
      });
    }),
    exited.then(() => Promise.reject(new Error(`nginx exited before it was ready: ${errors}`))),
  ]);
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        // To the master itself (runuser may stand between): a fast shutdown.
        process.kill(Number((await readFile(join(dir, 'nginx.pid'), 'utf8')).trim()), 'SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
