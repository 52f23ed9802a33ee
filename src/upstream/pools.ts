import { Pool } from 'undici';
import type { UpstreamLimits } from '../config.js';

/**
 * One keep-alive connection pool per upstream origin, shared by every service and token endpoint
 * on that origin: connections carry no credential, each request brings its own header.
 */
export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();
  private destroyed = false;

  constructor(private readonly limits: UpstreamLimits) {}

  /** The pool for the origin of `url`, created on first use. */
  for(url: string | URL): Pool {
    const origin = new URL(url).origin;
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connections: 32,
        // Shorter than the usual server idle timeout (Node 5 s, nginx 75 s), so the gateway closes an
        // idle connection before the server does and a request is not written into a closing socket.
        keepAliveTimeout: 4_000,
        keepAliveMaxTimeout: 60_000,
        connect: { timeout: this.limits.connectTimeoutMs },
        headersTimeout: this.limits.headersTimeoutMs,
        bodyTimeout: this.limits.bodyTimeoutMs,
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  /** Waits for the requests in flight, then closes every connection. */
  async close(): Promise<void> {
    if (this.destroyed) return;
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
  }

  /** Cuts every connection at once, failing the requests in flight. */
  async destroy(): Promise<void> {
    this.destroyed = true;
    await Promise.all([...this.pools.values()].map((pool) => pool.destroy()));
  }
}
