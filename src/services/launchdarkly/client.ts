import type { PatchOperation } from '../../json-patch.js';
import type { Upstream } from '../../upstream/client.js';
import { upstreamPath } from '../../upstream/path.js';
import { accepted, asRecord, asString, jsonBody, type VendorError, type VendorErrorParser } from '../../upstream/response.js';

/** REST calls of LaunchDarkly's OAuth 2.0 clients API, as its OpenAPI document describes them. */

// LaunchDarkly asks every integration to pin the API version instead of relying on the token's.
const HEADERS = { 'ld-api-version': '20240415' };

export async function getOAuthClients(http: Upstream): Promise<unknown> {
  const operation = 'getOAuthClients';
  const res = await http.request({ operation, method: 'GET', path: '/api/v2/oauth/clients', headers: HEADERS });
  return jsonBody(res, { service: 'launchdarkly', operation, parseError: launchDarklyError('id') });
}

/** The client's JSON, or undefined when LaunchDarkly answers 404 (a JSON body is never undefined). */
export async function getOAuthClientById(http: Upstream, clientId: string): Promise<unknown> {
  const operation = 'getOAuthClientById';
  const res = await http.request({ operation, method: 'GET', path: upstreamPath`/api/v2/oauth/clients/${clientId}`, headers: HEADERS });
  if (res.status === 404) return undefined;
  return jsonBody(res, { service: 'launchdarkly', operation, parseError: launchDarklyError('id') });
}

/** `field`: the GraphQL argument the operations came from, which the vendor's field errors name. */
export async function patchOAuthClient(http: Upstream, clientId: string, ops: PatchOperation[], field: string): Promise<unknown> {
  const operation = 'patchOAuthClient';
  const res = await http.request({
    operation,
    method: 'PATCH',
    path: upstreamPath`/api/v2/oauth/clients/${clientId}`,
    body: ops,
    contentType: 'application/json',
    headers: HEADERS,
  });
  return jsonBody(res, { service: 'launchdarkly', operation, parseError: launchDarklyError(field) });
}

/** POST /api/v2/oauth/clients: 201 with the Client, the only answer that holds its `_clientSecret`. */
export async function createOAuth2Client(http: Upstream, body: Record<string, unknown>): Promise<unknown> {
  const operation = 'createOAuth2Client';
  const res = await http.request({
    operation,
    method: 'POST',
    path: '/api/v2/oauth/clients',
    body,
    contentType: 'application/json',
    headers: HEADERS,
  });
  return jsonBody(res, { service: 'launchdarkly', operation, parseError: launchDarklyError('input') });
}

/** DELETE /api/v2/oauth/clients/{clientId}: 204. */
export async function deleteOAuthClient(http: Upstream, clientId: string): Promise<void> {
  const operation = 'deleteOAuthClient';
  const res = await http.request({ operation, method: 'DELETE', path: upstreamPath`/api/v2/oauth/clients/${clientId}`, headers: HEADERS });
  accepted(res, { service: 'launchdarkly', operation, parseError: launchDarklyError('id') });
}

/** LaunchDarkly's error body: {code, message, id}. `field` is the GraphQL argument the request carried. */
export function launchDarklyError(field: string): VendorErrorParser {
  return (json: unknown): VendorError => {
    const body = asRecord(json);
    const message = asString(body?.message);
    return {
      ...(message ? { message, fieldErrors: [{ field, messages: [message] }] } : {}),
      ...(asString(body?.code) ? { vendorCode: asString(body?.code) } : {}),
      ...(asString(body?.id) ? { trackingId: asString(body?.id) } : {}),
    };
  };
}
