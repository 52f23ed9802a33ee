import type { FieldError } from '../../errors.js';
import type { Upstream } from '../../upstream/client.js';
import { upstreamPath, withQuery } from '../../upstream/path.js';
import { accepted, asRecord, asString, jsonBody, type VendorError, type VendorErrorParser } from '../../upstream/response.js';

/** REST calls of authentik 2024.8's OAuth2 providers and OAuth sources (paths keep their trailing slash). */

export interface ListParams {
  page?: number;
  page_size?: number;
  search?: string;
  ordering?: string;
}

export interface Resource {
  /** The collection path, e.g. /providers/oauth2/ */
  collection: string;
  list: string;
  retrieve: string;
  partialUpdate: string;
  create: string;
  destroy: string;
  /** GraphQL names of the writable fields by upstream name, so field errors speak the caller's names. */
  fieldNames: Readonly<Record<string, string>>;
}

export async function list(http: Upstream, resource: Resource, params: ListParams): Promise<unknown> {
  const res = await http.request({ operation: resource.list, method: 'GET', path: withQuery(resource.collection, { ...params }) });
  return jsonBody(res, { service: 'authentik', operation: resource.list, parseError: authentikError(resource.fieldNames) });
}

/** The resource's JSON, or undefined when authentik answers 404 (a JSON body is never undefined). */
export async function retrieve(http: Upstream, resource: Resource, key: string | number): Promise<unknown> {
  const res = await http.request({ operation: resource.retrieve, method: 'GET', path: resource.collection + upstreamPath`${key}/` });
  if (res.status === 404) return undefined;
  return jsonBody(res, { service: 'authentik', operation: resource.retrieve, parseError: authentikError(resource.fieldNames) });
}

/** `secrets`: the values of the secret members `body` sets, kept out of an error that quotes them. */
export async function partialUpdate(
  http: Upstream,
  resource: Resource,
  key: string | number,
  body: Record<string, unknown>,
  secrets: readonly string[],
): Promise<unknown> {
  const res = await http.request({
    operation: resource.partialUpdate,
    method: 'PATCH',
    path: resource.collection + upstreamPath`${key}/`,
    body,
    contentType: 'application/json',
    secrets,
  });
  return jsonBody(res, { service: 'authentik', operation: resource.partialUpdate, parseError: authentikError(resource.fieldNames) });
}

/** POST to the collection: 201 with the resource (a provider's answer shows its client_secret). `secrets` as for partialUpdate. */
export async function create(
  http: Upstream,
  resource: Resource,
  body: Record<string, unknown>,
  secrets: readonly string[],
): Promise<unknown> {
  const res = await http.request({
    operation: resource.create,
    method: 'POST',
    path: resource.collection,
    body,
    contentType: 'application/json',
    secrets,
  });
  return jsonBody(res, { service: 'authentik', operation: resource.create, parseError: authentikError(resource.fieldNames) });
}

/** DELETE of one resource: 204. */
export async function destroy(http: Upstream, resource: Resource, key: string | number): Promise<void> {
  const res = await http.request({ operation: resource.destroy, method: 'DELETE', path: resource.collection + upstreamPath`${key}/` });
  accepted(res, { service: 'authentik', operation: resource.destroy, parseError: authentikError(resource.fieldNames) });
}

/**
 * authentik (Django REST framework) bodies: GenericError {detail, code}, or ValidationError
 * {field: [messages], non_field_errors: [messages]} with nested objects and lists for nested fields.
 */
export function authentikError(fieldNames: Readonly<Record<string, string>>): VendorErrorParser {
  return (json: unknown): VendorError => {
    const body = asRecord(json);
    if (!body) return {};
    const detail = asString(body.detail);
    const code = asString(body.code);
    if (detail) return { message: detail, ...(code ? { vendorCode: code } : {}) };
    const fieldErrors: FieldError[] = [];
    for (const [key, value] of Object.entries(body)) {
      if (key === 'code') continue;
      const field = key === 'non_field_errors' ? 'input' : (fieldNames[key] ?? camelCase(key));
      collect(field, value, fieldErrors);
    }
    if (fieldErrors.length === 0) return code ? { vendorCode: code } : {};
    const message = fieldErrors.map((e) => `${e.field}: ${e.messages.join(' ')}`).join('; ');
    return { message, fieldErrors, ...(code ? { vendorCode: code } : {}) };
  };
}

function collect(field: string, value: unknown, out: FieldError[]): void {
  if (typeof value === 'string') {
    out.push({ field, messages: [value] });
    return;
  }
  if (Array.isArray(value)) {
    const messages = value.filter((item): item is string => typeof item === 'string');
    if (messages.length > 0) out.push({ field, messages });
    value.forEach((item, i) => {
      if (typeof item === 'object' && item !== null) collect(`${field}[${i}]`, item, out);
    });
    return;
  }
  const record = asRecord(value);
  if (record) for (const [key, nested] of Object.entries(record)) collect(`${field}.${camelCase(key)}`, nested, out);
}

export function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}
