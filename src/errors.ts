import { GraphQLError } from 'graphql';
import type { ServiceId } from './config.js';

export type ErrorCode =
  | 'BAD_REQUEST'
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'UPSTREAM_ERROR'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_NOT_CONFIGURED'
  | 'AUDIT_UNAVAILABLE'
  // Refusals of the HTTP request or the document before anything runs (graphql-yoga's own codes).
  | 'REQUEST_ENTITY_TOO_LARGE'
  | 'GRAPHQL_PARSE_FAILED'
  | 'GRAPHQL_VALIDATION_FAILED'
  | 'OPERATION_RESOLUTION_FAILURE'
  // An error the gateway did not expect; its message is masked.
  | 'INTERNAL_SERVER_ERROR';

export interface FieldError {
  field: string;
  messages: string[];
}

export interface UpstreamInfo {
  service: ServiceId;
  /** HTTP status the upstream answered with; absent when it never answered. */
  status?: number;
  /** The vendor's operation id, e.g. patchOauthClient. */
  operation: string;
  /** The vendor's correlation id (identitynow trackingId, launchdarkly error id). */
  trackingId?: string;
  /** The vendor's own error code (identitynow detailCode, launchdarkly/authentik code). */
  vendorCode?: string;
}

declare module 'graphql' {
  interface GraphQLErrorExtensions {
    code?: ErrorCode;
    upstream?: UpstreamInfo;
    fieldErrors?: FieldError[];
    retryAfter?: number;
    limit?: LimitInfo;
  }
}

/** Which operation limit a refused request went over (see Config['limits']). */
export interface LimitInfo {
  name: 'depth' | 'aliases' | 'tokens' | 'upstreamCalls' | 'stringLength' | 'nesting';
  max: number;
}

export interface GatewayErrorDetails {
  upstream?: UpstreamInfo;
  fieldErrors?: FieldError[];
  retryAfter?: number;
}

export function gatewayError(code: ErrorCode, message: string, details: GatewayErrorDetails = {}): GraphQLError {
  const extensions: GraphQLError['extensions'] = { code };
  if (details.upstream) extensions.upstream = details.upstream;
  if (details.fieldErrors && details.fieldErrors.length > 0) extensions.fieldErrors = details.fieldErrors;
  if (details.retryAfter !== undefined) extensions.retryAfter = details.retryAfter;
  return new GraphQLError(message, { extensions });
}

export function badUserInput(fieldErrors: FieldError[]): GraphQLError {
  const message =
    fieldErrors.length === 1
      ? `Invalid input: ${fieldErrors[0]!.field}: ${fieldErrors[0]!.messages.join(' ')}`
      : `Invalid input in ${fieldErrors.length} fields: ${fieldErrors.map((e) => e.field).join(', ')}`;
  return gatewayError('BAD_USER_INPUT', message, { fieldErrors });
}

/** A request over one of the operation limits: the caller's input, refused before any upstream call. */
export function limitExceeded(limit: LimitInfo, message: string, field?: string): GraphQLError {
  const extensions: GraphQLError['extensions'] = { code: 'BAD_USER_INPUT', limit };
  if (field !== undefined) extensions.fieldErrors = [{ field, messages: [message] }];
  return new GraphQLError(message, { extensions });
}

/** An HTTP request the GraphQL server cannot take as it is (media type, encoding, CSRF header). */
export function badRequest(status: number, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_REQUEST', http: { status } } });
}

/** The one table from an upstream HTTP status to the contract's error code. */
export function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
    case 422:
      return 'BAD_USER_INPUT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'CONFLICT';
    case 429:
      return 'RATE_LIMITED';
    default:
      return 'UPSTREAM_ERROR';
  }
}
