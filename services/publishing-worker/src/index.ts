/**
 * @publisher/publishing-worker — publishes pending publishing records to their destinations
 * (webhook, WordPress) and records the outcome through the command API. See ../README.md.
 */

export { cleanText } from './clean-text.ts';
export { type CommandClient, type CommandOutcome, createCommandClient } from './command-client.ts';
export {
  DEFAULT_WORKER_PORT,
  loadWorkerConfig,
  type WorkerConfig,
  type WorkerOptions,
  workerDefaults,
  workerTopics,
} from './config.ts';
export { DEAD_LETTER_HEADERS, deadLetter } from './dead-letter.ts';
export {
  type DeadLetter,
  type DeadLetterAdmin,
  DeadLetterError,
  listDeadLetters,
  REDRIVE_HEADERS,
  type RedriveInput,
  type RedriveResult,
  redriveDeadLetters,
} from './dead-letter-redrive.ts';
export * from './destinations/index.ts';
export {
  DeliveryError,
  isWorkerError,
  OutcomeNotRecordedError,
  type UnrecordedOutcome,
  WorkerError,
  type WorkerErrorCode,
} from './errors.ts';
export { main } from './main.ts';
export { OffsetTracker } from './offset-tracker.ts';
export { PENDING_EVENT_TYPES, type PublishOutcome, publishRecord } from './process-record.ts';
export type { WorkerState } from './status.ts';
export { TenantScheduler, type TenantSchedulerOptions } from './tenant-scheduler.ts';
export { createTokenSource } from './token.ts';
export { loadWordPressCredentials } from './wordpress-credentials.ts';
export { start, type WorkerHandle, type WorkerInputs } from './worker.ts';
