import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { AUDIT_EVENT_COLUMNS, type AuditEventRow } from './audit-events.ts';
import {
  DEPLOYMENT_WRITES,
  type DeploymentRow,
  PUBLISHING_RECORD_WRITES,
  type PublishingRecordRow,
  type WithDocument,
} from './rows.ts';

/*
 * Speed trick: the projector appends rows with COPY … FROM STDIN (text format) instead of
 * INSERT … SELECT FROM unnest(…). PostgreSQL ingests COPY text with the least work per row, and
 * building the text costs Node less than handing pg an array per column to serialize. What it
 * trades: COPY has no ON CONFLICT, so a row already present fails the write (a unique violation)
 * instead of replacing it. The audit read model takes one row per event and never replaces one (the
 * projector's checkpoint compare-and-set guarantees no batch is written twice); a rebuild's replay
 * COPYs the records and deployments it writes for the first time into its empty tables.
 * Measure: `pnpm bench:replay` side by side with a checkout that upserts.
 */

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPED = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const NULL = '\\N';

/** A text field in COPY's text format (backslash, tab and line breaks escaped; null as \N). */
function text(value: string | null): string {
  if (value === null) return NULL;
  return NEEDS_ESCAPE.test(value) ? value.replace(ESCAPED, (c) => ESCAPES[c] as string) : value;
}

const int = (value: number | null): string => (value === null ? NULL : String(value));

/** Any column value as a COPY text field: objects as their JSON (for jsonb columns), booleans as t/f. */
function field(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return text(value);
    case 'number':
      return String(value);
    case 'boolean':
      return value ? 't' : 'f';
    case 'undefined':
      return NULL;
    default:
      return value === null ? NULL : text(JSON.stringify(value));
  }
}

/**
 * COPY text lines encoded as they are added, into one growing buffer: a body concatenated as one
 * string and encoded at the end costs more (the string of thousands of lines has to be flattened
 * first).
 */
class Lines {
  private buffer = Buffer.allocUnsafe(64 * 1024);
  private length = 0;

  add(line: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    if (this.length + line.length * 3 > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + line.length * 3));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    this.length += this.buffer.write(line, this.length);
  }

  get bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

/** Streams `body` (COPY text lines) into `table`'s `columns` through `client`. */
async function copyLines(
  client: pg.ClientBase,
  table: string,
  columns: readonly string[],
  body: Buffer,
): Promise<void> {
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  await new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
    stream.end(body);
  });
}

/** Rows as COPY text, one line each, their fields in `columns` order. */
function lines<R>(rows: readonly R[], columns: readonly (keyof R & string)[]): Buffer {
  const body = new Lines();
  for (const r of rows) {
    let l = field(r[columns[0]!]);
    for (let i = 1; i < columns.length; i++) l += `\t${field(r[columns[i]!])}`;
    body.add(`${l}\n`);
  }
  return body.bytes;
}

/** One audit row as a line of COPY text: columns in `AUDIT_EVENT_COLUMNS` order. */
function auditLine(r: AuditEventRow): string {
  return `${r.event_id}\t${r.position}\t${text(r.type)}\t${text(r.aggregate)}\t${r.record_id ?? NULL}\t${r.revision}\t${int(r.account_id)}\t${int(r.site_id)}\t${int(r.sector_id)}\t${text(r.actor_user_id)}\t${text(r.actor_role)}\t${text(r.correlation_id)}\t${r.occurred_at}\t${r.recorded_at}\n`;
}

/**
 * Appends audit rows through `client` (the projector's session, inside its batch transaction;
 * unqualified `audit_events` resolves through its search_path). Unscoped: the projector serves
 * every tenant.
 * @throws the database's error (e.g. 23505 for an event already stored); the transaction is then aborted.
 * @example
 * await copyAuditEvents(session.client, rows);
 */
export async function copyAuditEvents(client: pg.ClientBase, rows: readonly AuditEventRow[]): Promise<void> {
  if (rows.length === 0) return;
  const body = new Lines();
  for (const r of rows) body.add(auditLine(r));
  await copyLines(client, 'audit_events', AUDIT_EVENT_COLUMNS, body.bytes);
}

const RECORD_COPY_COLUMNS = PUBLISHING_RECORD_WRITES.map(([name]) => name);
const DEPLOYMENT_COPY_COLUMNS = DEPLOYMENT_WRITES.map(([name]) => name);

/**
 * Inserts publishing records that are not in the table yet (a rebuild's first write of each), each
 * with its document — what `savePublishingRecords` writes, without replacing. Unscoped, as the
 * projector's writes are.
 * @throws the database's error (23505 when one is already stored).
 * @example
 * await copyPublishingRecords(session.client, rows);
 */
export async function copyPublishingRecords(
  client: pg.ClientBase,
  rows: readonly WithDocument<PublishingRecordRow>[],
): Promise<void> {
  if (rows.length === 0) return;
  await copyLines(client, 'publishing_records', RECORD_COPY_COLUMNS, lines(rows, RECORD_COPY_COLUMNS));
}

/** `copyPublishingRecords` for deployments. */
export async function copyDeployments(
  client: pg.ClientBase,
  rows: readonly WithDocument<DeploymentRow>[],
): Promise<void> {
  if (rows.length === 0) return;
  await copyLines(client, 'deployments', DEPLOYMENT_COPY_COLUMNS, lines(rows, DEPLOYMENT_COPY_COLUMNS));
}
