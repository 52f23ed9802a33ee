import jsonpatch from 'fast-json-patch';
import type { Prepared, PrepareIo } from '../../changes/define.js';
import { withoutSecrets } from '../../changes/inputs.js';
import { notFound } from '../../changes/json-patch-change.js';
import { checkVersion, diffDocuments } from '../../changes/precondition.js';
import { SECRET_MARKER, type FieldChange } from '../../changes/write.js';
import { badUserInput, type FieldError, type WriteOutcomeCode } from '../../errors.js';
import { checkPatchShape, rehearsePatch, type PatchOperation } from '../../json-patch.js';
import { parsePointer } from '../../json-pointer.js';
import type { Upstream } from '../../upstream/client.js';
import { upstreamPath } from '../../upstream/path.js';
import { create, destroy, partialUpdate, retrieve, type Resource } from './client.js';
import { camelCase } from './client.js';
import { checkMember, graphqlNames, partialUpdateBody, type PartialUpdate, type WriteSurface } from './partial-update.js';
import { shortName, type Release } from './releases.js';
import { versionAt } from './spec.js';

/**
 * authentik's writes of one resource (an OAuth2 provider, an OAuth source): a partial update from a
 * typed input or from a JSON Patch of authentik's own document, a create, a delete. authentik has
 * no conditional write, so `ifVersion` is compared right before writing: the read happens in the
 * preparation, and the write leaves as soon as it is done.
 */
export interface AuthentikResource<Shape> {
  resource: Resource;
  /** What the operations call it in messages: "authentik OAuth2 provider 3". */
  what(key: string | number): string;
  surface: WriteSurface;
  /** The document's members that hold a secret: never in a plan, never patched from. */
  secrets: readonly string[];
  /** The resource's GraphQL shape from authentik's answer (UPSTREAM_ERROR when it is not the resource). */
  shape(document: unknown, operation: string): Shape & { version: string };
}

const path = (resource: Resource, key: string | number) => resource.collection + upstreamPath`${key}/`;

/** The document of `key`, or NOT_FOUND. */
async function current<Shape>(spec: AuthentikResource<Shape>, http: Upstream, key: string | number): Promise<Record<string, unknown>> {
  const document = await retrieve(http, spec.resource, key);
  if (document === undefined) throw notFound('authentik', spec.resource.retrieve, spec.what(key));
  spec.shape(document, spec.resource.retrieve);
  return document as Record<string, unknown>;
}

/** The changes of a partial update, in the caller's GraphQL names, secrets masked. */
function namedChanges(before: unknown, after: unknown, names: Readonly<Record<string, string>>, secrets: readonly string[]): FieldChange[] {
  return diffDocuments(before, after, (member) => names[member] ?? camelCase(member)).map((change) =>
    secrets.some((secret) => (names[secret] ?? camelCase(secret)) === change.field)
      ? { field: change.field, after: SECRET_MARKER }
      : change,
  );
}

/**
 * After a partial update in doubt: APPLIED when every member sent holds what was sent, NOT_APPLIED
 * when every one still holds what it held (known only when the resource was read before), UNKNOWN
 * otherwise. A member authentik does not answer (a secret) tells nothing.
 */
function outcomeOf(now: unknown, body: Record<string, unknown>, before: Record<string, unknown> | undefined): WriteOutcomeCode {
  if (typeof now !== 'object' || now === null) return 'UNKNOWN';
  const doc = now as Record<string, unknown>;
  const members = Object.keys(body).filter((member) => Object.hasOwn(doc, member));
  if (members.length === 0) return 'UNKNOWN';
  const same = (a: unknown, b: unknown) => diffDocuments({ v: a }, { v: b }).length === 0;
  if (members.every((m) => same(doc[m], body[m]))) return 'APPLIED';
  if (before && members.every((m) => same(doc[m], before[m]))) return 'NOT_APPLIED';
  return 'UNKNOWN';
}

/** The partial update's PATCH, for the mutation and for its plan. */
function preparedUpdate<Shape>(
  spec: AuthentikResource<Shape>,
  key: string | number,
  update: PartialUpdate,
  document: Record<string, unknown> | undefined,
): Prepared<Shape> {
  const before = document ? (withoutSecrets(document, spec.secrets) as Record<string, unknown>) : null;
  const after = before ? { ...before, ...(withoutSecrets(update.body, spec.secrets) as Record<string, unknown>) } : null;
  const masked = maskSecretMembers(update.body, spec.secrets);
  return {
    resourceId: String(key),
    before,
    after,
    changes: before && after ? namedChanges(before, { ...after, ...masked }, update.fieldNames, spec.secrets) : update.changes,
    requests:
      Object.keys(update.body).length === 0
        ? []
        : [{ method: 'PATCH', path: path(spec.resource, key), contentType: 'application/json', body: masked }],
    send: async (http) => {
      if (Object.keys(update.body).length === 0) return spec.shape(document, spec.resource.retrieve);
      return spec.shape(
        await partialUpdate(
          http,
          { ...spec.resource, fieldNames: update.fieldNames },
          key,
          update.body,
          secretValues(update.body, spec.secrets),
        ),
        spec.resource.partialUpdate,
      );
    },
    readBack: async (http) => outcomeOf(await retrieve(http, spec.resource, key), update.body, document),
  };
}

/** The values of the secret members a body sets. */
function secretValues(body: Record<string, unknown>, secrets: readonly string[]): string[] {
  return secrets.flatMap((member) => (typeof body[member] === 'string' ? [body[member]] : []));
}

function maskSecretMembers(body: Record<string, unknown>, secrets: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).map(([member, value]) => [member, secrets.includes(member) ? SECRET_MARKER : value]));
}

/** A typed partial update (updateOAuth2Provider, updateOAuthSource). */
export async function prepareUpdate<Shape>(
  spec: AuthentikResource<Shape>,
  key: string | number,
  input: Record<string, unknown>,
  ifVersion: string | null | undefined,
  release: () => Promise<Release>,
  io: PrepareIo,
): Promise<Prepared<Shape>> {
  const update = await partialUpdateBody(input, spec.surface, release);
  let document: Record<string, unknown> | undefined;
  if (ifVersion != null || io.planning) {
    document = await current(spec, io.read, key);
    if (ifVersion != null)
      checkVersion(ifVersion, spec.shape(document, spec.resource.retrieve).version, 'authentik', spec.resource.retrieve);
  }
  return preparedUpdate(spec, key, update, document);
}

/**
 * A JSON Patch of authentik's own document (patchOAuth2Provider, patchOAuthSource): the resource is
 * read, the operations applied to it (`test` operations evaluated there), the result checked with
 * the typed input's rules for the server's release, and only the writable top-level members that
 * changed are sent as a partial update; nothing at all when nothing changed. Secret members are
 * not in the document: an operation may set one, never read it.
 */
export async function preparePatch<Shape>(
  spec: AuthentikResource<Shape>,
  key: string | number,
  given: readonly PatchOperation[],
  maxOps: number,
  ifVersion: string | null | undefined,
  release: () => Promise<Release>,
  io: PrepareIo,
): Promise<Prepared<Shape>> {
  const ops = checkPatchShape(given, maxOps);
  checkSecretUse(ops, spec.secrets);
  const document = await current(spec, io.read, key);
  if (ifVersion != null) checkVersion(ifVersion, spec.shape(document, spec.resource.retrieve).version, 'authentik', spec.resource.retrieve);
  const before = withoutSecrets(document, spec.secrets) as Record<string, unknown>;
  // A secret is set by add, whether the patch says add or replace: the document shows none to replace.
  const applied = ops.map((op) => (op.op === 'replace' && spec.secrets.includes(member(op.path)) ? { ...op, op: 'add' as const } : op));
  rehearsePatch(before, applied);
  const after = jsonpatch.applyPatch(jsonpatch.deepClone(before), applied as jsonpatch.Operation[], false, false).newDocument as Record<
    string,
    unknown
  >;

  const at = await release();
  const errors: FieldError[] = [];
  const body: Record<string, unknown> = {};
  const names = graphqlNames(spec.surface);
  for (const change of diffDocuments(before, after)) {
    const name = change.field;
    const m = spec.surface.members[name];
    const op = ops.findIndex((o) => member(o.path) === name || (o.from !== undefined && member(o.from) === name));
    const field = `ops[${Math.max(op, 0)}].path`;
    if (!m) {
      errors.push({ field, messages: [`/${name} is not writable on authentik: it is read-only, or not a member of the resource.`] });
      continue;
    }
    if (!versionAt(m, at)) {
      errors.push({ field, messages: [`authentik ${shortName(at)} does not have /${name}.`] });
      continue;
    }
    if (!Object.hasOwn(after, name)) {
      errors.push({ field, messages: [`/${name} cannot be removed from an authentik resource; replace it instead.`] });
      continue;
    }
    const problem = await checkMember(m, after[name], async () => at);
    if (problem) errors.push({ field: `ops[${Math.max(op, 0)}].value`, messages: [`/${name}: ${problem}`] });
    else body[name] = after[name];
  }
  if (errors.length > 0) throw badUserInput(errors);
  const update: PartialUpdate = { body, changes: [], fieldNames: names };
  return {
    ...preparedUpdate(spec, key, update, document),
    changes: namedChanges(before, { ...after, ...maskSecretMembers(body, spec.secrets) }, names, spec.secrets),
  };
}

function member(pointer: string): string {
  return parsePointer(pointer)?.[0] ?? '';
}

/** No operation reads a secret member (from, test, copy); only add or replace may set it. */
function checkSecretUse(ops: readonly PatchOperation[], secrets: readonly string[]): void {
  const errors: FieldError[] = [];
  ops.forEach((op, i) => {
    if (op.from !== undefined && secrets.includes(member(op.from)))
      errors.push({ field: `ops[${i}].from`, messages: [`/${member(op.from)} is a secret: it cannot be read.`] });
    if (secrets.includes(member(op.path)) && ((op.op !== 'add' && op.op !== 'replace') || parsePointer(op.path)!.length !== 1)) {
      errors.push({ field: `ops[${i}].path`, messages: [`/${member(op.path)} is a secret: it can only be set whole (add or replace).`] });
    }
  });
  if (errors.length > 0) throw badUserInput(errors);
}

/**
 * A create (POST to the collection): the members authentik's create request requires in the server's
 * release must be given; then the same checks as an update.
 */
export async function prepareCreate<Shape, Result>(
  spec: AuthentikResource<Shape>,
  input: Record<string, unknown>,
  release: () => Promise<Release>,
  answer: (document: Record<string, unknown>, shape: Shape) => Result,
  find?: (http: Upstream, body: Record<string, unknown>) => Promise<WriteOutcomeCode>,
): Promise<Prepared<Result>> {
  const at = await release();
  const given = (field: string) => Object.hasOwn(input, field) && input[field] !== undefined;
  // A member written through conversions is given by any of their fields, and named by the first.
  const writers = (upstream: string) => {
    const fields = (spec.surface.conversions ?? []).filter((c) => c.member === upstream).map((c) => c.field);
    return fields.length > 0 ? fields : [camelCase(upstream)];
  };
  const missing = Object.entries(spec.surface.members)
    .filter(([, m]) => versionAt(m, at)?.requiredOnCreate)
    .filter(([upstream]) => !writers(upstream).some(given))
    .map(([upstream]) => ({
      field: `input.${writers(upstream)[0]}`,
      messages: [`is required to create one on authentik ${shortName(at)}.`],
    }));
  if (missing.length > 0) throw badUserInput(missing);
  const update = await partialUpdateBody(input, spec.surface, async () => at);
  const masked = maskSecretMembers(update.body, spec.secrets);
  return {
    before: null,
    after: withoutSecrets(update.body, spec.secrets),
    changes: update.changes,
    requests: [{ method: 'POST', path: spec.resource.collection, contentType: 'application/json', body: masked }],
    send: async (http) => {
      const document = await create(
        http,
        { ...spec.resource, fieldNames: update.fieldNames },
        update.body,
        secretValues(update.body, spec.secrets),
      );
      const record = typeof document === 'object' && document !== null ? (document as Record<string, unknown>) : {};
      return answer(record, spec.shape(document, spec.resource.create));
    },
    ...(find ? { readBack: (http: Upstream) => find(http, update.body) } : {}),
  };
}

/** A delete: the resource read first only for `ifVersion` or a plan; a 404 reading back after a delete in doubt means it is gone. */
export async function prepareDelete<Shape>(
  spec: AuthentikResource<Shape>,
  key: string | number,
  ifVersion: string | null | undefined,
  io: PrepareIo,
): Promise<Prepared<{ service: 'authentik'; id: string }>> {
  let before: unknown = null;
  if (ifVersion != null || io.planning) {
    const document = await current(spec, io.read, key);
    if (ifVersion != null)
      checkVersion(ifVersion, spec.shape(document, spec.resource.retrieve).version, 'authentik', spec.resource.retrieve);
    before = withoutSecrets(document, spec.secrets);
  }
  return {
    resourceId: String(key),
    before,
    after: null,
    changes: [],
    requests: [{ method: 'DELETE', path: path(spec.resource, key) }],
    send: async (http) => {
      await destroy(http, spec.resource, key);
      return { service: 'authentik', id: String(key) };
    },
    readBack: async (http) => ((await retrieve(http, spec.resource, key)) === undefined ? 'APPLIED' : 'NOT_APPLIED'),
  };
}
