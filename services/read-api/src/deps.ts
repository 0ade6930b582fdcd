import type { ReadModelDatabase } from '@publisher/read-model';
import type { Kysely } from 'kysely';
import type { CheckpointWatcher } from './checkpoint-watcher.ts';

/** What the read routes need. */
export interface ReadApiDeps {
  /** Kysely scoped to the live read-model schema. */
  db: Kysely<ReadModelDatabase>;
  watcher: CheckpointWatcher;
  /** Longest a request waits for its `min_position`. */
  minPositionTimeoutMs: number;
}
