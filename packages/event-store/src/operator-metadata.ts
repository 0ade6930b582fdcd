import type { EventMetadata } from './port.ts';

/**
 * The metadata of an event an operator records through the support CLI (a relay skip or republish, a
 * dead-letter re-drive). No API request caused it: its request and correlation id is
 * `support-cli-<event id>`, so an audit query finds the one decision, and it has no causation.
 * @example
 * operatorMetadata(id, { user_id: 'ann', role: 'support' }, { account_id: 0, site_id: 0, sector_id: null }, at)
 */
export function operatorMetadata(
  eventId: string,
  actor: EventMetadata['actor'],
  tenant: EventMetadata['tenant'],
  at: string,
): EventMetadata {
  const requestId = `support-cli-${eventId}`;
  return {
    correlation_id: requestId,
    causation_id: null,
    actor,
    tenant,
    request_id: requestId,
    occurred_at: at,
    schema_version: 1,
  };
}
