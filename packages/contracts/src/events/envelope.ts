import { type TSchema, Type } from 'typebox';
import { DateTime, PlatformId, Uuid } from '../http/common.ts';

/**
 * Opaque, totally ordered position of the event in Publisher's global log. Two positions compare
 * with plain string comparison; consumers may use it to know how far they are, never to compute.
 */
export const EventPosition = Type.String({ minLength: 1, maxLength: 100 });

/** Correlation and causation ids: printable ASCII, as the command API accepts them. */
const TraceId = Type.String({ minLength: 1, maxLength: 200 });

const described = <T extends TSchema>(schema: T, description: string) => Type.With(schema, { description });

/**
 * The fields every public event carries around its `data` (see packages/contracts/README.md).
 * Builds one event schema: the envelope with a literal `event_type`, a literal `schema_version`
 * and the event's own `data`. The descriptions travel into the JSON Schema files and the AsyncAPI
 * document generated from these definitions (`pnpm contracts:generate`).
 *
 * @example
 * const Started = integrationEvent('publisher.deployment.started', 1, Type.Object({ status: Type.Literal('deploying') }), {
 *   description: 'The deployment started.',
 * });
 */
export function integrationEvent<Name extends string, Version extends number, Data extends TSchema>(
  eventType: Name,
  schemaVersion: Version,
  data: Data,
  options: { description: string; sectorNullable?: boolean },
) {
  const sector = options.sectorNullable
    ? described(Type.Union([PlatformId, Type.Null()]), 'The sector, or null for an event about the whole site.')
    : described(PlatformId, 'The sector (tenant).');
  return Type.Object(
    {
      event_id: described(Uuid, 'Unique per event, the same on every delivery and replay: the dedupe key.'),
      event_type: described(Type.Literal(eventType), 'What happened; with schema_version it selects the schema.'),
      schema_version: described(Type.Literal(schemaVersion), "Version of this event type's schema."),
      occurred_at: described(DateTime, 'When the command that caused the event was decided (ISO-8601, UTC).'),
      record_id: described(Uuid, 'The publishing record or deployment; equals the message key.'),
      account_id: described(PlatformId, 'The account (tenant).'),
      site_id: described(PlatformId, 'The site (tenant).'),
      sector_id: sector,
      position: described(
        EventPosition,
        "Opaque position in Publisher's global log; string comparison orders two positions.",
      ),
      correlation_id: described(TraceId, 'The request chain that caused the event.'),
      causation_id: described(Type.Union([TraceId, Type.Null()]), 'What directly caused the event, when known.'),
      data,
    },
    // No additionalProperties: false: within a schema version Publisher may add optional fields, and
    // consumers must tolerate them (tolerant reader), so the public schemas accept unknown keys.
    { description: options.description },
  );
}
