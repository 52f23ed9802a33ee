import jsonpatch from 'fast-json-patch';
import { GraphQLError } from 'graphql';
import { gatewayError, rewritten, type WriteOutcomeCode } from '../errors.js';
import { rehearsePatch, type PatchOperation } from '../json-patch.js';
import { parsePointer } from '../json-pointer.js';
import type { ServiceId } from '../services/index.js';
import type { Upstream } from '../upstream/client.js';
import type { Prepared, PrepareIo } from './define.js';
import { withoutSecrets } from './inputs.js';
import { checkVersion, diffDocuments } from './precondition.js';

/**
 * A change to a resource that its vendor takes as a JSON Patch: the
 * vendor evaluates the patch atomically, so a precondition travels inside it as `test` operations
 * on what the version was computed from, and the vendor itself refuses a change made in between.
 */
export interface JsonPatchResource<Result> {
  service: ServiceId;
  /** The vendor's operation ids of the read and the patch. */
  getOperation: string;
  patchOperation: string;
  /** The path of the resource below the API root, as a plan shows it. */
  path(id: string): string;
  contentType: string;
  /** The resource's document, or undefined when the vendor has none. */
  get(http: Upstream, id: string): Promise<unknown>;
  /** `field` is the GraphQL argument the caller's change came in (`ops`, `input`), for the vendor's field errors. */
  patch(http: Upstream, id: string, ops: PatchOperation[], field: string): Promise<Result>;
  /** Throws UPSTREAM_ERROR when a document is not the resource; returns its version. */
  versionOf(document: unknown): string;
  /** The `test` operations that assert, inside the patch, what the version was computed from. */
  versionTests(document: Record<string, unknown>): PatchOperation[];
  notFound(id: string): GraphQLError;
  /** Members of the document that hold a secret: never in a plan. */
  secrets: readonly string[];
  /** Patchable members the vendor never shows in a read: the gateway cannot know what they hold. */
  hidden?: readonly string[];
}

export async function preparePatch<Result>(
  resource: JsonPatchResource<Result>,
  id: string,
  ops: PatchOperation[],
  ifVersion: string | null | undefined,
  io: PrepareIo,
  argName = 'ops',
): Promise<Prepared<Result>> {
  const hidden = resource.hidden ?? [];
  const rehearse = ops.some((op) => op.op === 'test');
  let current: Record<string, unknown> | undefined;
  if (rehearse || ifVersion != null || io.planning) {
    const document = await resource.get(io.read, id);
    if (document === undefined) throw resource.notFound(id);
    const version = resource.versionOf(document);
    current = document as Record<string, unknown>;
    if (ifVersion != null) checkVersion(ifVersion, version, resource.service, resource.getOperation);
    // A failing TEST answers CONFLICT, and an index past the end BAD_USER_INPUT, before anything is written.
    // A patch that names a member the read does not show can only be judged by the vendor.
    if (!namesHidden(ops, hidden, current)) rehearsePatch(current, ops, argName);
  }
  const sent = ifVersion != null && current ? [...resource.versionTests(current), ...ops] : ops;
  const after = current ? applied(current, ops) : undefined;
  const secrets = resource.secrets;
  return {
    resourceId: id,
    before: current ? withoutSecrets(current, secrets) : null,
    after: after ? withoutSecrets(after, secrets) : null,
    changes: current && after ? diffDocuments(withoutSecrets(current, secrets), withoutSecrets(after, secrets)) : opChanges(ops),
    requests: [{ method: 'PATCH', path: resource.path(id), contentType: resource.contentType, body: sent }],
    send: async (http) => {
      try {
        return await resource.patch(http, id, sent, argName);
      } catch (error) {
        if (ifVersion == null || !(error instanceof GraphQLError) || !REFUSALS.has(error.extensions.code ?? '')) throw error;
        // Vendors answer a failed test 400, 409 or 422 alike, so the resource itself says whether it
        // changed between the read and the write: then the refusal is a conflict.
        const now = await resource.get(http, id).catch(() => undefined);
        if (now === undefined || resource.versionOf(now) === ifVersion) throw error;
        throw rewritten(
          error,
          `The resource changed while the change was on its way; nothing was written. Read it again and retry with the current version.`,
          { code: 'CONFLICT', currentVersion: resource.versionOf(now), fieldErrors: undefined },
        );
      }
    },
    readBack: async (http) => outcomeOf(await resource.get(http, id), ops, current, after, hidden),
  };
}

const REFUSALS: ReadonlySet<string> = new Set(['BAD_USER_INPUT', 'CONFLICT']);

const topMember = (pointer: string | undefined) => (pointer === undefined ? undefined : parsePointer(pointer)?.[0]);

/** Whether an operation reads or writes a hidden member the document does not hold. */
function namesHidden(ops: readonly PatchOperation[], hidden: readonly string[], document: Record<string, unknown>): boolean {
  return ops.some((op) =>
    [topMember(op.path), topMember(op.from)].some((m) => m !== undefined && hidden.includes(m) && !Object.hasOwn(document, m)),
  );
}

/** The document as the patch would leave it; the stored one untouched. */
function applied(document: Record<string, unknown>, ops: PatchOperation[]): Record<string, unknown> {
  return jsonpatch.applyPatch(jsonpatch.deepClone(document), ops as jsonpatch.Operation[], false, false).newDocument as Record<
    string,
    unknown
  >;
}

/**
 * Without a document to diff: what each operation leaves in the member it names. A whole member
 * holds what the last operation on it leaves (a typed update's `add` then `remove` is one removal).
 */
function opChanges(ops: PatchOperation[]) {
  const changes = ops
    .filter((op) => op.op !== 'test')
    .map((op) => ({
      field: op.path.slice(1),
      whole: parsePointer(op.path)?.length === 1,
      after: op.op === 'remove' ? null : op.op === 'move' || op.op === 'copy' ? { [op.op]: op.from } : op.value,
    }));
  return changes
    .filter((change, i) => !change.whole || !changes.slice(i + 1).some((later) => later.whole && later.field === change.field))
    .map(({ field, after }) => ({ field, after }));
}

/**
 * What the resource read back says of a patch in doubt: APPLIED when every member the patch touches
 * holds what the patch leaves there, NOT_APPLIED when every one still holds what it held before
 * (without a read before the patch: none holds the patch's value), UNKNOWN otherwise. A hidden
 * member reads the same whether or not it was written, so it tells nothing.
 */
export function outcomeOf(
  now: unknown,
  ops: PatchOperation[],
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown> | undefined,
  hidden: readonly string[] = [],
): WriteOutcomeCode {
  if (typeof now !== 'object' || now === null) return 'UNKNOWN';
  const current = now as Record<string, unknown>;
  const shown = (m: string | undefined): m is string => m !== undefined && !hidden.includes(m);
  const members = [
    ...new Set(
      ops
        .filter((op) => op.op !== 'test')
        .map((op) => topMember(op.path))
        .filter(shown),
    ),
  ];
  if (members.length === 0) return 'UNKNOWN';
  const same = (a: Record<string, unknown>, b: Record<string, unknown>, member: string) =>
    diffDocuments({ [member]: a[member] }, { [member]: b[member] }).length === 0;
  if (before && after) {
    if (members.every((m) => same(current, after, m))) return 'APPLIED';
    if (members.every((m) => same(current, before, m))) return 'NOT_APPLIED';
    return 'UNKNOWN';
  }
  // Only whole-member operations say what the member must hold afterwards: the last one on it.
  const byMember = new Map<string, { member: string; value: unknown; present: boolean }>();
  for (const op of ops) {
    const tokens = parsePointer(op.path);
    if (!tokens || tokens.length !== 1 || !shown(tokens[0])) continue;
    const member = tokens[0]!;
    if (op.op === 'replace' || op.op === 'add') byMember.set(member, { member, value: op.value, present: true });
    else if (op.op === 'remove') byMember.set(member, { member, value: undefined, present: false });
  }
  const expected = [...byMember.values()];
  if (expected.length === 0) return 'UNKNOWN';
  const holds = expected.map(({ member, value, present }) =>
    present ? Object.hasOwn(current, member) && same(current, { [member]: value }, member) : !Object.hasOwn(current, member),
  );
  if (holds.every(Boolean)) return 'APPLIED';
  if (holds.every((h) => !h)) return 'NOT_APPLIED';
  return 'UNKNOWN';
}

/** The NOT_FOUND of a write whose resource the vendor does not have. */
export function notFound(service: ServiceId, operation: string, what: string): GraphQLError {
  return gatewayError('NOT_FOUND', `${what} does not exist.`, { upstream: { service, status: 404, operation } });
}
