import { builder } from '../builder.js';
import { FieldChangeType, UpstreamService } from '../changes/schema.js';
import type { WriteOutcome } from '../changes/write.js';
import type { Context } from '../context.js';
import { gatewayError } from '../errors.js';
import { log } from '../log.js';
import { decodeCursor, encodeCursor, PageInfo, pageOf, pageSize, type PageInfoShape } from '../pagination.js';
import type { ServiceId } from '../services/index.js';
import { errorText } from './database.js';
import type { AuditEvent, AuditQuery } from './events.js';
import type { AuditTrail } from './trail.js';

/** The auditEvents query (scope oauth-gateway:audit, see src/auth/plugin.ts) and its types. */

const AuditOutcomeEnum = builder.enumType('AuditOutcome', {
  description: 'What became of a write.',
  values: {
    APPLIED: { description: 'The upstream made the change.' },
    REFUSED: { description: "The gateway's own checks refused it; nothing was sent." },
    FAILED: { description: 'The upstream refused it, or it provably did not apply.' },
    UNKNOWN: {
      description:
        'The gateway does not know: the upstream did not answer in time, the connection broke once it was sent, or the gateway stopped before it learned (completedAt null). Read the resource to know.',
    },
  } satisfies Record<WriteOutcome, unknown>,
});

const AuditEventType = builder.objectRef<AuditEvent>('AuditEvent').implement({
  description: 'One write attempted through the gateway (not a plan), with who asked for it and what became of it.',
  fields: (t) => ({
    id: t.exposeID('id', { nullable: false }),
    time: t.expose('time', { type: 'DateTime', nullable: false, description: 'When the write was attempted.' }),
    requestId: t.exposeString('requestId', {
      nullable: false,
      description: 'The X-Request-Id of the HTTP request, as in the request log.',
    }),
    caller: t.exposeString('caller', {
      nullable: false,
      description: 'Who asked, as the request log names them: apiKey:<digest prefix>, jwt:<subject>, or anonymous.',
    }),
    service: t.expose('service', { type: UpstreamService, nullable: false }),
    operation: t.exposeString('operation', { nullable: false, description: "The vendor's operation id of the write." }),
    resourceId: t.exposeString('resourceId', {
      nullable: true,
      description: 'The resource written (for a create, once the vendor named it).',
    }),
    outcome: t.expose('outcome', { type: AuditOutcomeEnum, nullable: false }),
    code: t.exposeString('code', { nullable: true, description: 'The error code the caller was given, when the write did not apply.' }),
    upstreamStatus: t.exposeInt('upstreamStatus', {
      nullable: true,
      description: "The upstream's HTTP status, when it answered with an error.",
    }),
    trackingId: t.exposeString('trackingId', {
      nullable: true,
      description: "The vendor's correlation id of its error, where it sends one.",
    }),
    changes: t.expose('changes', {
      type: [FieldChangeType],
      nullable: false,
      description: 'What the write sets, field by field; secrets read "[SECRET]".',
    }),
    completedAt: t.expose('completedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the outcome was recorded; null while the write runs, or when the gateway stopped before it knew.',
    }),
  }),
});

const AuditEventFilter = builder.inputType('AuditEventFilter', {
  description: 'Only the events that match every field given.',
  fields: (t) => ({
    services: t.field({ type: [UpstreamService], description: 'Events of these upstreams.' }),
    resourceId: t.string({ description: 'Events of this resource.' }),
    caller: t.string({ description: 'Events of this caller (the label AuditEvent.caller shows).' }),
    outcome: t.field({ type: AuditOutcomeEnum }),
    since: t.field({ type: 'DateTime', description: 'Events at or after this time.' }),
    until: t.field({ type: 'DateTime', description: 'Events before this time.' }),
  }),
});

const AuditEventConnection = builder.objectRef<{ nodes: AuditEvent[]; pageInfo: PageInfoShape }>('AuditEventConnection').implement({
  description: 'A page of the audit trail, newest first.',
  fields: (t) => ({
    nodes: t.expose('nodes', { type: [AuditEventType], nullable: false }),
    pageInfo: t.expose('pageInfo', { type: PageInfo, nullable: false }),
  }),
});

export const AUDIT_PAGE = { default: 50, max: 500 };
const CONNECTION = 'audit';
const POSITION = /^[1-9]\d{0,18}$/;

builder.queryField('auditEvents', (t) =>
  t.field({
    type: AuditEventConnection,
    nullable: false,
    description: `Every write attempted through the gateway, newest first (scope oauth-gateway:audit). first: at most ${AUDIT_PAGE.max}, ${AUDIT_PAGE.default} by default.`,
    args: {
      filter: t.arg({ type: AuditEventFilter }),
      first: t.arg.int(),
      after: t.arg.string({ description: 'The endCursor of the page before.' }),
    },
    resolve: async (_root, args, ctx) => {
      const trail = trailOf(ctx);
      const filter = args.filter ?? {};
      const query: AuditQuery = {
        first: pageSize(args.first, AUDIT_PAGE),
        ...(args.after != null ? { after: decodeCursor(CONNECTION, args.after, (p) => POSITION.test(p)) } : {}),
        ...(filter.services != null ? { services: filter.services as ServiceId[] } : {}),
        ...(filter.resourceId != null ? { resourceId: filter.resourceId } : {}),
        ...(filter.caller != null ? { caller: filter.caller } : {}),
        ...(filter.outcome != null ? { outcome: filter.outcome } : {}),
        ...(filter.since != null ? { since: new Date(filter.since) } : {}),
        ...(filter.until != null ? { until: new Date(filter.until) } : {}),
      };
      const page = await trail.events(query).catch((error: unknown) => {
        log.warn('the audit trail could not be read', { error: errorText(error) });
        throw gatewayError('AUDIT_UNAVAILABLE', 'The audit trail cannot be read right now.');
      });
      return pageOf(
        page.events,
        page.positions.map((p) => encodeCursor(CONNECTION, p)),
        page.hasNextPage,
      );
    },
  }),
);

function trailOf(ctx: Context): AuditTrail {
  if (ctx.audit) return ctx.audit;
  throw gatewayError('AUDIT_UNAVAILABLE', 'This gateway keeps no audit trail.');
}
