import type { DeploymentRepresentation, PublishingRecordRepresentation } from '@publisher/contracts';
import {
  type DeploymentState,
  deploymentStream,
  evolveDeployment,
  evolvePublishingRecord,
  initialDeploymentState,
  initialPublishingRecordState,
  isDeploymentEvent,
  isPublishingRecordEvent,
  type PublishingRecordState,
  publishingRecordStream,
  representDeployment,
  representPublishingRecord,
} from '@publisher/domain';
import type { RecordedEvent } from '@publisher/event-store';
import type { Tenant } from '@publisher/platform';

/** What history and as-of reads need of a record kind: all of it the domain's, nothing restated. */
export interface HistoryAggregate<State extends { status: string }, Representation extends { revision: number }> {
  kind: 'publishing_record' | 'deployment';
  /** For messages ("publishing record"). */
  label: string;
  stream: (id: string) => string;
  initial: State;
  /** The domain's evolve, for the event types it knows; any other type leaves the state as it is. */
  evolve: (state: State, event: RecordedEvent) => State;
  /** The domain's state → representation mapping (null before the record exists). */
  represent: (state: State, revision: number) => Representation | null;
  tenantOf: (state: State) => Tenant | null;
  deleted: (state: State) => boolean;
}

export const publishingRecordHistory: HistoryAggregate<PublishingRecordState, PublishingRecordRepresentation> = {
  kind: 'publishing_record',
  label: 'publishing record',
  stream: publishingRecordStream,
  initial: initialPublishingRecordState,
  evolve: (state, event) => (isPublishingRecordEvent(event) ? evolvePublishingRecord(state, event) : state),
  represent: (state, revision) => (state.status === 'initial' ? null : representPublishingRecord(state, revision)),
  tenantOf: (state) => (state.status === 'initial' ? null : { account_id: state.account_id, site_id: state.site_id }),
  deleted: (state) => state.status !== 'initial' && state.deleted,
};

export const deploymentHistory: HistoryAggregate<DeploymentState, DeploymentRepresentation> = {
  kind: 'deployment',
  label: 'deployment',
  stream: deploymentStream,
  initial: initialDeploymentState,
  evolve: (state, event) => (isDeploymentEvent(event) ? evolveDeployment(state, event) : state),
  represent: (state, revision) => (state.status === 'initial' ? null : representDeployment(state, revision)),
  tenantOf: (state) => (state.status === 'initial' ? null : { account_id: state.account_id, site_id: state.site_id }),
  // Deployments have no delete event.
  deleted: () => false,
};

/** Either kind, for code that handles both alike. */
// biome-ignore lint/suspicious/noExplicitAny: the two aggregates' states differ; callers only pass them through.
export type AnyHistoryAggregate = HistoryAggregate<any, PublishingRecordRepresentation | DeploymentRepresentation>;

/** By the kind names the audit read model and the access log use. */
export const HISTORY_AGGREGATES: Readonly<Record<string, AnyHistoryAggregate>> = {
  publishing_record: publishingRecordHistory,
  deployment: deploymentHistory,
};
