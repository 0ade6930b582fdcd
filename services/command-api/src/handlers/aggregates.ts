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
  represent: (r, revision) => ({
    id: r.id,
    account_id: r.account_id,
    site_id: r.site_id,
    sector_id: r.sector_id,
    content_id: r.content_id,
    destination: r.destination,
    destination_config: r.destination_config,
    status: r.status,
    external_url: r.external_url,
    external_id: r.external_id,
    error_message: r.error_message,
    attempts: r.attempts,
    metadata: r.metadata,
    revision,
    created_at: r.created_at,
    updated_at: r.updated_at,
    published_at: r.published_at,
  }),
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
  represent: (d, revision) => ({
    id: d.id,
    account_id: d.account_id,
    site_id: d.site_id,
    sector_id: d.sector_id,
    version: d.version,
    status: d.status,
    deployment_url: d.deployment_url,
    error_message: d.error_message,
    metadata: d.metadata,
    revision,
    created_at: d.created_at,
    updated_at: d.updated_at,
    deployed_at: d.deployed_at,
    rolled_back_at: d.rolled_back_at,
  }),
};
