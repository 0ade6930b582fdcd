import type { PublishingRecordRepresentation } from '@publisher/contracts';
import { canonicalId, canonicalTime } from '../canonical.ts';
import { assertNever } from '../validation.ts';
import type { PublishingRecordEvent } from './events.ts';

/**
 * A publishing record as the aggregate knows it: every field of `PublishingRecordRepresentation` except
 * `revision` (the stream revision, which the caller knows from the store), plus the soft delete.
 * Ids and times are kept in canonical form (see `canonicalTime`), so every reader folds the same record.
 */
export type PublishingRecord = Omit<PublishingRecordRepresentation, 'revision'> & {
  deleted: boolean;
  deleted_at: string | null;
};

type PublishingStatus = PublishingRecord['status'];

export interface InitialPublishingRecordState {
  status: 'initial';
}

/** Tagged by `status`: `'initial'` before the create event, a record afterwards. */
export type PublishingRecordState = InitialPublishingRecordState | PublishingRecord;

export const initialPublishingRecordState: InitialPublishingRecordState = Object.freeze({ status: 'initial' });

/**
 * The row of the transition table a state sits in: its status, or `'deleted'` once soft-deleted
 * (a deleted record keeps its last status for history, but accepts nothing).
 */
export type PublishingRecordPhase = 'initial' | PublishingStatus | 'deleted';

/**
 * @example
 * publishingRecordPhase(initialPublishingRecordState) // 'initial'
 */
export function publishingRecordPhase(state: PublishingRecordState): PublishingRecordPhase {
  if (state.status === 'initial') return 'initial';
  return state.deleted ? 'deleted' : state.status;
}

/**
 * Applies one event. Pure; events that cannot apply to the state (which `decidePublishingRecord`
 * never produces) leave it unchanged, as in Emmett.
 * @example
 * const state = evolvePublishingRecord(initialPublishingRecordState, createdEvent); // status 'pending'
 */
export function evolvePublishingRecord(
  state: PublishingRecordState,
  event: PublishingRecordEvent,
): PublishingRecordState {
  if (event.type === 'PublishingRecordCreated') {
    if (state.status !== 'initial') return state;
    const d = event.data;
    const at = canonicalTime(d.at);
    return {
      status: 'pending',
      id: canonicalId(d.record_id),
      account_id: d.account_id,
      site_id: d.site_id,
      sector_id: d.sector_id,
      content_id: d.content_id,
      destination: d.destination,
      destination_config: d.destination_config,
      external_url: null,
      external_id: null,
      error_message: null,
      attempts: 0,
      metadata: d.metadata,
      created_at: at,
      updated_at: at,
      published_at: null,
      deleted: false,
      deleted_at: null,
    };
  }
  if (state.status === 'initial') return state;
  const at = canonicalTime(event.data.at);
  switch (event.type) {
    case 'PublishingRecordUpdated': {
      const { changes } = event.data;
      return {
        ...state,
        ...(changes.destination !== undefined && { destination: changes.destination }),
        ...(changes.destination_config !== undefined && { destination_config: changes.destination_config }),
        ...(changes.metadata !== undefined && { metadata: changes.metadata }),
        updated_at: at,
      };
    }
    case 'PublishingStarted':
      return { ...state, status: 'publishing', attempts: event.data.attempt, updated_at: at };
    case 'PublishingSucceeded':
      return {
        ...state,
        status: 'published',
        external_url: event.data.external_url,
        external_id: event.data.external_id,
        error_message: null,
        published_at: at,
        updated_at: at,
      };
    case 'PublishingFailed':
      return { ...state, status: 'failed', error_message: event.data.error, updated_at: at };
    case 'PublishingRetried':
      return { ...state, status: 'pending', updated_at: at };
    case 'PublishingRecordDeleted':
      return { ...state, deleted: true, deleted_at: at, updated_at: at };
    case 'PublishingRecordRepublishRequested':
      // A re-drive changes no field of the record (not even updated_at): only the revision moves.
      return state;
    case 'PublishingRedeliveryRequested':
      return { ...state, status: 'pending', updated_at: at };
    default:
      return assertNever(event, 'publishing-record event');
  }
}
