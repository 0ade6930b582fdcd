import { type Static, Type } from 'typebox';
import { DateTime, HttpUrl, JsonObject, JsonObjectInput, LiteralUnion, PlatformId, Uuid } from './common.ts';
import { FailureMessage, TargetAccountId } from './publishing-record.ts';
import { DEPLOYMENT_STATUSES } from './statuses.ts';

/**
 * Lifecycle: `pending → deploying → deployed | failed`, `deployed → rolled_back`, and
 * `pending → cancelled | failed`. Readers treat a status they do not know as "not active": statuses
 * may be added (as terminal ones that free the site) without breaking them.
 */
export const DeploymentStatus = LiteralUnion(DEPLOYMENT_STATUSES);
export type DeploymentStatus = Static<typeof DeploymentStatus>;

/**
 * A deployment as both APIs return it, field for field.
 * `version` is unique and increasing per site; `revision` is the stream revision (also its ETag).
 */
export const DeploymentRepresentation = Type.Object({
  id: Uuid,
  account_id: PlatformId,
  site_id: PlatformId,
  sector_id: Type.Union([PlatformId, Type.Null()]),
  version: Type.Integer({ minimum: 1 }),
  status: DeploymentStatus,
  deployment_url: Type.Union([Type.String(), Type.Null()]),
  error_message: Type.Union([Type.String(), Type.Null()], { description: 'why the deployment failed' }),
  metadata: JsonObject,
  revision: Type.Integer({ minimum: 0 }),
  created_at: DateTime,
  updated_at: DateTime,
  deployed_at: Type.Union([DateTime, Type.Null()]),
  rolled_back_at: Type.Union([DateTime, Type.Null()]),
});
export type DeploymentRepresentation = Static<typeof DeploymentRepresentation>;

/**
 * A site's deployment status (`GET sites/{site_id}/deployment-status`): what is live on it (highest
 * deployed version not rolled back; null when nothing is) and how its latest deployment went.
 */
export const SiteDeploymentStatusRepresentation = Type.Object({
  account_id: PlatformId,
  site_id: PlatformId,
  deployments_count: Type.Integer({ minimum: 1 }),
  live: Type.Union([
    Type.Object({
      deployment_id: Uuid,
      version: Type.Integer({ minimum: 1 }),
      deployment_url: Type.Union([Type.String(), Type.Null()]),
      deployed_at: Type.Union([DateTime, Type.Null()]),
    }),
    Type.Null(),
  ]),
  last_deployment: Type.Object({
    deployment_id: Uuid,
    version: Type.Integer({ minimum: 1 }),
    status: DeploymentStatus,
    error_message: Type.Union([Type.String(), Type.Null()]),
    updated_at: DateTime,
  }),
});
export type SiteDeploymentStatusRepresentation = Static<typeof SiteDeploymentStatusRepresentation>;

/**
 * `POST deployments/` and the root `POST deploy`: the version is assigned by the site's ledger.
 * `account_id`: see `CreatePublishingRecordBody`.
 */
export const CreateDeploymentBody = Type.Object(
  {
    account_id: Type.Optional(TargetAccountId),
    site_id: PlatformId,
    sector_id: Type.Optional(Type.Union([PlatformId, Type.Null()])),
    metadata: Type.Optional(JsonObjectInput),
  },
  { additionalProperties: false },
);
export type CreateDeploymentBody = Static<typeof CreateDeploymentBody>;

/** `PATCH deployments/{id}`: replaces the metadata while the deployment is pending. */
export const UpdateDeploymentBody = Type.Object({ metadata: JsonObjectInput }, { additionalProperties: false });
export type UpdateDeploymentBody = Static<typeof UpdateDeploymentBody>;

/** Why a deployment is cancelled or rolled back: optional, kept in its history and on Kafka. */
const OptionalReason = Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 1000 }), Type.Null()]));

/** `POST deployments/{id}/cancel`: withdraws a pending deployment. */
export const CancelDeploymentBody = Type.Object({ reason: OptionalReason }, { additionalProperties: false });
export type CancelDeploymentBody = Static<typeof CancelDeploymentBody>;

/** `POST deployments/{id}/succeed`. */
export const SucceedDeploymentBody = Type.Object({ deployment_url: HttpUrl }, { additionalProperties: false });
export type SucceedDeploymentBody = Static<typeof SucceedDeploymentBody>;

/** `POST deployments/{id}/fail`. */
export const FailDeploymentBody = Type.Object({ error: FailureMessage }, { additionalProperties: false });
export type FailDeploymentBody = Static<typeof FailDeploymentBody>;

/** `POST deployments/{id}/rollback`. */
export const RollbackDeploymentBody = Type.Object({ reason: OptionalReason }, { additionalProperties: false });
export type RollbackDeploymentBody = Static<typeof RollbackDeploymentBody>;
