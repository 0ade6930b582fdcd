import { Type } from 'typebox';
import { At, type EventsOf, Id, Json, NullableText, Text, Uuid } from '../event-data.ts';

/**
 * Internal events of the deployment aggregate (stream `deployment-{id}`): each type's payload
 * schema. The site's version counter lives in the site-deployments ledger (see ../site-deployments).
 */
export const DEPLOYMENT_EVENT_DATA = {
  DeploymentCreated: Type.Object({
    deployment_id: Uuid,
    account_id: Id,
    site_id: Id,
    sector_id: Type.Union([Id, Type.Null()]),
    version: Id,
    metadata: Json,
    at: At,
  }),
  /** The metadata was replaced while pending; `changes` holds only what the command changed. */
  DeploymentUpdated: Type.Object({ deployment_id: Uuid, changes: Type.Object({ metadata: Json }), at: At }),
  /** A pending deployment was withdrawn: it frees its site, its version is never handed out again. */
  DeploymentCancelled: Type.Object({ deployment_id: Uuid, reason: NullableText, at: At }),
  DeploymentStarted: Type.Object({ deployment_id: Uuid, at: At }),
  DeploymentSucceeded: Type.Object({ deployment_id: Uuid, deployment_url: Text, at: At }),
  DeploymentFailed: Type.Object({ deployment_id: Uuid, error: Text, at: At }),
  DeploymentRolledBack: Type.Object({ deployment_id: Uuid, reason: NullableText, at: At }),
  /** Re-drive: the deployment's integration events are to be re-sent as replays (see the relay). */
  DeploymentRepublishRequested: Type.Object({ deployment_id: Uuid, replay_id: Uuid, reason: Text, at: At }),
};

type Events = EventsOf<typeof DEPLOYMENT_EVENT_DATA>;
export type DeploymentCreated = Events['DeploymentCreated'];
export type DeploymentUpdated = Events['DeploymentUpdated'];
export type DeploymentCancelled = Events['DeploymentCancelled'];
export type DeploymentStarted = Events['DeploymentStarted'];
export type DeploymentSucceeded = Events['DeploymentSucceeded'];
export type DeploymentFailed = Events['DeploymentFailed'];
export type DeploymentRolledBack = Events['DeploymentRolledBack'];
export type DeploymentRepublishRequested = Events['DeploymentRepublishRequested'];
export type DeploymentEvent = Events[keyof Events];
export type DeploymentEventType = DeploymentEvent['type'];

export const deploymentStream = (deploymentId: string): string => `deployment-${deploymentId}`;
