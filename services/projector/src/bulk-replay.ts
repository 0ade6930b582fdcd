import { errorMessage } from '@publisher/coordination';
import type { Deployment, PublishingRecord } from '@publisher/domain';
import type { EventStore, RecordedEvent } from '@publisher/event-store';
import {
  compareAndSetCheckpoint,
  copyAuditEvents,
  copyDeployments,
  copyPublishingRecords,
  EVERY_TENANT,
  isDataError,
  loadDeployments,
  loadPublishingRecords,
  readCheckpoint,
  saveDeployments,
  savePublishingRecords,
  skippedEventIds,
} from '@publisher/read-model';
import { PoisonEventError } from './errors.ts';
import { auditEventRow } from './projections/audit-events.ts';
import { foldStates, mapValues, planBatch } from './projections/batch.ts';
import { deploymentFromRow, deploymentRow } from './projections/deployments.ts';
import type { Projected } from './projections/fold.ts';
import { publishingRecordFromRow, publishingRecordRow } from './projections/publishing-records.ts';
import type { Session } from './session.ts';
import { nextChunk } from './write-budget.ts';

export interface BulkReplayOptions {
  projection: string;
  /** Events per read of the log. */
  batchSize: number;
  /**
   * Rows (records and deployments) kept folded in memory. Beyond it the least recently changed are
   * written out, and read back if a later event needs them.
   */
  maxRows: number;
  /** Longest a write should take (see `nextChunk`); none when left out. */
  maxTransactionMs?: number;
  /** After each COPY of audit rows: the events whose effects are in memory or written, and the last one's position. */
  onBatch?: (p: { events: number; position: string | null }) => void;
  /**
   * Set the schema's checkpoint to the position replayed to (default true). A thread folding one
   * part of the log (`shardedReplay`) leaves it to the rebuild, which knows when every part is in.
   */
  setCheckpoint?: boolean;
}

/** Most rows in one write. */
const MAX_CHUNK = 5000;
/** Rows in the first write of each kind under a time budget; later ones are sized from its pace. */
const FIRST_CHUNK = 200;

/**
 * States changed since their rows were last written, least recently changed first (a Map keeps
 * insertion order). States, not rows: a row and its JSON document are made once, when written.
 * A Map, not `lru-cache`: a state must never leave memory unwritten, so nothing is evicted on its
 * own; the replay takes the oldest out in chunks (`takeOldest`) and writes them.
 */
class RowsInMemory<R> {
  readonly rows = new Map<string, R>();
  /** Ids whose row is in the table (written out earlier): a miss on one of these reads it back. */
  readonly written = new Set<string>();

  put(id: string, row: R): void {
    this.rows.delete(id);
    this.rows.set(id, row);
  }

  /**
   * Takes the `n` least recently changed rows out of memory: those never written yet (`fresh`: the
   * table has no row for them) and those whose rows are in the table (`stored`).
   */
  takeOldest(n: number): { fresh: R[]; stored: R[] } {
    const fresh: R[] = [];
    const stored: R[] = [];
    for (const [id, row] of this.rows) {
      if (fresh.length + stored.length >= n) break;
      if (this.written.has(id)) stored.push(row);
      else {
        fresh.push(row);
        this.written.add(id);
      }
      this.rows.delete(id);
    }
    return { fresh, stored };
  }
}

/**
 * The replay phase of a rebuild: folds the whole log into an empty schema that nothing else writes
 * and nobody reads until the swap. It folds with the live projector's code (`planBatch`,
 * `foldStates`: the domain's `evolve`) but not its transactions: a failed rebuild starts over from
 * scratch, so no batch needs a committed checkpoint. Records and deployments stay folded in memory
 * and are written once (when the memory bound pushes them out, and at the end) instead of being
 * loaded and upserted by every batch that touches them — in a year's log a record's events lie far
 * apart, so nearly every event would cost a row load and a row write. Audit rows go by COPY. Reading the
 * next batch overlaps the fold and the writes; under a time budget the writes do not overlap the
 * fold: a rebuild runs beside the live services, and with COPYs beside the fold it takes both cores
 * (the live `min_position` lag then grows far past its target; `BENCH_REBUILD_EVENTS` of `bench:lag`
 * measures it). Without a budget
 * (`PROJECTOR_REBUILD_MAX_TRANSACTION_MS=0`, nothing live to protect) they do, for speed. Each write
 * is its own transaction, sized to the budget (the event store shows readers only events older than
 * every running transaction). Returns the position replayed to; the schema's checkpoint is set to it
 * once every row is written.
 * @throws PoisonEventError at the first event that cannot be applied (nothing is committed for it).
 */
export async function bulkReplay(
  store: Pick<EventStore, 'readAll'>,
  session: Session,
  o: BulkReplayOptions,
): Promise<string | null> {
  const skipped = await skippedEventIds(session.db, o.projection);
  const start = (await readCheckpoint(session.db, o.projection)).position;
  const records = new RowsInMemory<Projected<PublishingRecord>>();
  const deployments = new RowsInMemory<Projected<Deployment>>();
  let position = start;

  // Writes are sized to the time budget, each its own transaction; the first ones small, as a
  // write of unknown pace (an upsert of wide rows costs many times what a COPY of audit rows does per row).
  const firstChunk = o.maxTransactionMs === undefined ? MAX_CHUNK : FIRST_CHUNK;
  // One pace per kind of write: records and deployments, each by COPY or upsert, and audit rows.
  const chunks = new Map<string, number>();
  let copying: Promise<void> = Promise.resolve();
  const timed = async (rows: number, write: () => Promise<void>, max: number): Promise<number> => {
    const started = performance.now();
    await write();
    return nextChunk(rows, performance.now() - started, o.maxTransactionMs, max);
  };
  // A row PostgreSQL refuses fails the rebuild with the database's message (unlike the live
  // projector, which replays the batch event by event to name the event at fault). Rows the table
  // does not hold yet go by COPY (an upsert costs far more per row); rows written out
  // earlier are replaced by an upsert.
  const writeRows = async <R, W>(
    kind: string,
    rows: readonly R[],
    toRow: (r: R) => W,
    write: (rows: W[]) => Promise<void>,
  ) => {
    for (let i = 0; i < rows.length; ) {
      const chunk = rows.slice(i, i + (chunks.get(kind) ?? firstChunk)).map(toRow);
      chunks.set(kind, await timed(chunk.length, () => write(chunk), MAX_CHUNK));
      i += chunk.length;
    }
  };
  const writeOut = async (n: number) => {
    const r = records.takeOldest(n);
    const d = deployments.takeOldest(Math.max(0, n - r.fresh.length - r.stored.length));
    await writeRows('copy records', r.fresh, publishingRecordRow, (rows) =>
      copyPublishingRecords(session.client, rows),
    );
    await writeRows('save records', r.stored, publishingRecordRow, (rows) => savePublishingRecords(session.db, rows));
    await writeRows('copy deployments', d.fresh, deploymentRow, (rows) => copyDeployments(session.client, rows));
    await writeRows('save deployments', d.stored, deploymentRow, (rows) => saveDeployments(session.db, rows));
  };
  let copied = 0;
  const copy = async (audited: readonly RecordedEvent[], processed: number, last: string | null) => {
    for (let i = 0; i < audited.length; ) {
      const chunk = audited.slice(i, i + (chunks.get('copy audit') ?? firstChunk));
      chunks.set('copy audit', await timed(chunk.length, () => copyAuditRows(session, chunk), MAX_CHUNK));
      i += chunk.length;
      o.onBatch?.({ events: copied + i, position: chunk[chunk.length - 1]?.position ?? last });
    }
    copied += processed;
    if (audited.length === 0) o.onBatch?.({ events: copied, position: last });
  };

  let next = store.readAll({ after: position, limit: o.batchSize });
  for (;;) {
    const batch: RecordedEvent[] = await next;
    if (batch.length === 0) break;
    next = store.readAll({ after: batch[batch.length - 1]!.position, limit: o.batchSize });
    // A read already under way when the loop ends must not go unobserved.
    next.catch(() => {});

    const plan = planBatch(batch, skipped);
    const [current, currentDeployments] = await Promise.all([
      inMemoryOrStored(records, plan.record_ids, async (ids) =>
        mapValues(await loadPublishingRecords(session.db, EVERY_TENANT, ids), publishingRecordFromRow),
      ),
      inMemoryOrStored(deployments, plan.deployment_ids, async (ids) =>
        mapValues(await loadDeployments(session.db, EVERY_TENANT, ids), deploymentFromRow),
      ),
    ]);
    const result = foldStates(plan, { records: current, deployments: currentDeployments });
    if (result.poison) throw result.poison;
    for (const [id, row] of result.records) records.put(id, row);
    for (const [id, row] of result.deployments) deployments.put(id, row);

    position = result.last?.position ?? position;
    const audited = plan.items.slice(0, result.processed).map((item) => item.event);
    // One batch's COPYs out at a time: the next waits here, so a slow database holds back the reading.
    // Without a time budget nobody live is being protected: the COPYs then run beside the next fold.
    await copying;
    copying = copy(audited, result.processed, position);
    copying.catch(() => {});
    if (o.maxTransactionMs !== undefined) await copying;

    const over = records.rows.size + deployments.rows.size - o.maxRows;
    if (over > 0) await writeOut(Math.max(over, MAX_CHUNK));
  }
  await copying;
  await writeOut(Number.POSITIVE_INFINITY);
  if (position !== null && position !== start && (o.setCheckpoint ?? true)) {
    if (!(await compareAndSetCheckpoint(session.db, o.projection, start, position))) {
      throw new Error(`the checkpoint of ${o.projection} moved during the replay (another writer?)`);
    }
  }
  return position;
}

/** The batch's states: those in memory, and those written out earlier read back from the table. */
async function inMemoryOrStored<R>(
  memory: RowsInMemory<R>,
  ids: readonly string[],
  load: (ids: string[]) => Promise<ReadonlyMap<string, R>>,
): Promise<Map<string, R>> {
  const found = new Map<string, R>();
  const stored: string[] = [];
  for (const id of ids) {
    const row = memory.rows.get(id);
    if (row !== undefined) found.set(id, row);
    else if (memory.written.has(id)) stored.push(id);
  }
  if (stored.length > 0) for (const [id, row] of await load(stored)) found.set(id, row);
  return found;
}

/**
 * COPYs audit rows; when PostgreSQL refuses their data (a NUL character, say), finds the event at
 * fault row by row inside one transaction that is then rolled back, and fails with it as a poison
 * event — as the live projector would stop there.
 */
async function copyAuditRows(session: Session, events: readonly RecordedEvent[]): Promise<void> {
  try {
    await copyAuditEvents(session.client, events.map(auditEventRow));
  } catch (err) {
    if (!isDataError(err)) throw err;
    await session.client.query('BEGIN');
    try {
      for (const event of events) {
        await session.client.query('SAVEPOINT one');
        try {
          await copyAuditEvents(session.client, [auditEventRow(event)]);
        } catch (eventErr) {
          throw new PoisonEventError(event, `the database refused its audit row: ${errorMessage(eventErr)}`);
        }
        await session.client.query('RELEASE SAVEPOINT one');
      }
    } finally {
      await session.client.query('ROLLBACK').catch(() => {});
    }
    throw err;
  }
}
