import type { PublishingRecordRepresentation } from '@publisher/contracts';
import type { PublishingRecord } from './state.ts';

/**
 * The one mapping from a publishing record's state to its wire representation (the type it returns).
 * The command API's answers, the projector's rows, history entries and as-of reads all go through it,
 * so the representation is written out once; other packages reach it as the aggregate's `represent`.
 * @example
 * const state = events.reduce(publishingRecordAggregate.evolve, publishingRecordAggregate.initial);
 * if (publishingRecordAggregate.exists(state)) data = publishingRecordAggregate.represent(state, revision);
 */
export function representPublishingRecord(r: PublishingRecord, revision: number): PublishingRecordRepresentation {
  return {
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
  };
}
