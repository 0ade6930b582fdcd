import type { DeploymentRepresentation, PublishingRecordRepresentation } from '@publisher/contracts';
import type { DecideContext } from './decide-context.ts';
import type { DeploymentCommand } from './deployment/commands.ts';
import { decideDeployment } from './deployment/decide.ts';
import { type DeploymentEvent, deploymentStream } from './deployment/events.ts';
import { representDeployment } from './deployment/representation.ts';
import { type Deployment, type DeploymentState, evolveDeployment, initialDeploymentState } from './deployment/state.ts';
import type { AggregateName } from './errors.ts';
import { isDeploymentEvent, isPublishingRecordEvent } from './known-events.ts';
import type { PublishingRecordCommand } from './publishing-record/commands.ts';
import { decidePublishingRecord } from './publishing-record/decide.ts';
import { type PublishingRecordEvent, publishingRecordStream } from './publishing-record/events.ts';
import { representPublishingRecord } from './publishing-record/representation.ts';
import {
  evolvePublishingRecord,
  initialPublishingRecordState,
  type PublishingRecord,
  type PublishingRecordState,
} from './publishing-record/state.ts';

/** The tenant a record belongs to, for life (its create event sets it). */
interface RecordTenant {
  account_id: number;
  site_id: number;
  sector_id: number | null;
}

/**
 * A record kind, all of it the domain's: its stream, fold, decisions, tenant and representation.
 * The command handler decides with it; history and as-of reads fold a stream with it.
 */
export interface RecordAggregate<
  State extends { status: string },
  Existing extends State,
  Command,
  Event extends { type: string },
  Representation,
> {
  name: AggregateName & ('publishing_record' | 'deployment');
  /** For messages ("publishing record"). */
  label: string;
  stream: (id: string) => string;
  initial: State;
  evolve: (state: State, event: Event) => State;
  /** Whether a stored event is one of this kind's (a stream may hold types this code does not know). */
  isEvent: <E extends { type: string }>(event: E) => event is E & Event;
  decide: (command: Command, state: State, context: DecideContext) => Event[];
  exists: (state: State) => state is Existing;
  tenantOf: (record: Existing) => RecordTenant;
  represent: (record: Existing, revision: number) => Representation;
  /** Soft-deleted: kept for history, hidden from reads. */
  deleted: (record: Existing) => boolean;
}

export const publishingRecordAggregate: RecordAggregate<
  PublishingRecordState,
  PublishingRecord,
  PublishingRecordCommand,
  PublishingRecordEvent,
  PublishingRecordRepresentation
> = {
  name: 'publishing_record',
  label: 'publishing record',
  stream: publishingRecordStream,
  initial: initialPublishingRecordState,
  evolve: evolvePublishingRecord,
  isEvent: isPublishingRecordEvent,
  decide: decidePublishingRecord,
  exists: (state): state is PublishingRecord => state.status !== 'initial',
  tenantOf: (r) => ({ account_id: r.account_id, site_id: r.site_id, sector_id: r.sector_id }),
  represent: representPublishingRecord,
  deleted: (r) => r.deleted,
};

export const deploymentAggregate: RecordAggregate<
  DeploymentState,
  Deployment,
  DeploymentCommand,
  DeploymentEvent,
  DeploymentRepresentation
> = {
  name: 'deployment',
  label: 'deployment',
  stream: deploymentStream,
  initial: initialDeploymentState,
  evolve: evolveDeployment,
  isEvent: isDeploymentEvent,
  decide: decideDeployment,
  exists: (state): state is Deployment => state.status !== 'initial',
  tenantOf: (d) => ({ account_id: d.account_id, site_id: d.site_id, sector_id: d.sector_id }),
  represent: representDeployment,
  // Deployments have no delete event.
  deleted: () => false,
};
