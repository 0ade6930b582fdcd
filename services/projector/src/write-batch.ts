import type { RecordedEvent } from '@publisher/event-store';
import {
  compareAndSetCheckpoint,
  loadDeployments,
  loadPublishingRecords,
  notifyCheckpoint,
  READ_MODEL_LOCK_CLASS,
  type ReadModelDatabase,
  readCheckpoint,
  saveDeployments,
  savePublishingRecords,
} from '@publisher/read-model';
import { type Kysely, sql } from 'kysely';
import { CheckpointMovedError, PoisonEventError } from './errors.ts';
import { foldBatch, planBatch } from './projections/batch.ts';
import { lockKeys } from './session.ts';

export interface WriteBatchOptions {
  projection: string;
  /** The checkpoint this batch follows (what the subscription started after). */
  expected: string | null;
  events: readonly RecordedEvent[];
  skipped: ReadonlySet<string>;
  /** Schema named in the checkpoint notice; no notice when undefined (a rebuild notifies nobody). */
  notifySchema?: string;
}

export interface WriteBatchResult {
  /** The checkpoint after the batch (unchanged when the first event is poison). */
  position: string | null;
  processed: number;
  /** Last processed event, for lag in seconds. */
  last: RecordedEvent | null;
  poison: PoisonEventError | null;
}

/**
 * Projects one batch: in ONE transaction, loads the rows the batch touches, folds the events,
 * writes the rows and compare-and-sets the checkpoint. Either everything commits or nothing does,
 * so a crash at any point leaves read models and checkpoint agreeing, and re-delivering the batch
 * changes nothing. Effects of events before a poison event are committed; nothing after it.
 *
 * @throws CheckpointMovedError when the checkpoint is no longer `expected` (a rebuild swapped the
 *   tables, or another writer); the caller re-reads it and subscribes again.
 */
export async function writeBatch(db: Kysely<ReadModelDatabase>, o: WriteBatchOptions): Promise<WriteBatchResult> {
  const plan = planBatch(o.events, o.skipped);
  return db.transaction().execute(async (trx) => {
    // Shared side of the swap fence: a rebuild's swap waits for this transaction and holds back
    // the next one until the schemas are renamed; that one then sees the new checkpoint.
    await sql`select pg_advisory_xact_lock_shared(${READ_MODEL_LOCK_CLASS}, hashtext(${lockKeys.swap(o.projection)}))`.execute(
      trx,
    );
    const current = await readCheckpoint(trx, o.projection, { forUpdate: true });
    if (current.position !== o.expected) throw new CheckpointMovedError(o.expected, o.projection);
    const [records, deployments] = await Promise.all([
      loadPublishingRecords(trx, plan.record_ids),
      loadDeployments(trx, plan.deployment_ids),
    ]);
    const result = foldBatch(plan, { records, deployments });
    await savePublishingRecords(trx, [...result.records.values()]);
    await saveDeployments(trx, [...result.deployments.values()]);
    const position = result.last?.position ?? o.expected;
    if (position !== null && position !== o.expected) {
      if (!(await compareAndSetCheckpoint(trx, o.projection, o.expected, position))) {
        throw new CheckpointMovedError(o.expected, o.projection);
      }
      if (o.notifySchema !== undefined) {
        await notifyCheckpoint(trx, { schema: o.notifySchema, name: o.projection, position });
      }
    }
    return { position, processed: result.processed, last: result.last, poison: result.poison };
  });
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity violation): the data, not the database, is at fault. */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}

/**
 * `writeBatch`, but when PostgreSQL refuses the batch's data (e.g. a NUL character in a string),
 * replays it one event at a time to find the event at fault, which then stops the projection as a
 * poison event like any other, instead of the batch failing for ever.
 */
export async function writeBatchIsolating(
  db: Kysely<ReadModelDatabase>,
  o: WriteBatchOptions,
): Promise<WriteBatchResult> {
  try {
    return await writeBatch(db, o);
  } catch (err) {
    if (!isDataError(err)) throw err;
    const [only] = o.events;
    if (o.events.length === 1 && only) {
      const reason = `the database refused its data: ${(err as Error).message}`;
      return { position: o.expected, processed: 0, last: null, poison: new PoisonEventError(only, reason) };
    }
  }
  const total: WriteBatchResult = { position: o.expected, processed: 0, last: null, poison: null };
  for (const event of o.events) {
    const r = await writeBatchIsolating(db, { ...o, expected: total.position, events: [event] });
    total.position = r.position;
    total.processed += r.processed;
    total.last = r.last ?? total.last;
    total.poison = r.poison;
    if (r.poison) break;
  }
  return total;
}
