/**
 * @publisher/domain — pure deciders and state machines of Publisher (no I/O, no clock, no random).
 * Time enters through `DecideContext.at`, ids through the commands.
 */

export type { RecordAggregate, RecordTenant } from './aggregates.ts';
export { deploymentAggregate, publishingRecordAggregate } from './aggregates.ts';
export type {
  DeadLetterRef,
  DeadLettersCommand,
  DeadLettersEvent,
  DeadLettersRedriven,
  DeadLettersState,
  RedriveDeadLetters,
} from './dead-letters/dead-letters.ts';
export {
  deadLetterKey,
  deadLettersEventTypes,
  deadLettersStream,
  decideDeadLetters,
  evolveDeadLetters,
  foldDeadLetters,
  initialDeadLettersState,
} from './dead-letters/dead-letters.ts';
export type { DecideContext } from './decide-context.ts';
export type {
  CancelDeployment,
  CreateDeployment,
  DeploymentCommand,
  DeploymentCommandType,
  FailDeployment,
  RepublishDeployment,
  RollBackDeployment,
  StartDeployment,
  SucceedDeployment,
  UpdateDeployment,
} from './deployment/commands.ts';
export { deploymentCommandTypes } from './deployment/commands.ts';
export { decideDeployment } from './deployment/decide.ts';
export type {
  DeploymentCancelled,
  DeploymentCreated,
  DeploymentEvent,
  DeploymentEventType,
  DeploymentFailed,
  DeploymentRepublishRequested,
  DeploymentRolledBack,
  DeploymentStarted,
  DeploymentSucceeded,
  DeploymentUpdated,
} from './deployment/events.ts';
export { deploymentStream } from './deployment/events.ts';
export { representDeployment } from './deployment/representation.ts';
export type {
  Deployment,
  DeploymentPhase,
  DeploymentState,
  DeploymentStatus,
  InitialDeploymentState,
} from './deployment/state.ts';
export {
  evolveDeployment,
  foldDeployment,
  initialDeploymentState,
  isActiveDeploymentStatus,
} from './deployment/state.ts';
export type { DeploymentTransitionTable } from './deployment/transitions.ts';
export {
  assertDeploymentTransition,
  deploymentTransitions,
  nextDeploymentPhase,
} from './deployment/transitions.ts';
export { deterministicUuid } from './deterministic-uuid.ts';
export type { AggregateName, AnyDomainError, DomainErrorCode } from './errors.ts';
export {
  DeploymentInProgressError,
  DomainError,
  DomainValidationError,
  IllegalTransitionError,
  isDomainError,
  RecordAlreadyExistsError,
  RecordDeletedError,
  RecordNotFoundError,
} from './errors.ts';
export { isDeploymentEvent, isPublishingRecordEvent, isSiteDeploymentsEvent } from './known-events.ts';
export type {
  CreatePublishingRecord,
  DeletePublishingRecord,
  FailPublishing,
  PublishingRecordCommand,
  PublishingRecordCommandType,
  RedeliverPublishingRecord,
  RepublishPublishingRecord,
  RetryPublishing,
  StartPublishing,
  SucceedPublishing,
  UpdatePublishingRecord,
} from './publishing-record/commands.ts';
export { publishingRecordCommandTypes } from './publishing-record/commands.ts';
export { decidePublishingRecord } from './publishing-record/decide.ts';
export type {
  PublishingFailed,
  PublishingRecordCreated,
  PublishingRecordDeleted,
  PublishingRecordEvent,
  PublishingRecordEventType,
  PublishingRecordRepublishRequested,
  PublishingRecordUpdated,
  PublishingRedeliveryRequested,
  PublishingRetried,
  PublishingStarted,
  PublishingSucceeded,
} from './publishing-record/events.ts';
export { publishingRecordStream } from './publishing-record/events.ts';
export { representPublishingRecord } from './publishing-record/representation.ts';
export type {
  InitialPublishingRecordState,
  PublishingRecord,
  PublishingRecordPhase,
  PublishingRecordState,
  PublishingStatus,
} from './publishing-record/state.ts';
export {
  evolvePublishingRecord,
  foldPublishingRecord,
  initialPublishingRecordState,
  publishingRecordPhase,
} from './publishing-record/state.ts';
export type { PublishingRecordTransitionTable } from './publishing-record/transitions.ts';
export {
  assertPublishingRecordTransition,
  nextPublishingRecordPhase,
  publishingRecordTransitions,
} from './publishing-record/transitions.ts';
export { republishRequestEventTypes } from './redrive.ts';
export type {
  AccountRepublishRequested,
  RelayCheckpointReset,
  RelayControlCommand,
  RelayControlCommandType,
  RelayControlEvent,
  RelayControlEventType,
  RelayControlState,
  RelayEventSkipped,
  RepublishAccount,
  ResetRelayCheckpoint,
  SkipRelayEvent,
} from './relay-control/relay-control.ts';
export {
  decideRelayControl,
  evolveRelayControl,
  foldRelayControl,
  initialRelayControlState,
  isRelayControlEvent,
  relayControlCommandTypes,
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
