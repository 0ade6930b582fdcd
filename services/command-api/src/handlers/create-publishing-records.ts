import type { PublishingRecord, PublishingRecordState } from '@publisher/domain';
import { publishingRecordAggregate } from '@publisher/domain';
import type { EventStore } from '@publisher/event-store';
import { type CommandContext, eventMetadata } from '../metadata.ts';
import type { CommandResult } from './command-handler.ts';
import { readCreated } from './read-aggregate.ts';
import type { StateCache } from './state-cache.ts';

export interface NewPublishingRecord {
  /** Random, or derived from the Idempotency-Key so a repeated request targets the same stream. */
  record_id: string;
  /** Id of the creation event (derived too with an Idempotency-Key, so a re-append is a no-op). */
  event_id: string;
  /** The record's tenant account (`accountForCreate`): the token's, or one a privileged caller named. */
  account_id: number;
  site_id: number;
  sector_id: number;
  content_id: number;
  destination: string;
  destination_config: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export interface CreateDeps {
  store: EventStore;
  cache: StateCache<PublishingRecordState>;
  now?: () => Date;
}

/**
 * Creates publishing records, each in its `account_id` (one stream each, appended in parallel); the
 * caller (`ctx.principal`) is recorded as the actor whichever account the records belong to.
 * With `recovering` (a repeated Idempotency-Key whose first attempt never finished), the result
 * is read back from the store, because an earlier attempt may already have stored the events.
 * @example
 * const [created] = await createPublishingRecords(deps, ctx, [{ record_id, event_id, site_id: 1, … }], false);
 */
export async function createPublishingRecords(
  deps: CreateDeps,
  ctx: CommandContext,
  items: NewPublishingRecord[],
  recovering: boolean,
): Promise<CommandResult<PublishingRecord>[]> {
  const at = (deps.now ?? (() => new Date()))().toISOString();
  const settled = await Promise.allSettled(items.map((item) => createOne(deps, ctx, item, at, recovering)));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<CommandResult<PublishingRecord>>).value);
}

async function createOne(
  deps: CreateDeps,
  ctx: CommandContext,
  item: NewPublishingRecord,
  at: string,
  recovering: boolean,
): Promise<CommandResult<PublishingRecord>> {
  const account_id = item.account_id;
  const [event] = publishingRecordAggregate.decide(
    {
      type: 'CreatePublishingRecord',
      data: {
        record_id: item.record_id,
        account_id,
        site_id: item.site_id,
        sector_id: item.sector_id,
        content_id: item.content_id,
        destination: item.destination,
        destination_config: item.destination_config,
        metadata: item.metadata,
      },
    },
    publishingRecordAggregate.initial,
    { at },
  );
  if (!event) throw new Error('CreatePublishingRecord decided no event');
  const stream = publishingRecordAggregate.stream(item.record_id);
  const metadata = eventMetadata(ctx, { account_id, site_id: item.site_id, sector_id: item.sector_id }, at);
  const appended = await deps.store.append(
    stream,
    [{ id: item.event_id, type: event.type, data: event.data, metadata }],
    'no_stream',
  );
  if (recovering) return readCreated(deps, publishingRecordAggregate, item.record_id);
  const record = publishingRecordAggregate.evolve(publishingRecordAggregate.initial, event);
  if (!publishingRecordAggregate.exists(record)) throw new Error('CreatePublishingRecord created no record');
  deps.cache.set(stream, { state: record, revision: appended.next_revision });
  return { record, revision: appended.next_revision, position: appended.position };
}
