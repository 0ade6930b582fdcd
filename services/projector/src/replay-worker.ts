/**
 * A replay thread of a rebuild (`shardedReplay`): folds one part of the log into the rebuild schema
 * with `bulkReplay`, reading it through `readShard`, and reports its progress to the parent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '@publisher/coordination';
import { createPostgresEventStore } from '@publisher/event-store';
import { bulkReplay } from './bulk-replay.ts';
import { isPoisonEvent } from './errors.ts';
import { openRebuildSession } from './session.ts';
import type { ReplayShardMessage, ReplayShardTask } from './sharded-replay.ts';

const task = workerData as ReplayShardTask;
const post = (m: ReplayShardMessage) => parentPort?.postMessage(m);

const store = createPostgresEventStore({
  connectionString: task.connectionString,
  schema: task.eventStoreSchema,
  // bulkReplay reads the next batch while it folds the current one.
  poolSize: 2,
  applicationName: 'publisher-rebuild',
});
const session = await openRebuildSession(task.connectionString, task.schema);
let events = 0;
try {
  await bulkReplay(
    {
      readAll: ({ after, limit } = {}) =>
        store.readShard({ after, limit, until: task.until, shard: task.shard, shards: task.shards }),
    },
    session,
    {
      projection: task.projection,
      batchSize: task.batchSize,
      maxRows: task.maxRows,
      setCheckpoint: false,
      onBatch: (p) => {
        events = p.events;
        post({ kind: 'progress', events });
      },
    },
  );
  post({ kind: 'done', events });
} catch (err) {
  post(
    isPoisonEvent(err)
      ? {
          kind: 'failed',
          message: err.message,
          poison: {
            id: err.event_id,
            type: err.event_type,
            position: err.position,
            stream: err.stream,
            reason: err.reason,
          },
        }
      : { kind: 'failed', message: errorMessage(err) },
  );
} finally {
  await session.close().catch(() => {});
  await store.close().catch(() => {});
}
