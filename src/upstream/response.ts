import type { GraphQLError } from 'graphql';
import type { ServiceId } from '../config.js';
import { codeForStatus, gatewayError, type FieldError } from '../errors.js';
import type { UpstreamResponse } from './client.js';

/** What one vendor's error body says, in the contract's terms. */
export interface VendorError {
  message?: string;
  fieldErrors?: FieldError[];
  trackingId?: string;
  vendorCode?: string;
}

export type VendorErrorParser = (json: unknown) => VendorError;

export interface ResponseContext {
  service: ServiceId;
  operation: string;
  parseError: VendorErrorParser;
}

/** The JSON body of a 2xx answer, or the GraphQL error that any other answer means. */
export function jsonBody(res: UpstreamResponse, ctx: ResponseContext): unknown {
  if (res.status >= 200 && res.status < 300) {
    if (res.json === undefined) {
      throw gatewayError('UPSTREAM_ERROR', `${ctx.service} answered ${res.status} with ${describeBody(res)} instead of JSON.`, {
        upstream: { service: ctx.service, status: res.status, operation: ctx.operation },
      });
    }
    return res.json;
  }
  throw upstreamFailure(res, ctx);
}

export function upstreamFailure(res: UpstreamResponse, ctx: ResponseContext): GraphQLError {
  const vendor = res.json !== undefined ? safeParse(ctx.parseError, res.json) : {};
  const code = res.status >= 300 && res.status < 400 ? 'UPSTREAM_ERROR' : codeForStatus(res.status);
  const retryAfter = res.retryAfter ?? (res.status === 429 || res.status === 503 ? retryAfterSeconds(res.headers['retry-after']) : undefined);
  const upstream = {
    service: ctx.service,
    status: res.status,
    operation: ctx.operation,
    ...(vendor.trackingId ? { trackingId: vendor.trackingId } : {}),
    ...(vendor.vendorCode ? { vendorCode: vendor.vendorCode } : {}),
  };
  const message = vendor.message ?? plainMessage(res, ctx.service);
  return gatewayError(code, message, {
    upstream,
    // Field errors explain a refused input; on any other failure they would point at the wrong culprit.
    ...(vendor.fieldErrors && code === 'BAD_USER_INPUT' ? { fieldErrors: vendor.fieldErrors } : {}),
    ...(retryAfter !== undefined ? { retryAfter } : {}),
  });
}

/** A 2xx answer that is JSON but not what the vendor's spec promises, e.g. "an OAuth client". */
export function unexpectedBody(service: ServiceId, operation: string, what: string): GraphQLError {
  return gatewayError('UPSTREAM_ERROR', `${service} answered with a body that is not ${what}.`, {
    upstream: { service, status: 200, operation },
  });
}

/** The body read into its GraphQL shape, or UPSTREAM_ERROR when it is not `what`. */
export function expectShape<T>(body: unknown, toShape: (value: unknown) => T | undefined, service: ServiceId, operation: string, what: string): T {
  const shape = toShape(body);
  if (shape === undefined) throw unexpectedBody(service, operation, what);
  return shape;
}

/** A vendor body that does not have the documented shape must not turn into a crash. */
function safeParse(parse: VendorErrorParser, json: unknown): VendorError {
  try {
    return parse(json);
  } catch {
    return {};
  }
}

function plainMessage(res: UpstreamResponse, service: ServiceId): string {
  if (res.status >= 300 && res.status < 400) return `${service} answered with a redirect (${res.status}), which the gateway does not follow.`;
  return `${service} answered ${res.status} with ${describeBody(res)}.`;
}

function describeBody(res: UpstreamResponse): string {
  if (res.text.trim() === '') return 'an empty body';
  const contentType = String(res.headers['content-type'] ?? '');
  if (contentType.includes('html') || /^\s*<(!doctype|html)/i.test(res.text)) return 'an HTML page';
  return res.json === undefined ? 'a body that is not JSON' : 'an unexpected JSON body';
}

/** Retry-After as whole seconds: either delta-seconds or an HTTP date. */
export function retryAfterSeconds(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

// Helpers for reading vendor error bodies, which are untyped JSON.

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
