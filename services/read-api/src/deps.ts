import type { AccessLogWriter, BatchedReader, ReadModelDatabase } from '@publisher/read-model';
import type { Kysely } from 'kysely';
import type { CheckpointWatcher } from './checkpoint-watcher.ts';
import type { StreamReader } from './history/stream-cache.ts';
import type { PositionWait } from './read-your-writes.ts';
import type { ResponseCache } from './response-cache.ts';

/** What the read routes need. */
export interface ReadApiDeps {
  /** Kysely on the live read-model schema (the per-site view). */
  db: Kysely<ReadModelDatabase>;
  /** Lists and lookups by id, batched across concurrent requests. */
  reader: BatchedReader;
  watcher: CheckpointWatcher;
  /** Read answers until their account's rows change (disabled when sized 0). */
  cache: ResponseCache;
  /** How `min_position` is waited for. */
  wait: PositionWait;
  /** Records' streams from the event store: history and as-of reads come from the log itself. */
  streams: StreamReader;
  /** Cross-account support reads, recorded before they are answered (group commit). */
  accessLog: AccessLogWriter;
}
