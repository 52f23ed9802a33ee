import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { acceptedEncoding } from '../../src/plugins/graphiql-page.js';
import { isTraceparent, RequestTrace } from '../../src/trace/request-trace.js';

describe('tracing from the OTEL_* variables', () => {
  it.each<[string, Record<string, string>, ReturnType<typeof loadConfig>['tracing']]>([
    ['nothing set: off', {}, undefined],
    [
      'a base endpoint: /v1/traces appended, protobuf',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' },
      { endpoint: 'http://collector:4318/v1/traces', protocol: 'http/protobuf' },
    ],
    [
      'a base endpoint with a path and a slash',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com/otlp/' },
      { endpoint: 'https://otel.example.com/otlp/v1/traces', protocol: 'http/protobuf' },
    ],
    [
      'the traces endpoint as it is, winning over the base one',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:4318/custom' },
      { endpoint: 'http://b:4318/custom', protocol: 'http/protobuf' },
    ],
    [
      'OTEL_TRACES_EXPORTER=otlp alone: the spec’s default endpoint',
      { OTEL_TRACES_EXPORTER: 'otlp' },
      { endpoint: 'http://localhost:4318/v1/traces', protocol: 'http/protobuf' },
    ],
    [
      'JSON',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
      { endpoint: 'http://c:4318/v1/traces', protocol: 'http/json' },
    ],
    [
      'the traces protocol wins',
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
      },
      { endpoint: 'http://c:4318/v1/traces', protocol: 'http/protobuf' },
    ],
    ['OTEL_TRACES_EXPORTER=none: off', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }, undefined],
    ['OTEL_SDK_DISABLED=true: off', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }, undefined],
  ])('%s', (_what, env, tracing) => {
    expect(loadConfig(env).tracing).toEqual(tracing);
  });

  it.each<[string, Record<string, string>, string]>([
    [
      'grpc',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
      'OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" is not supported; use http/protobuf or http/json',
    ],
    ['another exporter', { OTEL_TRACES_EXPORTER: 'zipkin' }, 'OTEL_TRACES_EXPORTER: "zipkin" is not supported; use otlp or none'],
    [
      'an endpoint with a password',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://user:pw@c:4318' },
      'OTEL_EXPORTER_OTLP_ENDPOINT must not contain credentials',
    ],
    ['not a URL', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'collector' }, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is not a valid URL'],
    ['OTEL_SDK_DISABLED not a boolean', { OTEL_SDK_DISABLED: 'yes' }, 'OTEL_SDK_DISABLED must be true or false'],
  ])('refused: %s', (_what, env, message) => {
    expect(() => loadConfig(env)).toThrow(new ConfigError(message));
  });
});

describe('LOG_LEVEL and GATEWAY_METRICS_PORT', () => {
  it.each(['debug', 'info', 'warn', 'error'] as const)('LOG_LEVEL=%s', (level) => {
    expect(loadConfig({ LOG_LEVEL: level }).logLevel).toBe(level);
  });

  it('refuses another level', () => {
    expect(() => loadConfig({ LOG_LEVEL: 'verbose' })).toThrow(new ConfigError('LOG_LEVEL must be one of debug, info, warn, error'));
  });

  it('metrics port: absent by default, a port when set, never the main one', () => {
    expect(loadConfig({}).metricsPort).toBeUndefined();
    expect(loadConfig({ GATEWAY_METRICS_PORT: '9464' }).metricsPort).toBe(9464);
    expect(() => loadConfig({ GATEWAY_METRICS_PORT: '4000' })).toThrow(new ConfigError('GATEWAY_METRICS_PORT must differ from PORT'));
    expect(() => loadConfig({ GATEWAY_METRICS_PORT: '70000' })).toThrow(
      new ConfigError('GATEWAY_METRICS_PORT must be between 0 and 65535'),
    );
  });
});

describe('the request id and trace context a caller sends', () => {
  it.each<[string, string, boolean]>([
    ['a UUID', '0f8fad5b-d9cb-469f-a165-70867728950e', true],
    ['a ULID', '01ARZ3NDEKTSV4RRFFQ69G5FAV', true],
    ['base64', 'q83vEjRWeJA=', true],
    ['dots, colons, slashes', 'svc.a:req/42', true],
    ['128 characters', 'a'.repeat(128), true],
    ['129 characters', 'a'.repeat(129), false],
    ['empty', '', false],
    ['a space', 'a b', false],
    ['a quote', 'a"b', false],
    ['a semicolon', 'a;b', false],
  ])('X-Request-Id %s', (_what, value, taken) => {
    const trace = new RequestTrace(10, new Headers({ 'x-request-id': value }));
    expect(trace.id === value).toBe(taken);
    expect(trace.upstreamHeaders['x-request-id']).toBe(trace.id);
  });

  it.each<[string, string, boolean]>([
    ['the W3C example', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', true],
    ['not sampled', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00', true],
    ['upper case hex', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01', false],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`, false],
    ['an all-zero parent id', `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01`, false],
    ['another version', '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', false],
    ['something after it', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x', false],
    ['a short trace id', '00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7-01', false],
  ])('traceparent %s', (_what, value, wellFormed) => {
    expect(isTraceparent(value)).toBe(wellFormed);
    const trace = new RequestTrace(10, new Headers({ traceparent: value }));
    expect(trace.upstreamHeaders.traceparent).toBe(wellFormed ? value : undefined);
  });
});

describe('Accept-Encoding for the GraphiQL page', () => {
  it.each<[string | null, string | undefined]>([
    [null, undefined],
    ['', undefined],
    ['identity', undefined],
    ['deflate', undefined],
    ['gzip', 'gzip'],
    ['gzip, deflate, br', 'br'],
    ['br;q=0.1, gzip;q=1', 'br'],
    ['br;q=0, gzip', 'gzip'],
    ['BR', 'br'],
    ['gzip;q=0', undefined],
    ['*', 'br'],
    ['*, br;q=0', 'gzip'],
    ['*;q=0', undefined],
  ])('%j → %s', (header, encoding) => {
    expect(acceptedEncoding(header)).toBe(encoding);
  });
});
