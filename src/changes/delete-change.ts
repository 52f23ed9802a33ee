import type { ServiceId } from '../services/index.js';
import type { Upstream } from '../upstream/client.js';
import type { Prepared, PrepareIo } from './define.js';
import { withoutSecrets } from './inputs.js';
import { notFound } from './json-patch-change.js';
import { checkVersion } from './precondition.js';
import type { DeletedResourceShape } from './types.js';

export interface DeleteTarget {
  id: string;
  ifVersion: string | null | undefined;
  io: PrepareIo;
  service: ServiceId;
  /** The resource's path below the API root, as a plan shows it. */
  path: string;
  getOperation: string;
  /** The resource's document, or undefined when the vendor has none. */
  get(http: Upstream, id: string): Promise<unknown>;
  versionOf(document: unknown): string;
  secrets: readonly string[];
  delete(http: Upstream, id: string): Promise<void>;
}

/**
 * A delete: the resource is read first only for `ifVersion` (or a plan). Deleting what the vendor
 * does not have is NOT_FOUND. After a delete in doubt, a 404 on reading back means it was applied.
 */
export async function prepareDelete(target: DeleteTarget): Promise<Prepared<DeletedResourceShape>> {
  const { id, io } = target;
  let before: unknown = null;
  if (target.ifVersion != null || io.planning) {
    const document = await target.get(io.read, id);
    if (document === undefined) throw notFound(target.service, target.getOperation, `The resource ${id}`);
    if (target.ifVersion != null) checkVersion(target.ifVersion, target.versionOf(document), target.service, target.getOperation);
    before = withoutSecrets(document, target.secrets);
  }
  return {
    resourceId: id,
    before,
    after: null,
    changes: [],
    requests: [{ method: 'DELETE', path: target.path }],
    send: async (http) => {
      await target.delete(http, id);
      return { service: target.service, id };
    },
    readBack: async (http) => ((await target.get(http, id)) === undefined ? 'APPLIED' : 'NOT_APPLIED'),
  };
}
