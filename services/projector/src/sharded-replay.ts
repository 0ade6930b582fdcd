import { Worker } from 'node:worker_threads';
import { PoisonEventError } from './errors.ts';

/** What one replay thread folds: one part of the log, cut by stream (`readShard`), into the rebuild schema. */
export interface ReplayShardTask {
  connectionString: string;
  /** Schema of the PostgreSQL event store. */
  eventStoreSchema: string;
  /** The rebuild schema the rows go to. */
  schema: string;
  projection: string;
  batchSize: number;
  /** Records and deployments this thread keeps folded in memory. */
  maxRows: number;
  shard: number;
  shards: number;
  /** Last position replayed (readable when the rebuild started). */
  until: string;
}

/** A replay thread's reports to the rebuild. */
export type ReplayShardMessage =
  | { kind: 'progress'; events: number }
  | { kind: 'done'; events: number }
  | {
      kind: 'failed';
      message: string;
      /** Set when an event cannot be applied: the rebuild fails naming it, as a single replay would. */
      poison?: { id: string; type: string; position: string; stream: string; reason: string };
    };

export interface ShardedReplayOptions extends Omit<ReplayShardTask, 'shard' | 'maxRows'> {
  /** Records and deployments kept in memory by all threads together. */
  maxRows: number;
  /** Told the events replayed so far by all threads together. */
  onProgress?: (events: number) => void;
}

/**
 * Young generation of each replay thread. The fold allocates briefly-lived objects for every event
 * (parsed rows, states, COPY text); V8's default semi-spaces promote many of them to the old
 * generation, and collecting them there would take about a sixth of a replay's CPU.
 */
const YOUNG_GENERATION_MB = 384;

/**
 * The replay of a rebuild on several threads: the log up to `until` is cut by a hash of the stream
 * (`readShard`), and each part is folded by its own worker thread into the same (index-less)
 * tables. Every row of the read models folds the events of one stream (a record's or a
 * deployment's) and every audit row one event, so the parts are independent: the result equals a
 * replay in one thread. The rebuild sets the checkpoint to `until` once every thread is done.
 * A single thread is bound by Node's CPU (parsing, folding and writing every event); this
 * uses every core for it, which is why the rebuild only does so when nothing live needs the
 * machine (`maxTransactionMs` 0).
 * @returns the events replayed.
 * @throws PoisonEventError at an event that cannot be applied; other failures as Error. Every
 *   thread is stopped before it returns or throws.
 */
export async function shardedReplay(o: ShardedReplayOptions): Promise<number> {
  const counts = new Array<number>(o.shards).fill(0);
  const workers: Worker[] = [];
  const { url, execArgv } = workerEntry();
  const runs = counts.map((_, shard) => {
    const task: ReplayShardTask = {
      connectionString: o.connectionString,
      eventStoreSchema: o.eventStoreSchema,
      schema: o.schema,
      projection: o.projection,
      batchSize: o.batchSize,
      maxRows: Math.max(1, Math.ceil(o.maxRows / o.shards)),
      shard,
      shards: o.shards,
      until: o.until,
    };
    const worker = new Worker(url, {
      workerData: task,
      execArgv,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    workers.push(worker);
    return new Promise<void>((resolve, reject) => {
      let done = false;
      worker.on('message', (m: ReplayShardMessage) => {
        if (m.kind === 'failed') {
          reject(m.poison ? new PoisonEventError(m.poison, m.poison.reason) : new Error(m.message));
          return;
        }
        counts[shard] = m.events;
        o.onProgress?.(counts.reduce((a, b) => a + b, 0));
        if (m.kind === 'done') done = true;
      });
      worker.on('error', reject);
      worker.on('exit', (code) =>
        done ? resolve() : reject(new Error(`replay thread ${shard} stopped (exit code ${code}) before its end`)),
      );
    });
  });
  try {
    await Promise.all(runs);
  } finally {
    // After a failure the other threads would write on into a schema about to be dropped.
    await Promise.allSettled(workers.map((w) => w.terminate()));
  }
  return counts.reduce((a, b) => a + b, 0);
}

/**
 * The thread's entry module. From source (the rebuild CLI runs under tsx) a worker's first module is
 * loaded before the loader tsx registers through `--import` is in place, so a `.ts` entry fails: a
 * small module registers tsx first, then imports it; the workspace packages resolve to their
 * sources by the `@publisher/source` condition, as in the parent.
 */
function workerEntry(): { url: URL; execArgv?: string[] } {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return { url: new URL('./replay-worker.js', self) };
  const entry = new URL('./replay-worker.ts', self).href;
  const code = `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))};
register();
await import(${JSON.stringify(entry)});`;
  return {
    url: new URL(`data:text/javascript,${encodeURIComponent(code)}`),
    // A worker refuses V8's heap flags (it has `resourceLimits` instead).
    execArgv: [
      ...process.execArgv.filter((a) => !/^--max-(semi|old)-space-size/.test(a)),
      '--conditions=@publisher/source',
    ],
  };
}
