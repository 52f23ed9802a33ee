import type { Upstream } from '../../upstream/client.js';
import type { PatchOperation } from '../../json-patch.js';
import { upstreamPath, withQuery } from '../../upstream/path.js';
import { accepted, asRecord, asString, jsonBody, type VendorError, type VendorErrorParser } from '../../upstream/response.js';

/** REST calls of the IdentityNow beta API's OAuth clients, as its OpenAPI document describes them. */

export async function listOauthClients(http: Upstream, filters: string | undefined): Promise<unknown> {
  const operation = 'listOauthClients';
  const res = await http.request({ operation, method: 'GET', path: withQuery('/oauth-clients', { filters }) });
  return jsonBody(res, { service: 'identitynow', operation, parseError: identityNowError('filters') });
}

/** The client's JSON, or undefined when IdentityNow answers 404 (a JSON body is never undefined). */
export async function getOauthClient(http: Upstream, id: string): Promise<unknown> {
  const operation = 'getOauthClient';
  const res = await http.request({ operation, method: 'GET', path: upstreamPath`/oauth-clients/${id}` });
  if (res.status === 404) return undefined;
  return jsonBody(res, { service: 'identitynow', operation, parseError: identityNowError('id') });
}

/** `field`: the GraphQL argument the operations came from, which the vendor's field errors name. */
export async function patchOauthClient(http: Upstream, id: string, ops: PatchOperation[], field: string): Promise<unknown> {
  const operation = 'patchOauthClient';
  const res = await http.request({
    operation,
    method: 'PATCH',
    path: upstreamPath`/oauth-clients/${id}`,
    body: ops,
    contentType: 'application/json-patch+json',
  });
  return jsonBody(res, { service: 'identitynow', operation, parseError: identityNowError(field) });
}

/** POST /oauth-clients: CreateOAuthClientResponse, the only answer that holds the client's secret. */
export async function createOauthClient(http: Upstream, body: Record<string, unknown>): Promise<unknown> {
  const operation = 'createOauthClient';
  const res = await http.request({ operation, method: 'POST', path: '/oauth-clients', body, contentType: 'application/json' });
  return jsonBody(res, { service: 'identitynow', operation, parseError: identityNowError('input') });
}

/** DELETE /oauth-clients/{id}: 204. */
export async function deleteOauthClient(http: Upstream, id: string): Promise<void> {
  const operation = 'deleteOauthClient';
  const res = await http.request({ operation, method: 'DELETE', path: upstreamPath`/oauth-clients/${id}` });
  accepted(res, { service: 'identitynow', operation, parseError: identityNowError('id') });
}

/**
 * IdentityNow's bodies: ErrorResponseDto {detailCode, trackingId, messages[], causes[]} for most
 * statuses, {error} for 401 and {message} for 429. `field` is the GraphQL argument the request carried.
 */
export function identityNowError(field: string): VendorErrorParser {
  return (json: unknown): VendorError => {
    const body = asRecord(json);
    if (!body) return {};
    const messages = texts(body.messages);
    const causes = texts(body.causes);
    const message = messages[0] ?? asString(body.error) ?? asString(body.message)?.trim();
    const reasons = causes.length > 0 ? causes : messages;
    return {
      ...(message ? { message: causes.length > 0 ? `${message} ${causes.join(' ')}` : message } : {}),
      ...(reasons.length > 0 ? { fieldErrors: [{ field, messages: reasons }] } : {}),
      ...(asString(body.trackingId) ? { trackingId: asString(body.trackingId) } : {}),
      ...(asString(body.detailCode) ? { vendorCode: asString(body.detailCode) } : {}),
    };
  };
}

function texts(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.map((item) => asString(asRecord(item)?.text)).filter((text): text is string => text !== undefined);
}
