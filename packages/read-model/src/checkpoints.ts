import { type Kysely, sql } from 'kysely';
import { escapeLiteral } from 'pg';
import { READ_MODEL_CONTROL_SCHEMA, READ_MODELS_PROJECTION, type ReadModelDatabase } from './database.ts';

/** NOTIFY channel the projector signals after each committed batch (payload: `CheckpointNotice`). */
export const CHECKPOINT_CHANNEL = 'read_model_checkpoint';

export interface CheckpointNotice {
  schema: string;
  name: string;
  position: string | null;
  /**
   * The accounts whose rows changed up to `position` since the previous notice. Absent: unknown —
   * a reader must assume every account changed (a rebuild's swap, or a batch touching more than
   * `NOTICE_ACCOUNTS_MAX` accounts). Lets the read API keep cached responses of other tenants.
   */
  accounts?: number[];
}

/** Most accounts a notice lists (NOTIFY payloads are capped at 8000 bytes); more → `accounts` left out. */
export const NOTICE_ACCOUNTS_MAX = 500;

/** Why and where a poison event stopped a projection. */
export interface ProjectionStop {
  at: string;
  event_id: string;
  event_type: string;
  position: string;
  reason: string;
}

export interface CheckpointState {
  name: string;
  position: string | null;
  updated_at: string;
  stopped: ProjectionStop | null;
}

/**
 * Reads a projection's checkpoint (null position: nothing projected yet). With `forUpdate`, locks
 * the row until the transaction ends, so two writers cannot advance it at once.
 * @example
 * const { position, stopped } = await readCheckpoint(rm);
 */
export async function readCheckpoint(
  db: Kysely<ReadModelDatabase>,
  name: string = READ_MODELS_PROJECTION,
  options: { forUpdate?: boolean } = {},
): Promise<CheckpointState> {
  let q = db.selectFrom('projection_checkpoints').selectAll().where('name', '=', name);
  if (options.forUpdate) q = q.forUpdate();
  const r = await q.executeTakeFirst();
  if (r === undefined) return { name, position: null, updated_at: new Date(0).toISOString(), stopped: null };
  return {
    name,
    position: r.position,
    updated_at: r.updated_at,
    stopped:
      r.stopped_at === null
        ? null
        : {
            at: r.stopped_at,
            event_id: r.stopped_event_id ?? '',
            event_type: r.stopped_event_type ?? '',
            position: r.stopped_position ?? '',
            reason: r.stopped_reason ?? '',
          },
  };
}

/**
 * Moves the checkpoint from `expected` to `next` if nobody moved it meanwhile; false otherwise.
 * Called last in a batch's transaction: a false answer means the batch must roll back.
 * @example
 * if (!(await compareAndSetCheckpoint(trx, READ_MODELS_PROJECTION, before, after))) throw new Error('lost the race');
 */
export async function compareAndSetCheckpoint(
  db: Kysely<ReadModelDatabase>,
  name: string,
  expected: string | null,
  next: string,
): Promise<boolean> {
  const r = await db
    .updateTable('projection_checkpoints')
    .set({ position: next, updated_at: sql<string>`now()` })
    .where('name', '=', name)
    .where(sql<boolean>`position is not distinct from ${expected}`)
    .executeTakeFirst();
  return r.numUpdatedRows === 1n;
}

/**
 * The statement that sends a checkpoint notice (inside a transaction, delivered at commit). Its
 * values are literals, so it can also close a batch of statements sent as one (which takes no
 * parameters).
 * @example
 * await client.query(checkpointNoticeSql({ schema: 'read_model', name: 'read_models', position: '42' }));
 */
export function checkpointNoticeSql(notice: CheckpointNotice): string {
  return `SELECT pg_notify(${escapeLiteral(CHECKPOINT_CHANNEL)}, ${escapeLiteral(JSON.stringify(notice))})`;
}

/**
 * Records that a poison event stopped the projection (visible to /ready and operators).
 * @example
 * await markProjectionStopped(rm, 'read_models', { event_id, event_type, position, reason });
 */
export async function markProjectionStopped(
  db: Kysely<ReadModelDatabase>,
  name: string,
  stop: Omit<ProjectionStop, 'at'>,
): Promise<void> {
  await db
    .updateTable('projection_checkpoints')
    .set({
      stopped_at: sql<string>`now()`,
      stopped_event_id: stop.event_id,
      stopped_event_type: stop.event_type,
      stopped_position: stop.position,
      stopped_reason: stop.reason,
    })
    .where('name', '=', name)
    .execute();
}

/** Clears a stop, so a waiting projector tries the event again. */
export async function clearProjectionStopped(db: Kysely<ReadModelDatabase>, name: string): Promise<boolean> {
  const r = await db
    .updateTable('projection_checkpoints')
    .set({
      stopped_at: null,
      stopped_event_id: null,
      stopped_event_type: null,
      stopped_position: null,
      stopped_reason: null,
    })
    .where('name', '=', name)
    .where('stopped_at', 'is not', null)
    .executeTakeFirst();
  return r.numUpdatedRows === 1n;
}

export interface SkippedEvent {
  event_id: string;
  event_type: string | null;
  position: string | null;
  reason: string;
  skipped_by: string;
}

/**
 * Records an operator's decision to skip one event in a projection (kept across rebuilds).
 * @example
 * await skipEvent(db, 'read_models', { event_id, event_type: 'Foo', position, reason: 'ticket 123', skipped_by: 'ops' });
 */
export async function skipEvent(db: Kysely<ReadModelDatabase>, projection: string, e: SkippedEvent): Promise<void> {
  await db
    .insertInto(`${READ_MODEL_CONTROL_SCHEMA}.skipped_events`)
    .values({ projection, ...e })
    .onConflict((oc) => oc.columns(['projection', 'event_id']).doNothing())
    .execute();
}

/** Ids of the events an operator chose to skip in a projection. */
export async function skippedEventIds(db: Kysely<ReadModelDatabase>, projection: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom(`${READ_MODEL_CONTROL_SCHEMA}.skipped_events`)
    .select('event_id')
    .where('projection', '=', projection)
    .execute();
  return new Set(rows.map((r) => r.event_id));
}
