import { type TSchema, Type } from 'typebox';
import { DateTime, PlatformId, Uuid } from '../http/common.ts';

/**
 * Opaque, totally ordered position of the event in Publisher's global log. Two positions compare
 * with plain string comparison; consumers may use it to know how far they are, never to compute.
 */
export const EventPosition = Type.String({ minLength: 1, maxLength: 100 });

/** Correlation and causation ids: printable ASCII, as the command API accepts them. */
const TraceId = Type.String({ minLength: 1, maxLength: 200 });

/**
 * The fields every public event carries around its `data` (see packages/contracts/README.md).
 * Builds one event schema: the envelope with a literal `event_type`, a literal `schema_version`
 * and the event's own `data`.
 *
 * @example
 * const Started = integrationEvent('publisher.deployment.started', 1, Type.Object({ status: Type.Literal('deploying') }));
 */
export function integrationEvent<Name extends string, Version extends number, Data extends TSchema>(
  eventType: Name,
  schemaVersion: Version,
  data: Data,
  options: { sectorNullable?: boolean; description?: string } = {},
) {
  return Type.Object(
    {
      event_id: Uuid,
      event_type: Type.Literal(eventType),
      schema_version: Type.Literal(schemaVersion),
      occurred_at: DateTime,
      record_id: Uuid,
      account_id: PlatformId,
      site_id: PlatformId,
      sector_id: options.sectorNullable ? Type.Union([PlatformId, Type.Null()]) : PlatformId,
      position: EventPosition,
      correlation_id: TraceId,
      causation_id: Type.Union([TraceId, Type.Null()]),
      data,
    },
    // No additionalProperties: false: within a schema version Publisher may add optional fields, and
    // consumers must tolerate them (tolerant reader), so the public schemas accept unknown keys.
    { description: options.description },
  );
}
