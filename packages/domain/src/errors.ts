import type { ErrorCode } from '@publisher/contracts';
import type { DeploymentCommandType } from './deployment/commands.ts';
import type { PublishingRecordCommandType } from './publishing-record/commands.ts';

/**
 * Domain errors: each carries a stable `code` from the contracts' `STATUS_BY_CODE`, which maps it to
 * an HTTP status; the domain never decides statuses itself.
 */

/** The codes the deciders throw; each must be an `ErrorCode`, so a misspelt one does not compile. */
const DOMAIN_ERROR_CODES = [
  'ILLEGAL_TRANSITION',
  'RECORD_ALREADY_EXISTS',
  'RECORD_NOT_FOUND',
  'RECORD_DELETED',
  'DEPLOYMENT_IN_PROGRESS',
  'VALIDATION',
] as const satisfies readonly ErrorCode[];

export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

/** Which aggregate refused a command. */
export type AggregateName = 'publishing_record' | 'deployment' | 'site_deployments';

const DOMAIN_ERROR_CODE_SET: ReadonlySet<string> = new Set(DOMAIN_ERROR_CODES);

/** Base class of every error the deciders throw. */
abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
}

/** The record kinds whose commands the deciders refuse. */
type RecordAggregateName = Extract<AggregateName, 'publishing_record' | 'deployment'>;

/** A command type of either record kind. */
type RecordCommandType = PublishingRecordCommandType | DeploymentCommandType;

/** A record kind in the words of the API's paths (`/publishing-records`, `/deployments`). */
const RECORD_NOUNS: Readonly<Record<RecordAggregateName, string>> = {
  publishing_record: 'publishing record',
  deployment: 'deployment',
};

/**
 * What each command asks, in the words of the HTTP action that sends it (`POST …/rollback` →
 * 'roll back'): refusals reach API clients, who never see command type names. Typed over every
 * command type, so a new command does not compile until it has its phrase.
 */
const COMMAND_PHRASES: Readonly<Record<RecordCommandType, string>> = {
  CreatePublishingRecord: 'create',
  UpdatePublishingRecord: 'update',
  StartPublishing: 'start',
  SucceedPublishing: 'report the success of',
  FailPublishing: 'report the failure of',
  RetryPublishing: 'retry',
  DeletePublishingRecord: 'delete',
  RepublishPublishingRecord: 'republish',
  RedeliverPublishingRecord: 'redeliver',
  CreateDeployment: 'create',
  UpdateDeployment: 'update',
  CancelDeployment: 'cancel',
  StartDeployment: 'start',
  SucceedDeployment: 'report the success of',
  FailDeployment: 'report the failure of',
  RollBackDeployment: 'roll back',
  RepublishDeployment: 'republish',
};

/**
 * A status as the end of "a record that …": `is rolled back`, but `has failed` (not `is failed`).
 * @example
 * stateWords('rolled_back') // 'is rolled back'
 */
function stateWords(state: string): string {
  return state === 'failed' ? 'has failed' : `is ${state.replaceAll('_', ' ')}`;
}

/**
 * A refused command in the client's words; `condition` says why (a relative clause).
 * @example
 * refusal('deployment', 'RollBackDeployment', 'is pending') // 'cannot roll back a deployment that is pending'
 */
function refusal(aggregate: RecordAggregateName, command: RecordCommandType, condition: string): string {
  return `cannot ${COMMAND_PHRASES[command]} a ${RECORD_NOUNS[aggregate]} that ${condition}`;
}

/**
 * The command is not allowed in the record's current state. The message is for clients; `state`
 * and `command` keep the exact names for logs and tests.
 * @example
 * new IllegalTransitionError('publishing_record', 'published', 'StartPublishing').message
 * // 'cannot start a publishing record that is published'
 */
export class IllegalTransitionError extends DomainError {
  readonly code = 'ILLEGAL_TRANSITION' as const;
  constructor(
    readonly aggregate: RecordAggregateName,
    /** The current state (status) of the record. */
    readonly state: string,
    /** The refused command's type. */
    readonly command: RecordCommandType,
  ) {
    super(refusal(aggregate, command, stateWords(state)));
    this.name = 'IllegalTransitionError';
  }
}

/**
 * A create command hit a stream that already holds the record.
 * @example
 * new RecordAlreadyExistsError('deployment', id).message // 'a deployment with id 0193… already exists'
 */
export class RecordAlreadyExistsError extends DomainError {
  readonly code = 'RECORD_ALREADY_EXISTS' as const;
  constructor(
    readonly aggregate: RecordAggregateName,
    readonly id: string,
  ) {
    super(`a ${RECORD_NOUNS[aggregate]} with id ${id} already exists`);
    this.name = 'RecordAlreadyExistsError';
  }
}

/**
 * A command other than create was sent to a record that does not exist (initial state).
 * @example
 * new RecordNotFoundError('deployment', 'StartDeployment').message // 'cannot start a deployment that does not exist'
 */
export class RecordNotFoundError extends DomainError {
  readonly code = 'RECORD_NOT_FOUND' as const;
  constructor(
    readonly aggregate: RecordAggregateName,
    readonly command: RecordCommandType,
  ) {
    super(refusal(aggregate, command, 'does not exist'));
    this.name = 'RecordNotFoundError';
  }
}

/**
 * The record was soft-deleted; it refuses every command but a republish.
 * @example
 * new RecordDeletedError('publishing_record', id, 'RetryPublishing').message // 'cannot retry a publishing record that was deleted'
 */
export class RecordDeletedError extends DomainError {
  readonly code = 'RECORD_DELETED' as const;
  constructor(
    readonly aggregate: RecordAggregateName,
    readonly id: string,
    readonly command: RecordCommandType,
  ) {
    super(refusal(aggregate, command, 'was deleted'));
    this.name = 'RecordDeletedError';
  }
}

/** The site already has a pending or deploying deployment; only one may be active at a time. */
export class DeploymentInProgressError extends DomainError {
  readonly code = 'DEPLOYMENT_IN_PROGRESS' as const;
  constructor(
    readonly active_deployment_id: string,
    readonly site_id: number,
  ) {
    super(`site ${site_id} already has an active deployment: ${active_deployment_id}`);
    this.name = 'DeploymentInProgressError';
  }
}

/**
 * The command is semantically invalid whatever the state (e.g. an empty error message).
 * `errors` maps field → messages, ready for the HTTP envelope's `errors`.
 * @example
 * throw new DomainValidationError({ error: ['must not be empty'] });
 */
export class DomainValidationError extends DomainError {
  readonly code = 'VALIDATION' as const;
  constructor(readonly errors: Readonly<Record<string, readonly string[]>>) {
    super(
      `invalid command: ${Object.entries(errors)
        .map(([field, messages]) => `${field} ${messages.join(', ')}`)
        .join('; ')}`,
    );
    this.name = 'DomainValidationError';
  }
}

/** Every concrete domain error, for exhaustive `switch (err.code)` in error mappers. */
export type AnyDomainError =
  | IllegalTransitionError
  | RecordAlreadyExistsError
  | RecordNotFoundError
  | RecordDeletedError
  | DeploymentInProgressError
  | DomainValidationError;

/**
 * True for errors thrown by the deciders (checks the code, so it survives duplicated module copies).
 * @example
 * try { decidePublishingRecord(cmd, state, { at }) } catch (err) { if (isDomainError(err)) reply409or404(err.code) }
 */
export function isDomainError(err: unknown): err is AnyDomainError {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' && DOMAIN_ERROR_CODE_SET.has(err.code);
}
