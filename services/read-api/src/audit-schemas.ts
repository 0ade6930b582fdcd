/**
 * Query parameters of the support reads: history, as-of, audit search, access log, snapshot. What
 * they answer is in the contracts (`PublishingRecordHistoryEntry`, `AuditEvent`, …), which the
 * support CLI and console read with too.
 */
import { DateTime, MAX_PLATFORM_ID, PageSize, PlatformId, Position, Uuid } from '@publisher/contracts';
import { type Static, Type } from 'typebox';
import { CursorParam } from './schemas.ts';

const Text = (maxLength: number, description: string) => Type.String({ minLength: 1, maxLength, description });

/** `?as_of=` / `?as_of_revision=` on `GET publishing-records/{id}` and `GET deployments/{id}`. */
export const AsOfQueryFields = {
  as_of: Type.Optional({
    ...DateTime,
    description:
      'the record as it was at this time (RFC 3339): folded from the event store up to the last event that occurred at or before it',
  }),
  as_of_revision: Type.Optional(
    Type.Integer({ minimum: 0, maximum: MAX_PLATFORM_ID, description: 'the record as it was at this revision' }),
  ),
};

export const HistoryQuery = Type.Object(
  {
    page_size: PageSize,
    from_revision: Type.Optional(
      Type.Integer({ minimum: 0, maximum: MAX_PLATFORM_ID, default: 0, description: 'first revision of the page' }),
    ),
  },
  { additionalProperties: false },
);
export type HistoryQuery = Static<typeof HistoryQuery>;

/** `?min_position=`: read-your-writes on the reads of the audit read model, as on the lists. */
const MinPosition = Type.Optional({
  ...Position,
  description: 'answer only once the read models include this log position (a command’s `X-Position`)',
});

export const AuditEventsQuery = Type.Object(
  {
    min_position: MinPosition,
    account_id: Type.Optional({
      ...PlatformId,
      description: 'roles that read any account narrow to one; others may only name their own',
    }),
    site_id: Type.Optional(PlatformId),
    record_id: Type.Optional(Uuid),
    actor: Type.Optional(Text(200, 'the acting user’s id (the token’s `sub`)')),
    correlation_id: Type.Optional(Text(200, 'events of one request or workflow')),
    type: Type.Optional(Text(200, 'event type, e.g. PublishingFailed')),
    from: Type.Optional({ ...DateTime, description: 'occurred at or after (inclusive); not later than `to`' }),
    to: Type.Optional({ ...DateTime, description: 'occurred before (exclusive)' }),
    page_size: PageSize,
    cursor: CursorParam,
  },
  { additionalProperties: false },
);
export type AuditEventsQuery = Static<typeof AuditEventsQuery>;

export const AccessLogQuery = Type.Object(
  { page_size: PageSize, cursor: CursorParam },
  { additionalProperties: false },
);
export type AccessLogQuery = Static<typeof AccessLogQuery>;

export const SnapshotQuery = Type.Object(
  {
    min_position: MinPosition,
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
