import { assertNever } from '../validation.ts';
import type { PublishingRecordEvent } from './events.ts';

type PublishingStatus = 'pending' | 'publishing' | 'published' | 'failed';

/**
 * A publishing record as the aggregate knows it: every field of `PublishingRecordRepresentation` except
 * `revision` (the stream revision, which the caller knows from the store), plus the soft-delete flag.
 */
export interface PublishingRecord {
  status: PublishingStatus;
  id: string;
  account_id: number;
  site_id: number;
  sector_id: number;
  content_id: number;
  destination: string;
  destination_config: Record<string, unknown>;
  external_url: string | null;
  external_id: string | null;
  /** The last failure's message; cleared when an attempt succeeds. */
  error_message: string | null;
  /** Number of times publishing was started. */
  attempts: number;
  metadata: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  published_at: string | null;
  deleted: boolean;
  deleted_at: string | null;
}

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
    return {
      status: 'pending',
      id: d.record_id,
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
      created_at: d.at,
      updated_at: d.at,
      published_at: null,
      deleted: false,
      deleted_at: null,
    };
  }
  if (state.status === 'initial') return state;
  switch (event.type) {
    case 'PublishingRecordUpdated': {
      const { changes } = event.data;
      return {
        ...state,
        ...(changes.destination !== undefined && { destination: changes.destination }),
        ...(changes.destination_config !== undefined && { destination_config: changes.destination_config }),
        ...(changes.metadata !== undefined && { metadata: changes.metadata }),
        updated_at: event.data.at,
      };
    }
    case 'PublishingStarted':
      return { ...state, status: 'publishing', attempts: event.data.attempt, updated_at: event.data.at };
    case 'PublishingSucceeded':
      return {
        ...state,
        status: 'published',
        external_url: event.data.external_url,
        external_id: event.data.external_id,
        error_message: null,
        published_at: event.data.at,
        updated_at: event.data.at,
      };
    case 'PublishingFailed':
      return { ...state, status: 'failed', error_message: event.data.error, updated_at: event.data.at };
    case 'PublishingRetried':
      return { ...state, status: 'pending', updated_at: event.data.at };
    case 'PublishingRecordDeleted':
      return { ...state, deleted: true, deleted_at: event.data.at, updated_at: event.data.at };
    case 'PublishingRecordRepublishRequested':
      // A re-drive changes no field of the record (not even updated_at): only the revision moves.
      return state;
    case 'PublishingRedeliveryRequested':
      return { ...state, status: 'pending', updated_at: event.data.at };
    default:
      return assertNever(event, 'publishing-record event');
  }
}
