import type { GraphQLError } from 'graphql';
import type { ServiceId } from '../config.js';
import { codeForStatus, gatewayError, type FieldError } from '../errors.js';
import { MAX_ANSWER_DEPTH } from './body.js';
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
    if (res.json === undefined || res.problem) {
      const what = res.problem ? describeBody(res) : `${describeBody(res)} instead of JSON`;
      throw gatewayError('UPSTREAM_ERROR', `${ctx.service} answered ${res.status} with ${what}.`, {
        upstream: { service: ctx.service, status: res.status, operation: ctx.operation },
      });
    }
    return res.json;
  }
  throw upstreamFailure(res, ctx);
}

/** A 2xx answer whose body does not matter (a delete's 204), or the GraphQL error any other answer means. */
export function accepted(res: UpstreamResponse, ctx: ResponseContext): void {
  if (res.status >= 200 && res.status < 300) return;
  throw upstreamFailure(res, ctx);
}

export function upstreamFailure(res: UpstreamResponse, ctx: ResponseContext): GraphQLError {
  const vendor = res.json !== undefined ? safeParse(ctx.parseError, res.json) : {};
  const code = res.status >= 300 && res.status < 400 ? 'UPSTREAM_ERROR' : codeForStatus(res.status);
  const retryAfter =
    res.retryAfter ?? (res.status === 429 || res.status === 503 ? retryAfterSeconds(res.headers['retry-after']) : undefined);
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
export function expectShape<T>(
  body: unknown,
  toShape: (value: unknown) => T | undefined,
  service: ServiceId,
  operation: string,
  what: string,
): T {
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
  if (res.status >= 300 && res.status < 400)
    return `${service} answered with a redirect (${res.status}), which the gateway does not follow.`;
  return `${service} answered ${res.status} with ${describeBody(res)}.`;
}

function describeBody(res: UpstreamResponse): string {
  if (res.problem?.kind === 'notUtf8') return 'a body that is not valid UTF-8';
  if (res.problem?.kind === 'tooDeep') return `JSON nested more than ${MAX_ANSWER_DEPTH} levels deep (at ${res.problem.path})`;
  if (res.text.trim() === '') return 'an empty body';
  const contentType = String(res.headers['content-type'] ?? '');
  if (contentType.includes('html') || /^\s*<(!doctype|html)/i.test(res.text)) return 'an HTML page';
  return res.json === undefined ? 'a body that is not JSON' : 'an unexpected JSON body';
}

// RFC 9110's three HTTP-date forms, all in GMT: IMF-fixdate, the obsolete RFC 850 form, and asctime.
const IMF_FIXDATE =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC_850 =
  /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \d{2}-(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ( \d|\d{2}) (\d{2}:\d{2}:\d{2}) (\d{4})$/;

// A longer wait is no plan a caller can act on; unbounded, twenty digits are no safe integer and
// four hundred are Infinity, which JSON writes as null.
export const MAX_RETRY_AFTER_SECONDS = 86_400;

/**
 * Retry-After as whole seconds, at most MAX_RETRY_AFTER_SECONDS: delta-seconds, or an HTTP date.
 * Anything else is no Retry-After at all; Date.parse alone would read "1.5" or "-1" as dates in
 * 2001 and asctime in local time.
 */
export function retryAfterSeconds(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+$/.test(value)) return Math.min(MAX_RETRY_AFTER_SECONDS, Number(value));
  let date = Number.NaN;
  if (IMF_FIXDATE.test(value) || RFC_850.test(value)) date = Date.parse(value);
  else {
    const asctime = ASCTIME.exec(value);
    if (asctime) date = Date.parse(`${asctime[2]!.trim()} ${asctime[1]} ${asctime[4]} ${asctime[3]} GMT`);
  }
  if (Number.isNaN(date)) return undefined;
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(0, Math.ceil((date - now) / 1000)));
}

// Helpers for reading vendor error bodies, which are untyped JSON.

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
