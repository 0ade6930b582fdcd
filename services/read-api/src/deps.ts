import type { ReadModelDatabase, RowDocument } from '@publisher/read-model';
import type { Kysely } from 'kysely';
import type { CheckpointWatcher } from './checkpoint-watcher.ts';
import type { StreamReader } from './history/stream-cache.ts';
import type { LookupBatcher } from './lookup-batcher.ts';
import type { ResponseCache } from './response-cache.ts';

/** What the read routes need. */
export interface ReadApiDeps {
  /** Kysely scoped to the live read-model schema. */
  db: Kysely<ReadModelDatabase>;
  watcher: CheckpointWatcher;
  /** Serialized responses until their account's rows change (disabled when sized 0). */
  cache: ResponseCache;
  /** Documents by id, unscoped (apply `inTenantScope`), many requests per query. */
  records: LookupBatcher<RowDocument>;
  deployments: LookupBatcher<RowDocument>;
  /** Longest a request waits for its `min_position`. */
  minPositionTimeoutMs: number;
  /** Records' streams from the event store: history and as-of reads come from the log itself. */
  streams: StreamReader;
}
