import type { ErrorCode } from '@publisher/contracts';

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

/**
 * The command is not allowed in the record's current state.
 * @example
 * new IllegalTransitionError('publishing_record', 'published', 'StartPublishing').message
 * // 'publishing_record: cannot StartPublishing when the record is published'
 */
export class IllegalTransitionError extends DomainError {
  readonly code = 'ILLEGAL_TRANSITION' as const;
  constructor(
    readonly aggregate: AggregateName,
    /** The current state (status) of the record. */
    readonly state: string,
    /** The refused command's type. */
    readonly command: string,
  ) {
    super(`${aggregate}: cannot ${command} when the record is ${state}`);
    this.name = 'IllegalTransitionError';
  }
}

/** A create command hit a stream that already holds the record. */
export class RecordAlreadyExistsError extends DomainError {
  readonly code = 'RECORD_ALREADY_EXISTS' as const;
  constructor(
    readonly aggregate: AggregateName,
    readonly id: string,
  ) {
    super(`${aggregate} ${id} already exists`);
    this.name = 'RecordAlreadyExistsError';
  }
}

/** A command other than create was sent to a record that does not exist (initial state). */
export class RecordNotFoundError extends DomainError {
  readonly code = 'RECORD_NOT_FOUND' as const;
  constructor(
    readonly aggregate: AggregateName,
    readonly command: string,
  ) {
    super(`${aggregate} not found (command ${command})`);
    this.name = 'RecordNotFoundError';
  }
}

/** The record was soft-deleted; it refuses every command. */
export class RecordDeletedError extends DomainError {
  readonly code = 'RECORD_DELETED' as const;
  constructor(
    readonly aggregate: AggregateName,
    readonly id: string,
    readonly command: string,
  ) {
    super(`${aggregate} ${id} was deleted (command ${command})`);
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
