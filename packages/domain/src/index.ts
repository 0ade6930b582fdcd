/**
 * @publisher/domain — pure deciders and state machines of Publisher (no I/O, no clock, no random).
 * Time enters through `DecideContext.at`, ids through the commands.
 */

export type { RecordAggregate } from './aggregates.ts';
export { deploymentAggregate, publishingRecordAggregate } from './aggregates.ts';
export { canonicalId } from './canonical.ts';
export type {
  DeadLetterRef,
  DeadLettersCommand,
  DeadLettersEvent,
  DeadLettersState,
} from './dead-letters/dead-letters.ts';
export {
  deadLetterKey,
  deadLettersEventTypes,
  deadLettersStream,
  decideDeadLetters,
  foldDeadLetters,
} from './dead-letters/dead-letters.ts';
export type { DeploymentCommand, DeploymentCommandType } from './deployment/commands.ts';
export { decideDeployment } from './deployment/decide.ts';
export type {
  DeploymentCancelled,
  DeploymentCreated,
  DeploymentEvent,
  DeploymentEventType,
  DeploymentFailed,
  DeploymentRolledBack,
  DeploymentStarted,
  DeploymentSucceeded,
  DeploymentUpdated,
} from './deployment/events.ts';
export { DEPLOYMENT_EVENT_DATA, deploymentStream } from './deployment/events.ts';
export type { Deployment, DeploymentPhase, DeploymentState, DeploymentStatus } from './deployment/state.ts';
export { evolveDeployment, initialDeploymentState } from './deployment/state.ts';
export { deterministicUuid } from './deterministic-uuid.ts';
export type { DomainErrorCode } from './errors.ts';
export { isDomainError } from './errors.ts';
export { evolveRecord, foldRecord } from './fold.ts';
export { isDeploymentEvent, isPublishingRecordEvent, isSiteDeploymentsEvent } from './known-events.ts';
export type {
  CreatePublishingRecord,
  PublishingRecordCommand,
  PublishingRecordCommandType,
} from './publishing-record/commands.ts';
export { decidePublishingRecord } from './publishing-record/decide.ts';
export type {
  PublishingFailed,
  PublishingRecordCreated,
  PublishingRecordDeleted,
  PublishingRecordEvent,
  PublishingRecordEventType,
  PublishingStarted,
  PublishingSucceeded,
} from './publishing-record/events.ts';
export { PUBLISHING_RECORD_EVENT_DATA, publishingRecordStream } from './publishing-record/events.ts';
export type { PublishingRecord, PublishingRecordPhase, PublishingRecordState } from './publishing-record/state.ts';
export { evolvePublishingRecord, initialPublishingRecordState } from './publishing-record/state.ts';
export { republishRequestEventTypes } from './redrive.ts';
export type {
  AccountRepublishRequested,
  RelayControlCommand,
  RelayControlCommandType,
  RelayControlEvent,
  RelayControlState,
  RelayEventSkipped,
  RepublishAccount,
  ResetRelayCheckpoint,
  SkipRelayEvent,
} from './relay-control/relay-control.ts';
export {
  decideRelayControl,
  foldRelayControl,
  isRelayControlEvent,
  relayControlEventTypes,
  relayControlStream,
} from './relay-control/relay-control.ts';
export type { DeploymentVersionReserved, SiteDeploymentsEvent } from './site-deployments/events.ts';
export { siteDeploymentsStream } from './site-deployments/events.ts';
export type {
  DeploymentReservation,
  LastDeploymentStatus,
  ReserveDeploymentVersion,
  SiteDeploymentsLedger,
} from './site-deployments/ledger.ts';
export {
  decideReserveDeployment,
  deploymentCreatedEventId,
  deploymentCreatedFromReservation,
  evolveSiteDeployments,
  foldSiteDeployments,
  initialSiteDeploymentsLedger,
  siteDeploymentsExpectedRevision,
} from './site-deployments/ledger.ts';
