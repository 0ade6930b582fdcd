/**
 * The read model's SQL. Tables and the view are numbered migrations applied by `migrateReadModel`;
 * secondary indexes are kept apart (`indexSql`) because a rebuild creates them only after its
 * replay: building an index once over all rows costs far less than maintaining it row by row.
 * `{schema}` is quoted by the caller.
 */
import type { Migration } from '@publisher/coordination';

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'publishing records, deployments, per-site view, checkpoints',
    sql: (s) => `
CREATE TABLE ${s}.publishing_records (
  id uuid PRIMARY KEY,
  account_id integer NOT NULL,
  site_id integer NOT NULL,
  sector_id integer NOT NULL,
  content_id integer NOT NULL,
  destination text NOT NULL,
  destination_config jsonb NOT NULL,
  status text NOT NULL,
  external_url text,
  external_id text,
  error_message text,
  attempts integer NOT NULL,
  metadata jsonb NOT NULL,
  revision integer NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  published_at timestamptz,
  deleted boolean NOT NULL DEFAULT false,
  last_position text NOT NULL
);

CREATE TABLE ${s}.deployments (
  id uuid PRIMARY KEY,
  account_id integer NOT NULL,
  site_id integer NOT NULL,
  sector_id integer,
  version integer NOT NULL,
  status text NOT NULL,
  deployment_url text,
  error_message text,
  metadata jsonb NOT NULL,
  revision integer NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  deployed_at timestamptz,
  rolled_back_at timestamptz,
  last_position text NOT NULL
);

-- A view rather than a projected table: it cannot drift from the deployments it summarises, and
-- with the (account_id, site_id, version) index one site costs two short index scans. Quals on
-- account_id / site_id are pushed into the grouped subquery.
CREATE VIEW ${s}.site_deployment_status AS
SELECT
  s.account_id,
  s.site_id,
  s.deployments_count,
  last.id AS last_deployment_id,
  last.version AS last_version,
  last.status AS last_status,
  last.error_message AS last_error_message,
  last.updated_at AS last_updated_at,
  live.id AS live_deployment_id,
  live.version AS live_version,
  live.deployment_url AS live_deployment_url,
  live.deployed_at AS live_deployed_at
FROM (
  SELECT account_id, site_id, count(*) AS deployments_count
  FROM ${s}.deployments GROUP BY account_id, site_id
) s
CROSS JOIN LATERAL (
  SELECT d.id, d.version, d.status, d.error_message, d.updated_at
  FROM ${s}.deployments d
  WHERE d.account_id = s.account_id AND d.site_id = s.site_id
  ORDER BY d.version DESC LIMIT 1
) last
LEFT JOIN LATERAL (
  SELECT d.id, d.version, d.deployment_url, d.deployed_at
  FROM ${s}.deployments d
  WHERE d.account_id = s.account_id AND d.site_id = s.site_id AND d.status = 'deployed'
  ORDER BY d.version DESC LIMIT 1
) live ON true;

CREATE TABLE ${s}.projection_checkpoints (
  name text PRIMARY KEY,
  position text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  stopped_at timestamptz,
  stopped_event_id text,
  stopped_event_type text,
  stopped_position text,
  stopped_reason text
);
`,
  },
  {
    version: 2,
    description: 'documents: each row keeps its representation as JSON, rendered by the projector',
    // Nullable and without a default, so adding the column rewrites no table; migration 3 fills the
    // rows written before it and makes the column NOT NULL.
    sql: (s) => `
ALTER TABLE ${s}.publishing_records ADD COLUMN document text;
ALTER TABLE ${s}.deployments ADD COLUMN document text;
`,
  },
  {
    version: 3,
    description: 'documents of rows written before migration 2, so every row has one',
    // The representation as it was when this migration was written (a new field comes with a
    // rebuild, which renders every document anew). Timestamps as the API writes them.
    sql: (s) => `
UPDATE ${s}.publishing_records p SET document = (SELECT row_to_json(r)::text FROM (SELECT p.id, p.account_id,
  p.site_id, p.sector_id, p.content_id, p.destination, p.destination_config, p.status, p.external_url, p.external_id,
  p.error_message, p.attempts, p.metadata, p.revision, ${iso('p.created_at')} AS created_at,
  ${iso('p.updated_at')} AS updated_at, ${iso('p.published_at')} AS published_at) r)
WHERE document IS NULL;
UPDATE ${s}.deployments d SET document = (SELECT row_to_json(r)::text FROM (SELECT d.id, d.account_id, d.site_id,
  d.sector_id, d.version, d.status, d.deployment_url, d.error_message, d.metadata, d.revision,
  ${iso('d.created_at')} AS created_at, ${iso('d.updated_at')} AS updated_at, ${iso('d.deployed_at')} AS deployed_at,
  ${iso('d.rolled_back_at')} AS rolled_back_at) r)
WHERE document IS NULL;
ALTER TABLE ${s}.publishing_records ALTER COLUMN document SET NOT NULL;
ALTER TABLE ${s}.deployments ALTER COLUMN document SET NOT NULL;
`,
  },
  {
    version: 4,
    description: 'audit events: every event of the log, by tenant, actor, correlation, type and time',
    // Positions order by their bytes (fixed-width hex), hence collation "C" whatever the database's.
    sql: (s) => `
CREATE TABLE ${s}.audit_events (
  event_id uuid NOT NULL,
  position text COLLATE "C" NOT NULL,
  type text NOT NULL,
  aggregate text NOT NULL,
  record_id uuid,
  revision integer NOT NULL,
  account_id integer,
  site_id integer,
  sector_id integer,
  actor_user_id text,
  actor_role text,
  correlation_id text,
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL
);
`,
  },
  {
    version: 5,
    description: 'audit documents: each audit row keeps its JSON, rendered by the projector',
    // Nullable and without a default, so adding the column rewrites no table (the audit table holds
    // one row per event of the log); the search renders rows written before it (audit-events.ts)
    // until a rebuild writes them anew.
    sql: (s) => `
ALTER TABLE ${s}.audit_events ADD COLUMN document text;
`,
  },
  {
    version: 6,
    description: 'audit documents rendered per read instead of stored (see auditEventDocument)',
    // Dropping a column only hides it: the space comes back as rows are rewritten, all at once with
    // the next `projector:rebuild`. A projector of the previous version writes the column: once this
    // has run (any new service runs migrations), its batches fail and are retried until it is
    // replaced, so upgrade the projector first.
    sql: (s) => `
ALTER TABLE ${s}.audit_events DROP COLUMN document;
`,
  },
  {
    version: 7,
    description: 'audit counts: events per account and site, kept by triggers, for the search page count',
    // The triggers count every insert (and delete, and truncate: the table is append-only, but an
    // operator's fix must not leave the counts wrong), whoever writes — a projector of an earlier
    // version too. Statement-level, so a batch's COPY costs one grouped upsert. The function names
    // its table through TG_TABLE_SCHEMA: a rebuild's schema is renamed at the swap. CREATE TRIGGER
    // locks out inserts until this transaction ends, so the backfill counts exactly the rows that
    // are in and the trigger every row after (the backfill is one scan of the audit table, which the
    // live projector waits for). 0 stands for an event without an account or a site.
    sql: (s) => `
CREATE TABLE ${s}.audit_counts (
  account_id integer NOT NULL,
  site_id integer NOT NULL,
  events bigint NOT NULL,
  PRIMARY KEY (account_id, site_id)
);
CREATE FUNCTION ${s}.count_audit_events() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    EXECUTE format('TRUNCATE %I.audit_counts', TG_TABLE_SCHEMA);
  ELSE
    EXECUTE format($q$
      INSERT INTO %I.audit_counts AS c (account_id, site_id, events)
      SELECT coalesce(account_id, 0), coalesce(site_id, 0), %s count(*) FROM %I GROUP BY 1, 2
      ON CONFLICT (account_id, site_id) DO UPDATE SET events = c.events + excluded.events$q$,
      TG_TABLE_SCHEMA, CASE TG_OP WHEN 'DELETE' THEN '-' ELSE '' END, CASE TG_OP WHEN 'DELETE' THEN 'removed' ELSE 'inserted' END);
  END IF;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER audit_events_count AFTER INSERT ON ${s}.audit_events
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION ${s}.count_audit_events();
CREATE TRIGGER audit_events_uncount AFTER DELETE ON ${s}.audit_events
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION ${s}.count_audit_events();
CREATE TRIGGER audit_events_count_truncate AFTER TRUNCATE ON ${s}.audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION ${s}.count_audit_events();
${auditCountsSql(s)}
`,
  },
  {
    version: 8,
    description: 'list counts: listed publishing records and deployments per account, site and status',
    // As audit_counts (migration 7): statement-level triggers keep them, whoever writes, and
    // CREATE TRIGGER holds writers back while the backfill counts what is in. One function for
    // both tables: its arguments name the counts table and which rows a list shows. An update
    // that changes none of the three columns nets out to nothing and writes nothing.
    sql: (s) => `
CREATE TABLE ${s}.publishing_record_counts (
  account_id integer NOT NULL,
  site_id integer NOT NULL,
  status text NOT NULL,
  total bigint NOT NULL,
  PRIMARY KEY (account_id, site_id, status)
);
CREATE TABLE ${s}.deployment_counts (LIKE ${s}.publishing_record_counts INCLUDING ALL);
CREATE FUNCTION ${s}.count_listed_rows() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  counts text := format('%I.%I', TG_TABLE_SCHEMA, TG_ARGV[0]);
  listed text := TG_ARGV[1];
  added text := format('SELECT account_id, site_id, status, 1 AS n FROM inserted WHERE %s', listed);
  removed text := format('SELECT account_id, site_id, status, -1 AS n FROM removed WHERE %s', listed);
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    EXECUTE 'TRUNCATE ' || counts;
    RETURN NULL;
  END IF;
  EXECUTE format($q$
    INSERT INTO %s AS c (account_id, site_id, status, total)
    SELECT account_id, site_id, status, sum(n) FROM (%s) d GROUP BY 1, 2, 3 HAVING sum(n) <> 0
    ON CONFLICT (account_id, site_id, status) DO UPDATE SET total = c.total + excluded.total$q$,
    counts,
    CASE TG_OP WHEN 'INSERT' THEN added WHEN 'DELETE' THEN removed ELSE added || ' UNION ALL ' || removed END);
  RETURN NULL;
END
$fn$;
${listCountTriggersSql(s, 'publishing_records', 'publishing_record_counts', 'NOT deleted')}
${listCountTriggersSql(s, 'deployments', 'deployment_counts', 'true')}
${listCountsSql(s)}
`,
  },
];

/** The triggers that keep a list's counts table (migration 8). */
function listCountTriggersSql(s: string, table: string, counts: string, listed: string): string {
  const args = `'${counts}', '${listed}'`;
  return `
CREATE TRIGGER ${table}_count_insert AFTER INSERT ON ${s}.${table}
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION ${s}.count_listed_rows(${args});
CREATE TRIGGER ${table}_count_update AFTER UPDATE ON ${s}.${table}
  REFERENCING OLD TABLE AS removed NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION ${s}.count_listed_rows(${args});
CREATE TRIGGER ${table}_count_delete AFTER DELETE ON ${s}.${table}
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION ${s}.count_listed_rows(${args});
CREATE TRIGGER ${table}_count_truncate AFTER TRUNCATE ON ${s}.${table}
  FOR EACH STATEMENT EXECUTE FUNCTION ${s}.count_listed_rows(${args});`;
}

/** Counts audit events into `audit_counts`, which must be empty (migration 7's backfill). */
const auditCountsSql = (s: string): string => `
INSERT INTO ${s}.audit_counts (account_id, site_id, events)
SELECT coalesce(account_id, 0), coalesce(site_id, 0), count(*) FROM ${s}.audit_events GROUP BY 1, 2;
`;

/** Counts the listed records and deployments into their counts tables, which must be empty (migration 8's backfill). */
const listCountsSql = (s: string): string => `
INSERT INTO ${s}.publishing_record_counts (account_id, site_id, status, total)
SELECT account_id, site_id, status, count(*) FROM ${s}.publishing_records WHERE NOT deleted GROUP BY 1, 2, 3;
INSERT INTO ${s}.deployment_counts (account_id, site_id, status, total)
SELECT account_id, site_id, status, count(*) FROM ${s}.deployments GROUP BY 1, 2, 3;
`;

/**
 * Fills every counts table from the rows, which must be empty: a rebuild's, after its replay wrote
 * with the counting triggers off (threads replaying side by side would otherwise upsert the same
 * counts rows from each COPY and wait on each other).
 */
export const countsSql = (s: string): string => auditCountsSql(s) + listCountsSql(s);

/** A timestamptz as the API writes it: `2024-05-01T12:00:00.000Z`. */
function iso(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/**
 * Secondary indexes, one per list filter the read API offers (always behind the tenant's
 * account_id, which every non-privileged query carries), one per list ordering that a page reads
 * in index order (`created_at` and `updated_at` either way; `-published_at`, `-deployed_at`: a
 * nullable column's index serves one direction with NULLs last, and the ascending one is rare), plus
 * cross-account orderings for privileged roles. Idempotent. `test/list-plans.test.ts` checks that
 * each indexed ordering's page is an index scan.
 */
export const indexSql = (s: string): string => `
CREATE INDEX IF NOT EXISTS publishing_records_account_created
  ON ${s}.publishing_records (account_id, created_at DESC, id DESC) WHERE NOT deleted;
CREATE INDEX IF NOT EXISTS publishing_records_account_updated
  ON ${s}.publishing_records (account_id, updated_at DESC, id DESC) WHERE NOT deleted;
CREATE INDEX IF NOT EXISTS publishing_records_account_site
  ON ${s}.publishing_records (account_id, site_id, created_at DESC) WHERE NOT deleted;
CREATE INDEX IF NOT EXISTS publishing_records_account_status
  ON ${s}.publishing_records (account_id, status, created_at DESC) WHERE NOT deleted;
CREATE INDEX IF NOT EXISTS publishing_records_account_content
  ON ${s}.publishing_records (account_id, content_id) WHERE NOT deleted;
CREATE INDEX IF NOT EXISTS publishing_records_account_published
  ON ${s}.publishing_records (account_id, published_at DESC NULLS LAST, id DESC) WHERE NOT deleted;
CREATE INDEX IF NOT EXISTS publishing_records_created
  ON ${s}.publishing_records (created_at DESC, id DESC) WHERE NOT deleted;
-- The command API's stuck-record sweep: records in publishing, oldest first (a handful of rows).
CREATE INDEX IF NOT EXISTS publishing_records_publishing_since
  ON ${s}.publishing_records (updated_at) WHERE status = 'publishing' AND NOT deleted;
CREATE INDEX IF NOT EXISTS deployments_account_created
  ON ${s}.deployments (account_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS deployments_account_updated
  ON ${s}.deployments (account_id, updated_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS deployments_account_deployed
  ON ${s}.deployments (account_id, deployed_at DESC NULLS LAST, id DESC);
CREATE INDEX IF NOT EXISTS deployments_account_site_version
  ON ${s}.deployments (account_id, site_id, version DESC);
CREATE INDEX IF NOT EXISTS deployments_account_status
  ON ${s}.deployments (account_id, status, created_at DESC);
CREATE INDEX IF NOT EXISTS deployments_created
  ON ${s}.deployments (created_at DESC, id DESC);
${auditEventIndexSql(s)}`;

/**
 * The audit search's indexes: one per filter it offers, each ending in the page order
 * (occurred_at, position), so a filtered page is one range scan; the broad filters (site, type,
 * actor) also behind the account, which every non-privileged search carries (an account's search by
 * actor otherwise intersects the actor's events in every account with all of the account's); the
 * event id's uniqueness (a re-delivered event is not stored twice); the records of an account by
 * creation (snapshots).
 */
const auditEventIndexSql = (s: string): string => `
CREATE UNIQUE INDEX IF NOT EXISTS audit_events_event_id ON ${s}.audit_events (event_id);
CREATE INDEX IF NOT EXISTS audit_events_time ON ${s}.audit_events (occurred_at DESC, position DESC);
CREATE INDEX IF NOT EXISTS audit_events_account_time
  ON ${s}.audit_events (account_id, occurred_at DESC, position DESC);
CREATE INDEX IF NOT EXISTS audit_events_account_site_time
  ON ${s}.audit_events (account_id, site_id, occurred_at DESC, position DESC);
CREATE INDEX IF NOT EXISTS audit_events_account_type_time
  ON ${s}.audit_events (account_id, type, occurred_at DESC, position DESC);
CREATE INDEX IF NOT EXISTS audit_events_type_time ON ${s}.audit_events (type, occurred_at DESC, position DESC);
CREATE INDEX IF NOT EXISTS audit_events_record_time
  ON ${s}.audit_events (record_id, occurred_at DESC, position DESC) WHERE record_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS audit_events_actor_time
  ON ${s}.audit_events (actor_user_id, occurred_at DESC, position DESC);
CREATE INDEX IF NOT EXISTS audit_events_account_actor_time
  ON ${s}.audit_events (account_id, actor_user_id, occurred_at DESC, position DESC);
CREATE INDEX IF NOT EXISTS audit_events_correlation_time
  ON ${s}.audit_events (correlation_id, occurred_at DESC, position DESC);
CREATE INDEX IF NOT EXISTS audit_events_account_records
  ON ${s}.audit_events (account_id, record_id) WHERE revision = 0 AND record_id IS NOT NULL;
`;

/**
 * The control schema's changes: operator decisions that outlive rebuilds. The first is written
 * `IF NOT EXISTS`: it adopts the table as databases of earlier versions created it.
 */
export const CONTROL_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'skipped events: events an operator told a projection to pass over',
    sql: (c) => `
CREATE TABLE IF NOT EXISTS ${c}.skipped_events (
  projection text NOT NULL,
  event_id text NOT NULL,
  event_type text,
  position text,
  reason text NOT NULL,
  skipped_by text NOT NULL,
  skipped_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (projection, event_id)
);
`,
  },
];
