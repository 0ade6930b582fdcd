import type { Principal } from '@publisher/platform';
import type { AccessAction, AccessLogEntry, AccessLogWriter } from '@publisher/read-model';
import type { FastifyRequest } from 'fastify';

/** What a read looked at, for the access log. */
export interface AccessRead {
  action: AccessAction;
  /** Accounts (and the site, when the read was of one record) whose data the answer holds. */
  tenants: ReadonlyArray<{ account_id: number; site_id: number | null }>;
  record_kind?: string;
  record_id?: string;
  /** The read's parameters as the reader sent them. */
  query: Record<string, unknown>;
}

/**
 * Records a read of history, as-of state, audit events or a snapshot in every account other than
 * the reader's own (only roles that read any account can make one), before the answer goes out: if
 * the log cannot be written, the read fails (503) rather than go unrecorded. Reads in the reader's
 * own account are not recorded.
 * @example
 * await recordCrossAccountReads(deps.accessLog, request, { action: 'history', tenants: [tenant], record_kind, record_id, query });
 */
export async function recordCrossAccountReads(
  record: AccessLogWriter,
  request: FastifyRequest,
  read: AccessRead,
): Promise<void> {
  const reader: Principal = request.principal;
  // `min_position` says how fresh the read had to be, not what it read (and may come as a header
  // instead): the entry records what was read.
  const { min_position: _freshness, ...query } = read.query;
  const seen = new Set<number>();
  const entries: AccessLogEntry[] = [];
  for (const { account_id, site_id } of read.tenants) {
    if (account_id === reader.account_id || seen.has(account_id)) continue;
    seen.add(account_id);
    entries.push({
      account_id,
      site_id,
      reader_user_id: reader.user_id,
      reader_role: reader.role,
      reader_account_id: reader.account_id,
      action: read.action,
      record_kind: read.record_kind ?? null,
      record_id: read.record_id ?? null,
      query,
      request_id: request.id,
    });
  }
  await record(entries);
}
