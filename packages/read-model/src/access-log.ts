import { BatchQueue, type Migration } from '@publisher/coordination';
import type { TenantScope } from '@publisher/platform';
import { type ColumnType, type Generated, type Kysely, type SqlBool, sql } from 'kysely';
import { isDataError } from './connect.ts';
import type { ReadModelDatabase, Timestamp } from './database.ts';
import { type KeysetPage, keysetPage } from './keyset-page.ts';
import { withTenantScope } from './scope.ts';

/**
 * Schema of the access log. It records reads, not events, so nothing can rebuild it: it lives
 * outside the read-model schemas a rebuild swaps and drops, and is never truncated or rewritten.
 */
export const AUDIT_TRAIL_SCHEMA = 'audit_trail';

/** What a support or privileged reader looked at in another account. */
export type AccessAction = 'history' | 'as_of' | 'audit_search' | 'snapshot';

/** One recorded read. */
export interface AccessLogEntry {
  /** The account whose data was read. */
  account_id: number;
  /** The record's site; null for reads spanning sites (searches, snapshots). */
  site_id: number | null;
  reader_user_id: string;
  reader_role: string;
  /** Null for platform tokens that belong to no account (developer, system_bot). */
  reader_account_id: number | null;
  action: AccessAction;
  /** `publishing_record` or `deployment` for reads of one record; null otherwise. */
  record_kind: string | null;
  record_id: string | null;
  /** The parameters of the read (filters, as_of, page), as the reader sent them. */
  query: Record<string, unknown>;
  request_id: string;
}

interface AccessLogRow extends AccessLogEntry {
  id: number;
  at: string;
}

/** `audit_trail.access_log`. */
export interface AccessLogTable extends Omit<AccessLogEntry, 'query'> {
  id: Generated<string>;
  at: ColumnType<string, never, never> & Timestamp;
  query: ColumnType<Record<string, unknown>, string, never>;
}

/**
 * The audit trail schema's changes, applied with the read model's migrations. The access log is
 * append-only in the database too: triggers refuse UPDATE, DELETE and TRUNCATE, whoever connects.
 * The first change is written to be repeatable: it adopts the table and triggers as databases of
 * earlier versions created them, before the schema had a migrations table.
 */
export const ACCESS_LOG_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'access log: reads of tenant data by support and operators, append-only',
    sql: (schema) => `
CREATE TABLE IF NOT EXISTS ${schema}.access_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  account_id integer NOT NULL,
  site_id integer,
  reader_user_id text NOT NULL,
  reader_role text NOT NULL,
  reader_account_id integer,
  action text NOT NULL,
  record_kind text,
  record_id uuid,
  query jsonb NOT NULL,
  request_id text NOT NULL
);
CREATE INDEX IF NOT EXISTS access_log_account ON ${schema}.access_log (account_id, id DESC);
-- Created once (not replaced at every start: concurrent start-ups would race on the catalog).
DO $do$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'access_log_no_change'
                 AND tgrelid = '${schema}.access_log'::regclass) THEN
    CREATE FUNCTION ${schema}.access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      RAISE EXCEPTION 'the access log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
    END
    $fn$;
    CREATE TRIGGER access_log_no_change BEFORE UPDATE OR DELETE ON ${schema}.access_log
      FOR EACH ROW EXECUTE FUNCTION ${schema}.access_log_append_only();
    CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON ${schema}.access_log
      FOR EACH STATEMENT EXECUTE FUNCTION ${schema}.access_log_append_only();
  END IF;
END
$do$;
`,
  },
];

const TABLE = `${AUDIT_TRAIL_SCHEMA}.access_log` as const;

/**
 * Records reads (one row each) before their answer is sent. Unscoped: it writes what the read API
 * decided to record.
 * @example
 * await recordAccess(rm, [{ account_id: 7, site_id: 3, reader_user_id: 'ann', reader_role: 'support', … }]);
 */
export async function recordAccess(db: Kysely<ReadModelDatabase>, entries: readonly AccessLogEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insertInto(TABLE)
    .values(entries.map((e) => ({ ...e, query: JSON.stringify(e.query) })))
    .execute();
}

/** Records reads; resolves once they are committed, rejects if they could not be. */
export type AccessLogWriter = (entries: readonly AccessLogEntry[]) => Promise<void>;

interface Waiting {
  entries: readonly AccessLogEntry[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Reads whose entries go in one INSERT at most. A read records one entry per account its answer
 * holds (at most a page of 100 rows and the account it named), so a batch stays under PostgreSQL's
 * 65,535 bind parameters (11 per entry).
 */
const MAX_READS_PER_INSERT = 40;

/**
 * `recordAccess` with group commit (`BatchQueue`): while one INSERT is out, the entries of reads
 * arriving meanwhile wait and go together as the next one, so a lone read writes at once and a busy
 * API commits many reads per statement (an INSERT's round trip, planning and commit cost more than
 * its rows; a second INSERT out at once made smaller batches and cost more CPU per read than the
 * wait it saved). Each caller still resolves only once its own entries are committed, and fails if
 * they were not: no read is answered unrecorded. When PostgreSQL refuses a batch's data, its
 * callers' entries are written again one caller at a time, so one bad entry fails its own read, not
 * its neighbours'.
 * @example
 * const record = accessLogWriter(rm);
 * await record([{ account_id: 7, site_id: 3, reader_user_id: 'ann', reader_role: 'support', … }]);
 */
export function accessLogWriter(db: Kysely<ReadModelDatabase>): AccessLogWriter {
  const settle = async (batch: Waiting[]): Promise<void> => {
    try {
      await recordAccess(
        db,
        batch.flatMap((w) => w.entries),
      );
      for (const w of batch) w.resolve();
    } catch (err) {
      if (batch.length === 1 || !isDataError(err)) for (const w of batch) w.reject(err);
      else for (const w of batch) await settle([w]);
    }
  };
  const inserts = new BatchQueue<Waiting>({ maxInFlight: 1, maxBatch: MAX_READS_PER_INSERT, send: settle });
  return (entries) => {
    if (entries.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => inserts.push({ entries, resolve, reject }));
  };
}

/** Where a page starts: strictly older (`next`) or strictly newer (`previous`) than the entry with this id. */
export interface AccessLogCursor {
  direction: 'older' | 'newer';
  id: number;
}

export interface AccessLogPage extends KeysetPage<AccessLogRow> {
  /** Entries the scope may read. */
  count: number;
}

/**
 * One page of the access log of the accounts (and sites) a scope covers, newest first, keyset-paged
 * by entry id.
 * @example
 * const page = await listAccessLog(rm, { account_id: 7, site_ids: null }, { page_size: 20 });
 */
export async function listAccessLog(
  db: Kysely<ReadModelDatabase>,
  scope: TenantScope,
  options: { page_size: number; cursor?: AccessLogCursor },
): Promise<AccessLogPage> {
  const base = withTenantScope(db.selectFrom(TABLE), scope);
  const newer = options.cursor?.direction === 'newer';
  let page = base.selectAll();
  if (options.cursor !== undefined) page = page.where(sql<SqlBool>`id ${newer ? sql`>` : sql`<`} ${options.cursor.id}`);
  page = page.orderBy('id', newer ? 'asc' : 'desc').limit(options.page_size + 1);
  const count = base.select(sql<number>`count(*)::int`.as('total'));
  const result = await db
    .selectFrom(count.as('c'))
    .leftJoinLateral(page.as('p'), (join) => join.onTrue())
    .selectAll('p')
    .select('c.total')
    .execute();
  const found = result
    .filter((r) => r.id !== null)
    .map(({ total: _, ...r }) => ({ ...r, id: Number(r.id) }) as AccessLogRow);
  return { ...keysetPage(found, options.page_size, options.cursor?.direction), count: result[0]?.total ?? 0 };
}
