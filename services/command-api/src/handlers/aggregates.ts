import type { DeploymentRepresentation, PublishingRecordRepresentation } from '@publisher/contracts';
import {
  type AggregateName,
  type DecideContext,
  type Deployment,
  type DeploymentCommand,
  type DeploymentEvent,
  type DeploymentState,
  decideDeployment,
  decidePublishingRecord,
  deploymentStream,
  evolveDeployment,
  evolvePublishingRecord,
  initialDeploymentState,
  initialPublishingRecordState,
  type PublishingRecord,
  type PublishingRecordCommand,
  type PublishingRecordEvent,
  type PublishingRecordState,
  publishingRecordStream,
  representDeployment,
  representPublishingRecord,
} from '@publisher/domain';
import type { EventMetadata } from '@publisher/event-store';

/**
 * What the generic command handler needs to know about an aggregate: its stream, how to fold and
 * decide, the tenant of an existing record, and its HTTP representation.
 */
export interface AggregateSpec<
  State extends { status: string },
  Existing extends State,
  Command,
  Event extends { type: string },
  Representation,
> {
  name: AggregateName;
  /** Human name for messages ("publishing record"). */
  label: string;
  stream: (id: string) => string;
  initial: State;
  evolve: (state: State, event: Event) => State;
  decide: (command: Command, state: State, context: DecideContext) => Event[];
  exists: (state: State) => state is Existing;
  tenantOf: (state: Existing) => EventMetadata['tenant'];
  represent: (state: Existing, revision: number) => Representation;
}

export type PublishingRecordSpec = AggregateSpec<
  PublishingRecordState,
  PublishingRecord,
  PublishingRecordCommand,
  PublishingRecordEvent,
  PublishingRecordRepresentation
>;

export const publishingRecords: PublishingRecordSpec = {
  name: 'publishing_record',
  label: 'publishing record',
  stream: publishingRecordStream,
  initial: initialPublishingRecordState,
  evolve: evolvePublishingRecord,
  decide: decidePublishingRecord,
  exists: (state): state is PublishingRecord => state.status !== 'initial',
  tenantOf: (r) => ({ account_id: r.account_id, site_id: r.site_id, sector_id: r.sector_id }),
  represent: representPublishingRecord,
};

export type DeploymentSpec = AggregateSpec<
  DeploymentState,
  Deployment,
  DeploymentCommand,
  DeploymentEvent,
  DeploymentRepresentation
>;

export const deployments: DeploymentSpec = {
  name: 'deployment',
  label: 'deployment',
  stream: deploymentStream,
  initial: initialDeploymentState,
  evolve: evolveDeployment,
  decide: decideDeployment,
  exists: (state): state is Deployment => state.status !== 'initial',
  tenantOf: (d) => ({ account_id: d.account_id, site_id: d.site_id, sector_id: d.sector_id }),
  represent: representDeployment,
};
