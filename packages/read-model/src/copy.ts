import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { AUDIT_EVENT_COLUMNS, type AuditEventRow, auditEventDocument } from './audit-events.ts';

/*
 * Speed trick: the projector appends audit rows with COPY … FROM STDIN (text format) instead of
 * INSERT … SELECT FROM unnest(…). The audit read model takes one row per event — five times the rows
 * the other read models write per replayed batch — and PostgreSQL ingests COPY text with the least
 * work per row, while building the text costs Node less than handing pg seventeen arrays to
 * serialize. What it trades: COPY has no ON CONFLICT, so an event already present fails the batch
 * (a unique violation, which stops the projection as a poison event) instead of being skipped;
 * the projector's checkpoint compare-and-set already guarantees no batch is written twice.
 * Measure: `pnpm bench:replay` side by side with a checkout without the audit read model.
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

/** One row as a line of COPY text: columns in `AUDIT_EVENT_COLUMNS` order, then the row's document. */
function line(r: AuditEventRow): string {
  return `${r.event_id}\t${r.position}\t${text(r.type)}\t${text(r.aggregate)}\t${r.record_id ?? NULL}\t${r.revision}\t${int(r.account_id)}\t${int(r.site_id)}\t${int(r.sector_id)}\t${text(r.actor_user_id)}\t${text(r.actor_role)}\t${text(r.correlation_id)}\t${r.occurred_at}\t${r.recorded_at}\t${text(auditEventDocument(r))}\n`;
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
  let body = '';
  for (const r of rows) body += line(r);
  const stream = client.query(copyFrom(`COPY audit_events (${AUDIT_EVENT_COLUMNS.join(', ')}, document) FROM STDIN`));
  await new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
    stream.end(body);
  });
}
