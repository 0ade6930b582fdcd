import type { DestinationPolicy } from '@publisher/destination-policy';
import type { DeploymentState, PublishingRecordState } from '@publisher/domain';
import type { EventStore } from '@publisher/event-store';
import type { StateCache } from './handlers/state-cache.ts';
import type { IdempotencyStore } from './idempotency/store.ts';
import type { SiteRegistry } from './sites/registry.ts';

/** What the routes work with; built once by `buildApp`. */
export interface CommandApiDeps {
  store: EventStore;
  idempotency: IdempotencyStore;
  /** Checks on every create that the site belongs to the caller's account (SITE_REGISTRY). */
  sites: SiteRegistry;
  recordCache: StateCache<PublishingRecordState>;
  deploymentCache: StateCache<DeploymentState>;
  /** Attempts of a command that keeps losing optimistic-concurrency races before a 409. */
  maxAttempts: number;
  /** Which destinations `destination_config` may name. */
  destinationPolicy: DestinationPolicy;
  /** The clock (tests may fix it). */
  now: () => Date;
}
