/**
 * The stuck-record sweep: a publishing record whose worker died after `start` would stay
 * `publishing` for ever (nothing else ever moves it). Starting an attempt takes a lease of
 * `PUBLISHING_TIMEOUT`; once it has expired the sweep fails the record as `system_bot` with a clear
 * error, so a retry (or a support redelivery) is possible without manual SQL.
 *
 * Why here, in the command API: failing a record is a command, and this is where commands are
 * decided and appended (the same decider, expected revision, event metadata). The candidates come
 * from the read model (a partial index over records in `publishing`), but each is judged on the
 * event store: the fail is appended only if the stream is still at the revision the read model
 * showed (If-Match), so a record that finished, or started a new attempt, meanwhile is left alone
 * however far the read model lags. Every API instance runs the loop; a PostgreSQL advisory lock
 * held for the length of a sweep makes one sweep run at a time.
 */
import { advisoryUnlock, errorCode, tryAdvisoryLock } from '@publisher/coordination';
import type { PublishingRecordState } from '@publisher/domain';
import { publishingRecordAggregate } from '@publisher/domain';
import type { Principal } from '@publisher/platform';
import { EVERY_TENANT, listStuckPublishingRecords, type StuckPublishingRecord } from '@publisher/read-model';
import type pg from 'pg';
import { type CommandDeps, executeCommand } from '../handlers/command-handler.ts';

/** The advisory lock of the sweep. */
const SWEEP_LOCK = 'command-api:stuck-record-sweep';

/** The actor of the sweep's commands. */
const SWEEPER: Principal = { user_id: 'stuck-record-sweeper', role: 'system_bot', account_id: null, site_ids: null };

export interface StuckRecordSweeperOptions {
  pool: pg.Pool;
  deps: CommandDeps<PublishingRecordState>;
  /** How long an attempt may stay in `publishing` (PUBLISHING_TIMEOUT). */
  timeoutMs: number;
  /** Pause between sweeps (STUCK_SWEEP_INTERVAL); null: `start` does nothing, `sweep` still works. */
  intervalMs: number | null;
  /** Records failed per sweep at most (the next sweep takes the rest). */
  batchSize?: number;
  log: { warn: (obj: object, msg: string) => void; info: (obj: object, msg: string) => void };
  now?: () => Date;
}

/** What the sweep has done since start: the numbers behind /metrics. */
interface StuckRecordStats {
  sweeps: number;
  /** Records found in `publishing` past the timeout (a record found twice counts twice). */
  found: number;
  /** Records the sweep failed. */
  failed: number;
  /** Sweeps that could not run (database, read model missing, …). */
  errors: number;
  /** How long the oldest record found by the last sweep had been publishing, in seconds (0: none). */
  oldestSeconds: number;
  /** End of the last sweep this instance ran (with the lock), or null. */
  lastSweepAt: Date | null;
}

interface SweepResult {
  /** False when another instance held the lock: this one did nothing. */
  active: boolean;
  found: number;
  failed: string[];
  /** Found but moved on in the event store before the fail (finished, re-started, deleted). */
  movedOn: string[];
}

export interface StuckRecordSweeper {
  readonly stats: Readonly<StuckRecordStats>;
  /** One sweep now (tests, and the loop). */
  sweep(): Promise<SweepResult>;
  /** Starts the loop (every `intervalMs`; not at all when it is null). */
  start(): void;
  /** Stops the loop and waits for a sweep in progress. */
  stop(): Promise<void>;
}

/**
 * @example
 * const sweeper = createStuckRecordSweeper({ pool, deps, timeoutMs: 15 * 60_000, intervalMs: 30_000, log });
 * sweeper.start(); … await sweeper.stop();
 */
export function createStuckRecordSweeper(options: StuckRecordSweeperOptions): StuckRecordSweeper {
  const now = options.now ?? (() => new Date());
  const stats: StuckRecordStats = { sweeps: 0, found: 0, failed: 0, errors: 0, oldestSeconds: 0, lastSweepAt: null };
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;

  async function sweep(): Promise<SweepResult> {
    const client = await options.pool.connect();
    try {
      if (!(await tryAdvisoryLock(client, SWEEP_LOCK))) return { active: false, found: 0, failed: [], movedOn: [] };
      try {
        return await sweepLocked(client);
      } finally {
        await advisoryUnlock(client, SWEEP_LOCK);
      }
    } finally {
      client.release();
    }
  }

  async function sweepLocked(client: pg.PoolClient): Promise<SweepResult> {
    const at = now();
    const cutoff = new Date(at.getTime() - options.timeoutMs);
    // The sweep serves every tenant.
    const rows = await listStuckPublishingRecords(client, EVERY_TENANT, {
      before: cutoff,
      limit: options.batchSize ?? 100,
    });
    const result: SweepResult = { active: true, found: rows.length, failed: [], movedOn: [] };
    stats.sweeps++;
    stats.found += rows.length;
    stats.oldestSeconds = rows[0] ? (at.getTime() - rows[0].updated_at.getTime()) / 1000 : 0;
    for (const row of rows) {
      if (await failOne(row, at)) result.failed.push(row.id);
      else result.movedOn.push(row.id);
    }
    stats.failed += result.failed.length;
    stats.lastSweepAt = now();
    if (rows.length > 0) {
      options.log.warn(
        { found: rows.length, failed: result.failed, moved_on: result.movedOn, timeout_ms: options.timeoutMs },
        'stuck publishing records found',
      );
    }
    return result;
  }

  /** Fails one record if its stream is still where the read model saw it; false when it moved on. */
  async function failOne(row: StuckPublishingRecord, at: Date): Promise<boolean> {
    const since = row.updated_at.toISOString();
    const error =
      `publishing timed out: attempt ${row.attempts} started at ${since} and recorded no outcome within ` +
      `${formatDuration(options.timeoutMs)} (PUBLISHING_TIMEOUT); the worker may have stopped. Retry to ` +
      'publish again (the destination may already have received it).';
    try {
      await executeCommand(options.deps, publishingRecordAggregate, {
        id: row.id,
        command: { type: 'FailPublishing', data: { error } },
        ifMatch: { any: false, revisions: new Set([row.revision]) },
        ctx: {
          principal: SWEEPER,
          request_id: `stuck-sweep-${at.getTime()}-${row.id}`,
          correlation_id: `stuck-sweep-${at.getTime()}`,
          causation_id: `stuck-sweep-${at.getTime()}`,
        },
        authorize: () => {},
      });
      return true;
    } catch (err) {
      const code = errorCode(err);
      // The stream moved on since the read model saw it: it is not (or no longer) this stuck attempt.
      if (code === 'PRECONDITION_FAILED' || code === 'ILLEGAL_TRANSITION' || code === 'RECORD_DELETED') return false;
      throw err;
    }
  }

  function schedule(): void {
    const { intervalMs } = options;
    if (stopped || intervalMs === null) return;
    timer = setTimeout(() => {
      running = sweep()
        .catch((err) => {
          stats.errors++;
          options.log.warn({ err }, 'stuck-record sweep failed; trying again at the next interval');
        })
        .finally(schedule);
    }, intervalMs);
    timer.unref();
  }

  return {
    stats,
    sweep,
    start: schedule,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

/** `900000` → `15m`, `1500` → `1500ms`: how the timeout reads in a record's error (as PUBLISHING_TIMEOUT takes it). */
function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
