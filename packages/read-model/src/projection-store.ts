import { type Kysely, sql } from 'kysely';
import type { ReadModelDatabase } from './database.ts';
import {
  DEPLOYMENT_COLUMNS,
  type DeploymentRow,
  PUBLISHING_RECORD_COLUMNS,
  type PublishingRecordRow,
  type WithDocument,
} from './rows.ts';
import { type TenantScope, withTenantScope } from './scope.ts';

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

/** What a save writes: the row's columns and its document. */
const RECORD_WRITE_COLUMNS = [...PUBLISHING_RECORD_COLUMNS, 'document'] as const;
const DEPLOYMENT_WRITE_COLUMNS = [...DEPLOYMENT_COLUMNS, 'document'] as const;

const col = <R, K extends keyof R>(rows: readonly R[], key: K): R[K][] => rows.map((r) => r[key]);
const json = <R>(rows: readonly R[], key: keyof R): string[] => rows.map((r) => JSON.stringify(r[key]));

/**
 * Inserts or replaces publishing records (by id), each with its document (the representation as
 * JSON, which the read API sends as it is). Each id must appear once; the columns are listed in
 * table order below (`PUBLISHING_RECORD_COLUMNS`, then the document).
 * @example
 * await savePublishingRecords(trx, [row]);
 */
export async function savePublishingRecords(
  db: Kysely<ReadModelDatabase>,
  rows: readonly WithDocument<PublishingRecordRow>[],
): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('publishing_records')
    .columns([...RECORD_WRITE_COLUMNS])
    .expression(
      sql`select * from unnest(
        ${col(rows, 'id')}::uuid[], ${col(rows, 'account_id')}::int[], ${col(rows, 'site_id')}::int[],
        ${col(rows, 'sector_id')}::int[], ${col(rows, 'content_id')}::int[], ${col(rows, 'destination')}::text[],
        ${json(rows, 'destination_config')}::jsonb[], ${col(rows, 'status')}::text[],
        ${col(rows, 'external_url')}::text[], ${col(rows, 'external_id')}::text[],
        ${col(rows, 'error_message')}::text[], ${col(rows, 'attempts')}::int[], ${json(rows, 'metadata')}::jsonb[],
        ${col(rows, 'revision')}::int[], ${col(rows, 'created_at')}::timestamptz[],
        ${col(rows, 'updated_at')}::timestamptz[], ${col(rows, 'published_at')}::timestamptz[],
        ${col(rows, 'deleted')}::bool[], ${col(rows, 'last_position')}::text[],
        ${col(rows, 'document')}::text[])`,
    )
    .onConflict((oc) =>
      oc.column('id').doUpdateSet((eb) => {
        const set: Record<string, unknown> = {};
        for (const c of RECORD_WRITE_COLUMNS) if (c !== 'id') set[c] = eb.ref(`excluded.${c}`);
        return set;
      }),
    )
    .execute();
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
  if (rows.length === 0) return;
  await db
    .insertInto('deployments')
    .columns([...DEPLOYMENT_WRITE_COLUMNS])
    .expression(
      sql`select * from unnest(
        ${col(rows, 'id')}::uuid[], ${col(rows, 'account_id')}::int[], ${col(rows, 'site_id')}::int[],
        ${col(rows, 'sector_id')}::int[], ${col(rows, 'version')}::int[], ${col(rows, 'status')}::text[],
        ${col(rows, 'deployment_url')}::text[], ${col(rows, 'error_message')}::text[],
        ${json(rows, 'metadata')}::jsonb[], ${col(rows, 'revision')}::int[],
        ${col(rows, 'created_at')}::timestamptz[], ${col(rows, 'updated_at')}::timestamptz[],
        ${col(rows, 'deployed_at')}::timestamptz[], ${col(rows, 'rolled_back_at')}::timestamptz[],
        ${col(rows, 'last_position')}::text[], ${col(rows, 'document')}::text[])`,
    )
    .onConflict((oc) =>
      oc.column('id').doUpdateSet((eb) => {
        const set: Record<string, unknown> = {};
        for (const c of DEPLOYMENT_WRITE_COLUMNS) if (c !== 'id') set[c] = eb.ref(`excluded.${c}`);
        return set;
      }),
    )
    .execute();
}
