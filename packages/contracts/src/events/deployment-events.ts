import { type Static, Type } from 'typebox';
import { JsonObject } from '../http/common.ts';
import { integrationEvent } from './envelope.ts';

/**
 * Public events of deployments, topic `publisher.deployments.v1`, key = deployment id.
 * `sector_id` may be null (a deployment of a whole site). `data.status` is the status after the event.
 */

/** A deployment was created with the next version of its site. */
export const DeploymentCreatedV1 = integrationEvent(
  'publisher.deployment.created',
  1,
  Type.Object({
    status: Type.Literal('pending'),
    version: Type.Integer({ minimum: 1, description: 'Unique and increasing per site.' }),
    metadata: JsonObject,
  }),
  { sectorNullable: true, description: 'A deployment was created with the next version of its site; it is pending.' },
);
export type DeploymentCreatedV1 = Static<typeof DeploymentCreatedV1>;

/** The metadata of a pending deployment was replaced; `changes` holds the new values. */
export const DeploymentUpdatedV1 = integrationEvent(
  'publisher.deployment.updated',
  1,
  Type.Object({ changes: Type.Object({ metadata: JsonObject }) }),
  {
    sectorNullable: true,
    description: 'The metadata of a pending deployment was replaced; `changes` holds the new values.',
  },
);
export type DeploymentUpdatedV1 = Static<typeof DeploymentUpdatedV1>;

/** A pending deployment was withdrawn before it ran; the site is free, the version stays taken. */
export const DeploymentCancelledV1 = integrationEvent(
  'publisher.deployment.cancelled',
  1,
  Type.Object({ status: Type.Literal('cancelled'), reason: Type.Union([Type.String(), Type.Null()]) }),
  {
    sectorNullable: true,
    description: 'A pending deployment was withdrawn before it ran; the site is free, the version stays taken.',
  },
);
export type DeploymentCancelledV1 = Static<typeof DeploymentCancelledV1>;

export const DeploymentStartedV1 = integrationEvent(
  'publisher.deployment.started',
  1,
  Type.Object({ status: Type.Literal('deploying') }),
  { sectorNullable: true, description: 'The deployment started.' },
);
export type DeploymentStartedV1 = Static<typeof DeploymentStartedV1>;

/** The site is live at `deployment_url`. */
export const DeploymentDeployedV1 = integrationEvent(
  'publisher.deployment.deployed',
  1,
  Type.Object({ status: Type.Literal('deployed'), deployment_url: Type.String({ minLength: 1 }) }),
  { sectorNullable: true, description: 'The site is live at `deployment_url`.' },
);
export type DeploymentDeployedV1 = Static<typeof DeploymentDeployedV1>;

export const DeploymentFailedV1 = integrationEvent(
  'publisher.deployment.failed',
  1,
  Type.Object({ status: Type.Literal('failed'), error: Type.String() }),
  { sectorNullable: true, description: 'The deployment failed; `error` says why.' },
);
export type DeploymentFailedV1 = Static<typeof DeploymentFailedV1>;

export const DeploymentRolledBackV1 = integrationEvent(
  'publisher.deployment.rolled_back',
  1,
  Type.Object({ status: Type.Literal('rolled_back'), reason: Type.Union([Type.String(), Type.Null()]) }),
  { sectorNullable: true, description: 'A deployed version was rolled back.' },
);
export type DeploymentRolledBackV1 = Static<typeof DeploymentRolledBackV1>;

/** Every public deployment event, current versions. */
export const DeploymentIntegrationEvent = Type.Union([
  DeploymentCreatedV1,
  DeploymentUpdatedV1,
  DeploymentCancelledV1,
  DeploymentStartedV1,
  DeploymentDeployedV1,
  DeploymentFailedV1,
  DeploymentRolledBackV1,
]);
export type DeploymentIntegrationEvent = Static<typeof DeploymentIntegrationEvent>;
