import type { Plugin } from 'graphql-yoga';
import type { TracingConfig } from '../config.js';
import type { CallTelemetry } from '../upstream/policies.js';

/**
 * OpenTelemetry tracing, when configured: a span for each GraphQL request (its parent the caller's
 * `traceparent`), a child span for each upstream call (whose context goes upstream in `traceparent`),
 * and a grandchild for a token request one causes. Off, nothing of the SDK is loaded and no request
 * pays for it: this module holds only the shape the gateway uses, the SDK comes in with `startTracing`.
 */
export interface Tracing {
  /** The GraphQL request spans (a yoga plugin; first among the plugins, so it wraps the others). */
  readonly plugin: Plugin;
  /** The upstream call spans. */
  readonly upstream: CallTelemetry;
  /** Sends the spans ended so far. */
  flush(): Promise<void>;
  /** Sends what is left and unregisters the SDK. */
  shutdown(): Promise<void>;
}

export async function startTracing(config: TracingConfig): Promise<Tracing> {
  const { startSdk } = await import('./sdk.js');
  return startSdk(config);
}
