import { type Static, type TSchema, Type } from 'typebox';
import { DateTime, LiteralUnion, PlatformId, Uuid } from './common.ts';
import { DeploymentRepresentation } from './deployment.ts';
import { Position } from './position.ts';
import { PublishingRecordRepresentation } from './publishing-record.ts';
import type { RedriveResult } from './redrive.ts';

/*
 * What the read API's support reads answer — history, audit search, access log, snapshot — one
 * schema per shape: the routes serialize with them, the support CLI and console read with their types.
 */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** Who caused an event: the token's `sub` and role (null for events written by no user). */
const Actor = Type.Object({
  user_id: Nullable(Type.String()),
  role: Nullable(Type.String()),
});

/** One event of a record's history, with the record after it. */
const HistoryEntry = <R extends TSchema>(representation: R) =>
  Type.Object({
    revision: Type.Integer({ minimum: 0 }),
    position: Position,
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

/** `GET publishing-records/{id}/history`'s entries. */
export const PublishingRecordHistoryEntry = HistoryEntry(PublishingRecordRepresentation);
export type PublishingRecordHistoryEntry = Static<typeof PublishingRecordHistoryEntry>;

/** `GET deployments/{id}/history`'s entries. */
export const DeploymentHistoryEntry = HistoryEntry(DeploymentRepresentation);
export type DeploymentHistoryEntry = Static<typeof DeploymentHistoryEntry>;

/** One event of `GET audit/events`. */
export const AuditEvent = Type.Object({
  event_id: Uuid,
  position: Position,
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
export type AuditEvent = Static<typeof AuditEvent>;

/** One entry of `GET audit/access-log`: a read of an account's data by someone outside it. */
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
  action: LiteralUnion(['history', 'as_of', 'audit_search', 'snapshot']),
  record_kind: Nullable(Type.String()),
  record_id: Nullable(Uuid),
  query: Type.Record(Type.String(), Type.Unknown(), { description: 'the read’s parameters' }),
  request_id: Type.String(),
});
export type AccessLogEntry = Static<typeof AccessLogEntry>;

/** One record of `GET audit/snapshot`, as it was at the snapshot's time. */
export const SnapshotEntry = Type.Object({
  kind: LiteralUnion(['publishing_record', 'deployment']),
  /** Deleted by then: listed all the same (it existed), with its state as the deletion left it. */
  deleted: Type.Boolean(),
  data: Type.Union([PublishingRecordRepresentation, DeploymentRepresentation]),
});
export type SnapshotEntry = Static<typeof SnapshotEntry>;

/** A re-drive's answer (`POST …/republish`, `…/redeliver`), of either record kind. */
export type AnyRedriveResult =
  | Static<ReturnType<typeof RedriveResult<typeof PublishingRecordRepresentation>>>
  | Static<ReturnType<typeof RedriveResult<typeof DeploymentRepresentation>>>;

/** An entry of a record's history, of either record kind. */
export type AnyHistoryEntry = PublishingRecordHistoryEntry | DeploymentHistoryEntry;
