import { DEPLOYMENT_EVENT_DATA, type DeploymentEvent } from './deployment/events.ts';
import { PUBLISHING_RECORD_EVENT_DATA, type PublishingRecordEvent } from './publishing-record/events.ts';
import type { SiteDeploymentsEvent } from './site-deployments/events.ts';

/**
 * True when `evolvePublishingRecord` knows the event's type. Readers of a stream written by a newer
 * version (history, as-of reads) leave the state as it is for the others instead of failing.
 * @example
 * const state = isPublishingRecordEvent(e) ? evolvePublishingRecord(state, e) : state;
 */
export function isPublishingRecordEvent<E extends { type: string }>(event: E): event is E & PublishingRecordEvent {
  return Object.hasOwn(PUBLISHING_RECORD_EVENT_DATA, event.type);
}

/** True when `evolveDeployment` knows the event's type (see `isPublishingRecordEvent`). */
export function isDeploymentEvent<E extends { type: string }>(event: E): event is E & DeploymentEvent {
  return Object.hasOwn(DEPLOYMENT_EVENT_DATA, event.type);
}

const SITE_DEPLOYMENTS_EVENT_TYPES: Record<SiteDeploymentsEvent['type'], true> = { DeploymentVersionReserved: true };

/** True for an event of a site's deployment ledger (`site_deployments-…`) this version knows. */
export function isSiteDeploymentsEvent<E extends { type: string }>(event: E): event is E & SiteDeploymentsEvent {
  return Object.hasOwn(SITE_DEPLOYMENTS_EVENT_TYPES, event.type);
}
