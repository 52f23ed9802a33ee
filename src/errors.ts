import { GraphQLError, type ASTNode } from 'graphql';
import type { ServiceId } from './services/index.js';

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
  /** The vendor's correlation id for this failure, where its error body has one. */
  trackingId?: string;
  /** The vendor's own error code, where its error body has one. */
  vendorCode?: string;
}

declare module 'graphql' {
  interface GraphQLErrorExtensions {
    code?: ErrorCode;
    upstream?: UpstreamInfo;
    fieldErrors?: FieldError[];
    retryAfter?: number;
    limit?: LimitInfo;
    /** After a write that failed: whether it was applied, as far as the gateway could tell. */
    outcome?: WriteOutcomeCode;
    /** On a CONFLICT from ifVersion: the version the resource has now. */
    currentVersion?: string;
  }
}

/** What became of a write that failed ambiguously; NOT_APPLIED also when it provably was never sent. */
export type WriteOutcomeCode = 'APPLIED' | 'NOT_APPLIED' | 'UNKNOWN';

/** Which operation limit a refused request went over (see Config['limits']). */
export interface LimitInfo {
  name: 'depth' | 'aliases' | 'tokens' | 'upstreamCalls' | 'listPages' | 'entities' | 'stringLength' | 'nesting';
  max: number;
}

export interface GatewayErrorDetails {
  upstream?: UpstreamInfo;
  fieldErrors?: FieldError[];
  retryAfter?: number;
  outcome?: WriteOutcomeCode;
  currentVersion?: string;
}

export function gatewayError(code: ErrorCode, message: string, details: GatewayErrorDetails = {}): GraphQLError {
  const extensions: GraphQLError['extensions'] = { code };
  if (details.upstream) extensions.upstream = details.upstream;
  if (details.fieldErrors && details.fieldErrors.length > 0) extensions.fieldErrors = details.fieldErrors;
  if (details.retryAfter !== undefined) extensions.retryAfter = details.retryAfter;
  if (details.outcome !== undefined) extensions.outcome = details.outcome;
  if (details.currentVersion !== undefined) extensions.currentVersion = details.currentVersion;
  return new GraphQLError(message, { extensions });
}

export function badUserInput(fieldErrors: FieldError[]): GraphQLError {
  const message =
    fieldErrors.length === 1
      ? `Invalid input: ${fieldErrors[0]!.field}: ${fieldErrors[0]!.messages.join(' ')}`
      : `Invalid input in ${fieldErrors.length} fields: ${fieldErrors.map((e) => e.field).join(', ')}`;
  return gatewayError('BAD_USER_INPUT', message, { fieldErrors });
}

/**
 * A request over one of the operation limits: the caller's input, refused before the call it would
 * have cost. `upstream` names the upstream the refused call was meant for.
 */
export function limitExceeded(limit: LimitInfo, message: string, field?: string, upstream?: UpstreamInfo): GraphQLError {
  const extensions: GraphQLError['extensions'] = { code: 'BAD_USER_INPUT', limit };
  if (field !== undefined) extensions.fieldErrors = [{ field, messages: [message] }];
  if (upstream !== undefined) extensions.upstream = upstream;
  return new GraphQLError(message, { extensions });
}

/** An HTTP request the GraphQL server cannot take as it is (media type, encoding, CSRF header). */
export function badRequest(status: number, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_REQUEST', http: { status } } });
}

/** A body over GATEWAY_MAX_BODY_BYTES, worded and coded as graphql-yoga's own refusal. */
export function requestTooLarge(): GraphQLError {
  return new GraphQLError('Request body too large', { extensions: { code: 'REQUEST_ENTITY_TOO_LARGE', http: { status: 413 } } });
}

/** The caller did not prove who it is; `challenge` is the WWW-Authenticate value that says how to. */
export function unauthenticated(message: string, challenge: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'WWW-Authenticate': challenge } } },
  });
}

/** The caller lacks the scope the operation needs. */
export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN', http: { status: 403 } } });
}

/** A document the gateway refuses while validating it. */
export function invalidDocument(message: string, node: ASTNode): GraphQLError {
  return new GraphQLError(message, { nodes: [node], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
}

/** The same error with another message or more extensions: its locations, path and cause kept. */
export function rewritten(error: GraphQLError, message: string, extensions: GraphQLError['extensions']): GraphQLError {
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, ...extensions },
  });
}

/** The same error at `path` of the response: for an error reported beside a field's data rather than instead of it. */
export function locatedAt(error: GraphQLError, path: ReadonlyArray<string | number>): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
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
