import { type Static, Type } from 'typebox';
import {
  DateTime,
  HttpUrl,
  JsonObject,
  JsonObjectInput,
  LiteralUnion,
  PATTERN_MESSAGE,
  PlatformId,
  Uuid,
} from './common.ts';
import { PUBLISHING_STATUSES } from './statuses.ts';

/** Lifecycle: `pending → publishing → published | failed`, `failed → pending` (retry). */
export const PublishingStatus = LiteralUnion(PUBLISHING_STATUSES);
export type PublishingStatus = Static<typeof PublishingStatus>;

/**
 * Names the destination adapter (`webhook`, `wordpress`, …): lower-case letters, digits, `_` and `-`.
 */
export const DestinationName = Type.String({
  pattern: '^[a-z][a-z0-9_-]*$',
  [PATTERN_MESSAGE]: 'must be a lower-case letter, then lower-case letters, digits, _ or -',
  minLength: 1,
  maxLength: 64,
});

/**
 * Adapter settings for the destination. It must hold no secrets (credentials live with the
 * platform's integrations); the command API refuses keys that look like credentials.
 */
export const DestinationConfig = JsonObject;
/** `DestinationConfig` as a request body gives it (keys bounded, see `JsonObjectInput`). */
export const DestinationConfigInput = JsonObjectInput;

/**
 * A publishing record as both APIs return it, field for field.
 * `revision` is the record's stream revision (also its ETag).
 */
export const PublishingRecordRepresentation = Type.Object({
  id: Uuid,
  account_id: PlatformId,
  site_id: PlatformId,
  sector_id: PlatformId,
  content_id: PlatformId,
  destination: Type.String(),
  destination_config: JsonObject,
  status: PublishingStatus,
  external_url: Type.Union([Type.String(), Type.Null()]),
  external_id: Type.Union([Type.String(), Type.Null()]),
  error_message: Type.Union([Type.String(), Type.Null()], {
    description: 'the last failure’s reason; kept through a retry, cleared by a success',
  }),
  attempts: Type.Integer({ minimum: 0 }),
  metadata: JsonObject,
  revision: Type.Integer({ minimum: 0 }),
  created_at: DateTime,
  updated_at: DateTime,
  published_at: Type.Union([DateTime, Type.Null()]),
});
export type PublishingRecordRepresentation = Static<typeof PublishingRecordRepresentation>;

/**
 * The account a create writes into, when the caller names one. Roles that write any account
 * (`developer`, `system_bot`) may name any account (and must, when their token has none); other roles
 * may only name their own. Absent: the token's account.
 */
export const TargetAccountId = {
  ...PlatformId,
  description:
    'the account to create in: any for developer and system_bot (required when their token has no account), only the token’s own for other roles; default the token’s account',
};

/** `POST publishing-records/`. The account is the token's unless the body names one (`TargetAccountId`). */
export const CreatePublishingRecordBody = Type.Object(
  {
    account_id: Type.Optional(TargetAccountId),
    content_id: PlatformId,
    site_id: PlatformId,
    sector_id: PlatformId,
    destination: DestinationName,
    destination_config: Type.Optional(DestinationConfigInput),
    metadata: Type.Optional(JsonObjectInput),
  },
  { additionalProperties: false },
);
export type CreatePublishingRecordBody = Static<typeof CreatePublishingRecordBody>;

/** `PATCH publishing-records/{id}`: editable fields while pending; at least one must be present. */
export const UpdatePublishingRecordBody = Type.Object(
  {
    destination: Type.Optional(DestinationName),
    destination_config: Type.Optional(DestinationConfigInput),
    metadata: Type.Optional(JsonObjectInput),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdatePublishingRecordBody = Static<typeof UpdatePublishingRecordBody>;

/** `POST publishing-records/{id}/succeed`. */
export const SucceedPublishingBody = Type.Object(
  {
    external_url: HttpUrl,
    external_id: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 255 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type SucceedPublishingBody = Static<typeof SucceedPublishingBody>;

/** Failure message of a publishing attempt or a deployment. */
export const FailureMessage = Type.String({ minLength: 1, maxLength: 4000 });

/** `POST publishing-records/{id}/fail`. */
export const FailPublishingBody = Type.Object({ error: FailureMessage }, { additionalProperties: false });
export type FailPublishingBody = Static<typeof FailPublishingBody>;

/** Body of the commands that take no input (`start`, `retry`): absent or `{}`. */
export const EmptyBody = Type.Object({}, { additionalProperties: false });
export type EmptyBody = Static<typeof EmptyBody>;
