import {
  IllegalTransitionError,
  RecordAlreadyExistsError,
  RecordDeletedError,
  RecordNotFoundError,
} from '../errors.ts';
import type { PublishingRecordCommandType } from './commands.ts';
import type { PublishingRecordPhase } from './state.ts';

/** Rows: the record's phase. Columns: the commands it accepts, and the phase each one leads to. */
export type PublishingRecordTransitionTable = {
  readonly [P in PublishingRecordPhase]: Readonly<Partial<Record<PublishingRecordCommandType, PublishingRecordPhase>>>;
};

/**
 * The publishing-record state machine as data. A (phase, command) pair missing here is refused.
 * `pending → publishing → published | failed`, `failed → pending` (retry); delete is soft and
 * refused while publishing, because an attempt is in flight at the destination.
 * Re-drives: a republish changes nothing, so every existing record accepts it and stays where it is
 * (a deleted one too: a consumer that missed the deletion can be repaired); a redelivery is a
 * retry asked for by support, so only a failed record accepts it.
 * @example
 * publishingRecordTransitions.publishing.SucceedPublishing // 'published'
 */
export const publishingRecordTransitions: PublishingRecordTransitionTable = {
  initial: { CreatePublishingRecord: 'pending' },
  pending: {
    UpdatePublishingRecord: 'pending',
    StartPublishing: 'publishing',
    DeletePublishingRecord: 'deleted',
    RepublishPublishingRecord: 'pending',
  },
  publishing: { SucceedPublishing: 'published', FailPublishing: 'failed', RepublishPublishingRecord: 'publishing' },
  published: { DeletePublishingRecord: 'deleted', RepublishPublishingRecord: 'published' },
  failed: {
    RetryPublishing: 'pending',
    DeletePublishingRecord: 'deleted',
    RepublishPublishingRecord: 'failed',
    RedeliverPublishingRecord: 'pending',
  },
  deleted: { RepublishPublishingRecord: 'deleted' },
};

/**
 * The phase a command leads to, or undefined when the table refuses it.
 * @example
 * nextPublishingRecordPhase('failed', 'RetryPublishing') // 'pending'
 */
function nextPublishingRecordPhase(
  phase: PublishingRecordPhase,
  command: PublishingRecordCommandType,
): PublishingRecordPhase | undefined {
  return publishingRecordTransitions[phase][command];
}

/**
 * Throws the error a refused (phase, command) pair deserves: not found before creation,
 * deleted after deletion, already-exists for a second create, illegal transition otherwise.
 * Returns the next phase when the table allows the pair.
 */
export function assertPublishingRecordTransition(
  phase: PublishingRecordPhase,
  command: PublishingRecordCommandType,
  recordId: string | null,
): PublishingRecordPhase {
  const next = nextPublishingRecordPhase(phase, command);
  if (next !== undefined) return next;
  if (phase === 'initial') throw new RecordNotFoundError('publishing_record', command);
  if (phase === 'deleted') throw new RecordDeletedError('publishing_record', recordId ?? '', command);
  if (command === 'CreatePublishingRecord') throw new RecordAlreadyExistsError('publishing_record', recordId ?? '');
  throw new IllegalTransitionError('publishing_record', phase, command);
}
