import {
  DateTime,
  DeploymentStatus,
  DestinationName,
  IdParams,
  ListEnvelope,
  PATTERN_MESSAGE,
  PageSize,
  PlatformId,
  Position,
  PublishingStatus,
  SuccessEnvelope,
} from '@publisher/contracts';
import { Document, IfNoneMatchHeader } from '@publisher/platform';
import { DEPLOYMENT_ORDER_FIELDS, PUBLISHING_RECORD_ORDER_FIELDS } from '@publisher/read-model';
import { type Static, type TObject, type TSchema, Type } from 'typebox';

/** A string (a position, a timestamp), or null. */
const NullableText = Type.Union([Type.String(), Type.Null()]);

/**
 * The list envelope of `item`, whose `results` may be one JSON document of the whole page (the
 * read model joins a page's documents).
 */
export function DocumentListEnvelope<T extends TSchema>(item: T) {
  return Type.Object({ ...ListEnvelope(item).properties, results: Document(Type.Array(item)) });
}

/** `field` ascending, `-field` descending; default newest first. */
const orderings = (fields: readonly string[]) =>
  Type.Optional(
    Type.Union(
      fields.flatMap((f) => [Type.Literal(f), Type.Literal(`-${f}`)]),
      { default: '-created_at', description: '`field` ascending, `-field` descending' },
    ),
  );

/** Query parameters every list and view accepts. */
const common = {
  min_position: Type.Optional(Position),
  account_id: Type.Optional({
    ...PlatformId,
    description:
      'roles that read any account (support, developer, system_bot) narrow to one; others may only name their own',
  }),
};

/** `?cursor=` of every paged read (lists, audit, access log, snapshot): what a link carries, as it is. */
export const CursorParam = Type.Optional(
  Type.String({
    pattern: '^[A-Za-z0-9_-]+$',
    [PATTERN_MESSAGE]: 'must be a cursor from a page’s next or previous link',
    maxLength: 400,
    description: 'continues from a row: the `next` or `previous` link of a page carries it',
  }),
);

/** Which page of a list, and whose: what every record list takes besides its filters and ordering. */
const listPaging = {
  ...common,
  page: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 10_000,
      description: 'default 1; not with `cursor` (a 400); links use `cursor`',
    }),
  ),
  cursor: CursorParam,
  page_size: PageSize,
};
export type ListPaging = Static<TObject<typeof listPaging>>;

const listCommon = {
  ...listPaging,
  site_id: Type.Optional(PlatformId),
  sector_id: Type.Optional(PlatformId),
  created_after: Type.Optional({ ...DateTime, description: 'inclusive; not later than `created_before`' }),
  created_before: Type.Optional({ ...DateTime, description: 'exclusive' }),
  updated_after: Type.Optional({ ...DateTime, description: 'inclusive; not later than `updated_before`' }),
  updated_before: Type.Optional({ ...DateTime, description: 'exclusive' }),
};

export const PublishingRecordListQuery = Type.Object(
  {
    ...listCommon,
    content_id: Type.Optional(PlatformId),
    destination: Type.Optional(DestinationName),
    status: Type.Optional(
      Type.Array(PublishingStatus, { minItems: 1, maxItems: 4, description: 'repeat or comma-separate for several' }),
    ),
    ordering: orderings(PUBLISHING_RECORD_ORDER_FIELDS),
  },
  { additionalProperties: false },
);
export type PublishingRecordListQuery = Static<typeof PublishingRecordListQuery>;

export const DeploymentListQuery = Type.Object(
  {
    ...listCommon,
    version: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })),
    status: Type.Optional(
      Type.Array(DeploymentStatus, { minItems: 1, maxItems: 6, description: 'repeat or comma-separate for several' }),
    ),
    ordering: orderings(DEPLOYMENT_ORDER_FIELDS),
  },
  { additionalProperties: false },
);
export type DeploymentListQuery = Static<typeof DeploymentListQuery>;

/** Query of single-record and per-site reads. */
export const ReadQuery = Type.Object(common, { additionalProperties: false });
export type ReadQuery = Static<typeof ReadQuery>;

/** Headers of every read: read-your-writes by header as by `min_position`. */
export const ReadHeaders = Type.Object({ 'x-min-position': Type.Optional(Position) });

/** A single record's read also answers `If-None-Match` (its ETag is the revision); lists have no ETag. */
export const RecordReadHeaders = Type.Object({
  ...ReadHeaders.properties,
  ...IfNoneMatchHeader,
});

export { IdParams };

export const SiteParams = Type.Object({ site_id: PlatformId }, { additionalProperties: false });
export type SiteParams = Static<typeof SiteParams>;

/** `GET /status` (operators). */
export const ProjectionStatus = SuccessEnvelope(
  Type.Object({
    projection: Type.String(),
    position: NullableText,
    updated_at: NullableText,
    stopped: Type.Union([
      Type.Object({
        at: Type.String(),
        event_id: Type.String(),
        event_type: Type.String(),
        position: Type.String(),
        reason: Type.String(),
      }),
      Type.Null(),
    ]),
    response_cache: Type.Object({
      /** Cached answers are current as of this checkpoint (announced by the projector's notices). */
      position: NullableText,
      entries: Type.Integer(),
      bytes: Type.Integer(),
      max_bytes: Type.Integer(),
      hits: Type.Integer(),
      misses: Type.Integer(),
    }),
  }),
);
