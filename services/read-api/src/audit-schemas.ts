/**
 * Wire shapes of the support reads: history, as-of, audit search, access log, snapshot. One TypeBox
 * schema per shape; the routes' response schemas serialize what the handlers return.
 */
import {
  DateTime,
  DeploymentRepresentation,
  PlatformId,
  PublishingRecordRepresentation,
  Uuid,
} from '@publisher/contracts';
import { type Static, type TSchema, Type } from 'typebox';
import { PositionToken } from './schemas.ts';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const PageSize = Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 }));
const CursorParam = Type.Optional(
  Type.String({ minLength: 1, maxLength: 500, description: 'from a `next` or `previous` link; opaque' }),
);
const Text = (maxLength: number, description: string) => Type.String({ minLength: 1, maxLength, description });

const Actor = Type.Object({
  user_id: Nullable(Type.String()),
  role: Nullable(Type.String()),
});

/** `?as_of=` / `?as_of_revision=` on `GET publishing-records/{id}` and `GET deployments/{id}`. */
export const AsOfQueryFields = {
  as_of: Type.Optional({
    ...DateTime,
    description:
      'the record as it was at this time (RFC 3339): folded from the event store up to the last event that occurred at or before it',
  }),
  as_of_revision: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 2_147_483_647, description: 'the record as it was at this revision' }),
  ),
};

export const HistoryQuery = Type.Object(
  {
    page_size: PageSize,
    from_revision: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 2_147_483_647, default: 0, description: 'first revision of the page' }),
    ),
  },
  { additionalProperties: false },
);
export type HistoryQuery = Static<typeof HistoryQuery>;

/** One event of a record's history, with the record after it. */
const HistoryEntry = <R extends TSchema>(representation: R) =>
  Type.Object({
    revision: Type.Integer({ minimum: 0 }),
    position: PositionToken,
    type: Type.String(),
    recorded_at: DateTime,
    occurred_at: DateTime,
    actor: Actor,
    request_id: Nullable(Type.String()),
    correlation_id: Nullable(Type.String()),
    causation_id: Nullable(Type.String()),
    data: Type.Record(Type.String(), Type.Unknown(), { description: 'the event’s own payload' }),
    changes: Type.Record(Type.String(), Type.Array(Type.Unknown(), { minItems: 2, maxItems: 2 }), {
      description: 'field → [before, after], in the representation’s field names (revision aside)',
    }),
    state: Nullable(representation),
  });

export const PublishingRecordHistoryEntry = HistoryEntry(PublishingRecordRepresentation);
export const DeploymentHistoryEntry = HistoryEntry(DeploymentRepresentation);

export const AuditEventsQuery = Type.Object(
  {
    account_id: Type.Optional({
      ...PlatformId,
      description: 'roles that read any account narrow to one; others may only name their own',
    }),
    site_id: Type.Optional(PlatformId),
    record_id: Type.Optional(Uuid),
    actor: Type.Optional(Text(200, 'the acting user’s id (the token’s `sub`)')),
    correlation_id: Type.Optional(Text(200, 'events of one request or workflow')),
    type: Type.Optional(Text(200, 'event type, e.g. PublishingFailed')),
    from: Type.Optional({ ...DateTime, description: 'occurred at or after (inclusive)' }),
    to: Type.Optional({ ...DateTime, description: 'occurred before (exclusive)' }),
    page_size: PageSize,
    cursor: CursorParam,
  },
  { additionalProperties: false },
);
export type AuditEventsQuery = Static<typeof AuditEventsQuery>;

export const AuditEvent = Type.Object({
  event_id: Uuid,
  position: PositionToken,
  type: Type.String(),
  aggregate: Type.String({ description: 'the stream’s kind: publishing_record, deployment, site_deployments, …' }),
  record_id: Nullable(Uuid),
  revision: Type.Integer({ minimum: 0 }),
  account_id: Nullable(PlatformId),
  site_id: Nullable(PlatformId),
  sector_id: Nullable(PlatformId),
  actor: Actor,
  correlation_id: Nullable(Type.String()),
  occurred_at: DateTime,
  recorded_at: DateTime,
});

export const AccessLogQuery = Type.Object(
  { page_size: PageSize, cursor: CursorParam },
  { additionalProperties: false },
);
export type AccessLogQuery = Static<typeof AccessLogQuery>;

export const AccessLogEntry = Type.Object({
  id: Type.Integer({ minimum: 1 }),
  at: DateTime,
  account_id: PlatformId,
  site_id: Nullable(PlatformId),
  reader: Type.Object({
    user_id: Type.String(),
    role: Type.String(),
    account_id: Type.Union([PlatformId, Type.Null()], { description: 'null for platform tokens of no account' }),
  }),
  action: Type.Union([
    Type.Literal('history'),
    Type.Literal('as_of'),
    Type.Literal('audit_search'),
    Type.Literal('snapshot'),
  ]),
  record_kind: Nullable(Type.String()),
  record_id: Nullable(Uuid),
  query: Type.Record(Type.String(), Type.Unknown(), { description: 'the read’s parameters' }),
  request_id: Type.String(),
});

export const SnapshotQuery = Type.Object(
  {
    account_id: Type.Optional({
      ...PlatformId,
      description: 'required for roles that read any account; others may only name their own',
    }),
    as_of: { ...DateTime, description: 'the time of the snapshot (RFC 3339)' },
    page_size: PageSize,
    cursor: CursorParam,
  },
  { additionalProperties: false },
);
export type SnapshotQuery = Static<typeof SnapshotQuery>;

export const SnapshotEntry = Type.Object({
  kind: Type.Union([Type.Literal('publishing_record'), Type.Literal('deployment')]),
  /** Deleted by then: listed all the same (it existed), with its state as the deletion left it. */
  deleted: Type.Boolean(),
  data: Type.Union([PublishingRecordRepresentation, DeploymentRepresentation]),
});
