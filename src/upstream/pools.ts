import { Pool } from 'undici';
import type { UpstreamLimits } from '../config.js';
import { Admission } from './admission.js';

/** One upstream origin's connections, and the queue of requests waiting for one. */
export interface Origin {
  pool: Pool;
  admission: Admission;
}

/**
 * One keep-alive connection pool per upstream origin, shared by every service and token endpoint
 * on that origin: connections carry no credential, each request brings its own header.
 */
export class UpstreamPools {
  private readonly origins = new Map<string, Origin>();
  private destroyed = false;

  constructor(private readonly limits: UpstreamLimits) {}

  /** The origin's pool and queue, created on first use; `origin` is a URL's `origin`. */
  get(origin: string): Origin {
    let entry = this.origins.get(origin);
    if (!entry) {
      entry = {
        pool: new Pool(origin, {
          connections: this.limits.maxConnections,
          // Shorter than the usual server idle timeout (Node 5 s, nginx 75 s), so the gateway closes an
          // idle connection before the server does and a request is not written into a closing socket.
          keepAliveTimeout: 4_000,
          keepAliveMaxTimeout: 60_000,
          connect: { timeout: this.limits.connectTimeoutMs },
          headersTimeout: this.limits.headersTimeoutMs,
          bodyTimeout: this.limits.bodyTimeoutMs,
        }),
        admission: new Admission(this.limits.maxConnections),
      };
      this.origins.set(origin, entry);
    }
    return entry;
  }

  /** Waits for the requests in flight, then closes every connection. */
  async close(): Promise<void> {
    if (this.destroyed) return;
    await Promise.all([...this.origins.values()].map(({ pool }) => pool.close()));
  }

  /** Cuts every connection at once, failing the requests in flight. */
  async destroy(): Promise<void> {
    this.destroyed = true;
    await Promise.all([...this.origins.values()].map(({ pool }) => pool.destroy()));
  }
}
