import { advisoryLockKey, errorCode, errorMessage, quoteIdent } from '@publisher/coordination';
import type { RecordedEvent } from '@publisher/event-store';
import {
  type CheckpointNotice,
  checkpointNoticeSql,
  copyAuditEvents,
  EVERY_TENANT,
  isDataError,
  loadDeployments,
  loadPublishingRecords,
  NOTICE_ACCOUNTS_MAX,
  saveDeployments,
  savePublishingRecords,
} from '@publisher/read-model';
import { escapeLiteral } from 'pg';
import { CheckpointMovedError, PoisonEventError } from './errors.ts';
import { auditEventRow } from './projections/audit-events.ts';
import { foldBatch, planBatch } from './projections/batch.ts';
import { lockKeys, type Session } from './session.ts';

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

/** SQLSTATE the closing compare-and-set raises when another writer moved the checkpoint. */
const CHECKPOINT_MOVED = 'PJ001';

const lit = (value: string | null) => (value === null ? 'NULL' : escapeLiteral(value));

/**
 * Projects one batch: in ONE transaction, loads the rows the batch touches, folds the events,
 * writes the rows and moves the checkpoint. Either everything commits or nothing does, so a crash
 * at any point leaves read models and checkpoint agreeing, and re-delivering the batch changes
 * nothing. Effects of events before a poison event are committed; nothing after it.
 *
 * The transaction opens by taking the swap fence (shared) and reading the checkpoint, and refuses
 * to go on unless it is still `expected`. Nothing before the first write takes a transaction id —
 * loads and the fold run without one — because the event store shows subscribers only events older
 * than every running transaction that has one: the shorter a batch holds one, the sooner the relay,
 * the read API's `min_position` and this projector see new events (a rebuild writing beside the live
 * projector matters most). The compare-and-set is the closing statement: it moves the checkpoint only
 * from `expected` and aborts the whole batch otherwise. Opening and closing statements travel as one
 * round trip each (replays are bound by round trips).
 *
 * @throws CheckpointMovedError when the checkpoint is no longer `expected` (a rebuild swapped the
 *   tables, or another writer); the caller re-reads it and subscribes again.
 */
export async function writeBatch(session: Session, o: WriteBatchOptions): Promise<WriteBatchResult> {
  const plan = planBatch(o.events, o.skipped);
  const checkpoints = `${quoteIdent(session.schema)}.projection_checkpoints`;
  const { client, db } = session;
  let open = false;
  try {
    // Shared side of the swap fence: a rebuild's swap waits for this transaction and holds back
    // the next one until the schemas are renamed; that one then sees the new checkpoint.
    // A text of several statements resolves to one result per statement, which pg's typings (one
    // QueryResult per call) do not express; [2] is the SELECT of the checkpoint.
    const opened = (await client.query(
      `BEGIN;
       SELECT pg_advisory_xact_lock_shared(${advisoryLockKey(lockKeys.swap(o.projection)).join(', ')});
       SELECT position FROM ${checkpoints} WHERE name = ${lit(o.projection)};`,
    )) as unknown as Array<{ rows: Array<{ position: string | null }> }>;
    open = true;
    const current = opened[2]?.rows[0];
    if (current === undefined || current.position !== o.expected)
      throw new CheckpointMovedError(o.expected, o.projection);

    const [records, deployments] = await Promise.all([
      loadPublishingRecords(db, EVERY_TENANT, plan.record_ids),
      loadDeployments(db, EVERY_TENANT, plan.deployment_ids),
    ]);
    const result = foldBatch(plan, { records, deployments });
    await savePublishingRecords(db, [...result.records.values()]);
    await saveDeployments(db, [...result.deployments.values()]);
    // Every event whose effect the batch commits is in the audit, whatever its kind (skipped ones too).
    await copyAuditEvents(
      client,
      plan.items.slice(0, result.processed).map((item) => auditEventRow(item.event)),
    );
    const position = result.last?.position ?? o.expected;
    let close = 'COMMIT;';
    if (position !== null && position !== o.expected) {
      const notice: CheckpointNotice = { schema: o.notifySchema ?? '', name: o.projection, position };
      // Which tenants' rows changed, so readers caching responses keep every other tenant's.
      const accounts = new Set<number>();
      for (const row of result.records.values()) accounts.add(row.account_id);
      for (const row of result.deployments.values()) accounts.add(row.account_id);
      if (accounts.size <= NOTICE_ACCOUNTS_MAX) notice.accounts = [...accounts];
      close = `DO $cas$ BEGIN
          UPDATE ${checkpoints} SET position = ${lit(position)}, updated_at = now()
           WHERE name = ${lit(o.projection)} AND position IS NOT DISTINCT FROM ${lit(o.expected)};
          IF NOT FOUND THEN RAISE EXCEPTION 'checkpoint moved' USING ERRCODE = '${CHECKPOINT_MOVED}'; END IF;
        END $cas$;
        ${o.notifySchema === undefined ? '' : `${checkpointNoticeSql(notice)};`}
        COMMIT;`;
    }
    try {
      await client.query(close);
    } catch (err) {
      if (errorCode(err) === CHECKPOINT_MOVED) throw new CheckpointMovedError(o.expected, o.projection);
      throw err;
    }
    open = false;
    return { position, processed: result.processed, last: result.last, poison: result.poison };
  } catch (err) {
    if (open) await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

/**
 * `writeBatch`, but when PostgreSQL refuses the batch's data (e.g. a NUL character in a string),
 * replays it one event at a time to find the event at fault, which then stops the projection as a
 * poison event like any other, instead of the batch failing for ever.
 */
export async function writeBatchIsolating(session: Session, o: WriteBatchOptions): Promise<WriteBatchResult> {
  try {
    return await writeBatch(session, o);
  } catch (err) {
    if (!isDataError(err)) throw err;
    const [only] = o.events;
    if (o.events.length === 1 && only) {
      const reason = `the database refused its data: ${errorMessage(err)}`;
      return { position: o.expected, processed: 0, last: null, poison: new PoisonEventError(only, reason) };
    }
  }
  const total: WriteBatchResult = { position: o.expected, processed: 0, last: null, poison: null };
  for (const event of o.events) {
    const r = await writeBatchIsolating(session, { ...o, expected: total.position, events: [event] });
    total.position = r.position;
    total.processed += r.processed;
    total.last = r.last ?? total.last;
    total.poison = r.poison;
    if (r.poison) break;
  }
  return total;
}
