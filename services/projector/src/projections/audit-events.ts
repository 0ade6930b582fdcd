import { occurredAt, type RecordedEvent } from '@publisher/event-store';
import { isUuid } from '@publisher/platform/ids';
import type { AuditEventRow } from '@publisher/read-model';

/*
 * The audit projection: every event of the log becomes one audit row, built from what every event
 * carries — its stream, revision, position and metadata — and never from its payload. A type this
 * projector has never heard of is projected exactly like the others, so the audit search shows new
 * event types (re-drives, say) without a change here.
 */

const MAX_INT = 2_147_483_647;

/** The metadata as stored: written by our command side, but read defensively (other writers, old versions). */
interface LooseMetadata {
  actor?: unknown;
  tenant?: unknown;
  correlation_id?: unknown;
}

const fields = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const id = (value: unknown): number | null =>
  typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_INT ? value : null;

/**
 * The audit row of one event. Pure. The stream `<aggregate>-<uuid>` names the record; streams of
 * another shape (the site-deployments ledger) have no record id. Tenant, actor, ids and time come
 * from the metadata; a missing or malformed value becomes null (the time falls back to the store's,
 * see `occurredAt`).
 * @example
 * auditEventRow(recorded) // { event_id, position, type, aggregate: 'publishing_record', record_id, account_id, … }
 */
export function auditEventRow(event: RecordedEvent): AuditEventRow {
  const dash = event.stream.indexOf('-');
  const aggregate = dash === -1 ? event.stream : event.stream.slice(0, dash);
  const suffix = dash === -1 ? '' : event.stream.slice(dash + 1);
  const m: LooseMetadata = event.metadata ?? {};
  const actor = fields(m.actor);
  const tenant = fields(m.tenant);
  return {
    event_id: event.id,
    position: event.position,
    type: event.type,
    aggregate,
    record_id: isUuid(suffix) ? suffix.toLowerCase() : null,
    revision: event.revision,
    account_id: id(tenant.account_id),
    site_id: id(tenant.site_id),
    sector_id: id(tenant.sector_id),
    actor_user_id: text(actor.user_id),
    actor_role: text(actor.role),
    correlation_id: text(m.correlation_id),
    occurred_at: occurredAt(event),
    recorded_at: event.recorded_at.toISOString(),
  };
}
