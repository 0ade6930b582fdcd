import type { DeploymentEvent, DeploymentEventType } from './deployment/events.ts';
import type { PublishingRecordEvent, PublishingRecordEventType } from './publishing-record/events.ts';
import type { SiteDeploymentsEvent } from './site-deployments/events.ts';

// Records keyed by the unions make the compiler reject an event type missing from these lists.
const PUBLISHING_RECORD_EVENT_TYPES: Record<PublishingRecordEventType, true> = {
  PublishingRecordCreated: true,
  PublishingRecordUpdated: true,
  PublishingStarted: true,
  PublishingSucceeded: true,
  PublishingFailed: true,
  PublishingRetried: true,
  PublishingRecordDeleted: true,
  PublishingRecordRepublishRequested: true,
  PublishingRedeliveryRequested: true,
};

const DEPLOYMENT_EVENT_TYPES: Record<DeploymentEventType, true> = {
  DeploymentCreated: true,
  DeploymentUpdated: true,
  DeploymentCancelled: true,
  DeploymentStarted: true,
  DeploymentSucceeded: true,
  DeploymentFailed: true,
  DeploymentRolledBack: true,
  DeploymentRepublishRequested: true,
};

/**
 * True when `evolvePublishingRecord` knows the event's type. Readers of a stream written by a newer
 * version (history, as-of reads) leave the state as it is for the others instead of failing.
 * @example
 * const state = isPublishingRecordEvent(e) ? evolvePublishingRecord(state, e) : state;
 */
export function isPublishingRecordEvent<E extends { type: string }>(event: E): event is E & PublishingRecordEvent {
  return Object.hasOwn(PUBLISHING_RECORD_EVENT_TYPES, event.type);
}

/** True when `evolveDeployment` knows the event's type (see `isPublishingRecordEvent`). */
export function isDeploymentEvent<E extends { type: string }>(event: E): event is E & DeploymentEvent {
  return Object.hasOwn(DEPLOYMENT_EVENT_TYPES, event.type);
}

const SITE_DEPLOYMENTS_EVENT_TYPES: Record<SiteDeploymentsEvent['type'], true> = { DeploymentVersionReserved: true };

/** True for an event of a site's deployment ledger (`site_deployments-…`) this version knows. */
export function isSiteDeploymentsEvent<E extends { type: string }>(event: E): event is E & SiteDeploymentsEvent {
  return Object.hasOwn(SITE_DEPLOYMENTS_EVENT_TYPES, event.type);
}
