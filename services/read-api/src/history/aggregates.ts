import type { DeploymentRepresentation, PublishingRecordRepresentation } from '@publisher/contracts';
import { deploymentAggregate, evolveRecord, publishingRecordAggregate, type RecordAggregate } from '@publisher/domain';
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

/**
 * The domain's aggregate as history and as-of reads fold it: over any stored event (a type this
 * code does not know leaves the state as it is), before the create as well as after.
 */
function historyOf<
  State extends { status: string },
  Existing extends State,
  Representation extends { revision: number },
>(
  // biome-ignore lint/suspicious/noExplicitAny: reads never decide, so the command and event types do not matter here.
  aggregate: RecordAggregate<State, Existing, any, any, Representation>,
): HistoryAggregate<State, Representation> {
  return {
    kind: aggregate.name,
    label: aggregate.label,
    stream: aggregate.stream,
    initial: aggregate.initial,
    // History shows what it can: an event of a type this code does not know (a newer writer's) is passed over.
    evolve: (state, event) => evolveRecord(aggregate, state, event, 'skip'),
    represent: (state, revision) => (aggregate.exists(state) ? aggregate.represent(state, revision) : null),
    tenantOf: (state) => (aggregate.exists(state) ? aggregate.tenantOf(state) : null),
    deleted: (state) => aggregate.exists(state) && aggregate.deleted(state),
  };
}

export const publishingRecordHistory = historyOf(publishingRecordAggregate);
export const deploymentHistory = historyOf(deploymentAggregate);

/** Either kind, for code that handles both alike. */
// biome-ignore lint/suspicious/noExplicitAny: the two aggregates' states differ; callers only pass them through.
export type AnyHistoryAggregate = HistoryAggregate<any, PublishingRecordRepresentation | DeploymentRepresentation>;

/** By the kind names the audit read model and the access log use. */
export const HISTORY_AGGREGATES: Readonly<Record<string, AnyHistoryAggregate>> = {
  publishing_record: publishingRecordHistory,
  deployment: deploymentHistory,
};
