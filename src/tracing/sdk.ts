import { context, diag, DiagLogLevel, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { TracingConfig } from '../config.js';
import { log } from '../log.js';
import type { Tracing } from './index.js';
import { requestSpans } from './request-spans.js';
import { upstreamSpans } from './upstream-spans.js';

const SERVICE_NAME = 'oauth-gateway';

/**
 * The OpenTelemetry SDK for traces alone: OTLP over HTTP (protobuf or JSON) in batches, W3C Trace
 * Context propagation only (a caller's baggage is not passed on to the vendors), the sampler of
 * OTEL_TRACES_SAMPLER (by default: follow the caller's sampled flag, sample every root).
 */
export async function startSdk(config: TracingConfig): Promise<Tracing> {
  const { OTLPTraceExporter } =
    config.protocol === 'http/json'
      ? await import('@opentelemetry/exporter-trace-otlp-http')
      : await import('@opentelemetry/exporter-trace-otlp-proto');
  // The SDK's own complaints (an unreachable collector) as log lines; its chatter is left out.
  diag.setLogger(
    {
      error: (message) => log.warn(`tracing: ${message.slice(0, 300)}`),
      warn: (message) => log.warn(`tracing: ${message.slice(0, 300)}`),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    DiagLogLevel.WARN,
  );
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the default name.
  const resource = resourceFromAttributes({ 'service.name': SERVICE_NAME }).merge(detectResources({ detectors: [envDetector] }));
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: config.endpoint }))],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  const tracer = provider.getTracer(SERVICE_NAME);
  return {
    plugin: requestSpans(tracer),
    upstream: upstreamSpans(tracer),
    flush: () => provider.forceFlush(),
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
      diag.disable();
    },
  };
}
