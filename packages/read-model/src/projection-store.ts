import type { TenantScope } from '@publisher/platform';
import { type Kysely, sql } from 'kysely';
import type { ReadModelDatabase } from './database.ts';
import {
  DEPLOYMENT_COLUMNS,
  DEPLOYMENT_WRITES,
  type DeploymentRow,
  PUBLISHING_RECORD_COLUMNS,
  PUBLISHING_RECORD_WRITES,
  type PublishingRecordRow,
  type RowWrites,
  type WithDocument,
} from './rows.ts';
import { withTenantScope } from './scope.ts';

/*
 * Writes of the projector, and the loads it folds events onto. Rows are upserted with one
 * INSERT ... SELECT FROM unnest(...) per table and batch: the statement text and parameter count
 * do not grow with the batch, which keeps replays fast. The projector serves every tenant, so it
 * loads with `EVERY_TENANT`.
 */

/**
 * Loads the publishing records with these ids (deleted ones included) within the scope, keyed by id.
 * @example
 * const rows = await loadPublishingRecords(trx, EVERY_TENANT, ['6f1c…']);
 */
export async function loadPublishingRecords(
  db: Kysely<ReadModelDatabase>,
  scope: TenantScope,
  ids: readonly string[],
): Promise<Map<string, PublishingRecordRow>> {
  const query = withTenantScope(db.selectFrom('publishing_records').select(PUBLISHING_RECORD_COLUMNS), scope);
  const found = new Map<string, PublishingRecordRow>();
  if (ids.length === 0) return found;
  for (const r of await query.where(sql<boolean>`id = any(${[...ids]}::uuid[])`).execute()) found.set(r.id, r);
  return found;
}

/** Loads the deployments with these ids within the scope, keyed by id. */
export async function loadDeployments(
  db: Kysely<ReadModelDatabase>,
  scope: TenantScope,
  ids: readonly string[],
): Promise<Map<string, DeploymentRow>> {
  const query = withTenantScope(db.selectFrom('deployments').select(DEPLOYMENT_COLUMNS), scope);
  const found = new Map<string, DeploymentRow>();
  if (ids.length === 0) return found;
  for (const r of await query.where(sql<boolean>`id = any(${[...ids]}::uuid[])`).execute()) found.set(r.id, r);
  return found;
}

/**
 * Inserts or replaces rows (by id) of `table` with one `INSERT … SELECT FROM unnest(…)`: one array
 * per column, typed by `writes`. JSON objects travel as their text.
 */
async function upsert<Row>(
  db: Kysely<ReadModelDatabase>,
  table: 'publishing_records' | 'deployments',
  writes: RowWrites<Row>,
  rows: readonly WithDocument<Row>[],
): Promise<void> {
  if (rows.length === 0) return;
  const arrays = writes.map(([name, type]) =>
    type === 'jsonb'
      ? sql`${rows.map((r) => JSON.stringify(r[name]))}::jsonb[]`
      : sql`${rows.map((r) => r[name])}::${sql.raw(type)}[]`,
  );
  const columns = writes.map(([name]) => name);
  await sql`INSERT INTO ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))})
    SELECT * FROM unnest(${sql.join(arrays)})
    ON CONFLICT (id) DO UPDATE SET ${sql.join(
      columns.filter((c) => c !== 'id').map((c) => sql`${sql.ref(c)} = excluded.${sql.ref(c)}`),
    )}`.execute(db);
}

/**
 * Inserts or replaces publishing records (by id), each with its document (the representation as
 * JSON, which the read API sends as it is). Each id must appear once.
 * @example
 * await savePublishingRecords(trx, [row]);
 */
export async function savePublishingRecords(
  db: Kysely<ReadModelDatabase>,
  rows: readonly WithDocument<PublishingRecordRow>[],
): Promise<void> {
  await upsert(db, 'publishing_records', PUBLISHING_RECORD_WRITES, rows);
}

/**
 * Inserts or replaces deployments (by id), each with its document. Each id must appear once.
 * @example
 * await saveDeployments(trx, [row]);
 */
export async function saveDeployments(
  db: Kysely<ReadModelDatabase>,
  rows: readonly WithDocument<DeploymentRow>[],
): Promise<void> {
  await upsert(db, 'deployments', DEPLOYMENT_WRITES, rows);
}
