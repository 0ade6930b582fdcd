import * as events from '../src/events/index.ts';
import type { IntegrationEvent } from '../src/events/registry.ts';

/**
 * What the documents say about each Kafka header. The header NAMES come from the package's
 * constants (every exported `…_HEADERS` object of src/events), never from this table: a header
 * constant added there appears in the AsyncAPI document at the next `pnpm contracts:generate`,
 * described here if this table knows it, and as an optional string otherwise.
 */

/** A JSON Schema (draft-07) as plain data. */
export type JsonSchema = { [keyword: string]: unknown };

export interface HeaderDoc {
  description: string;
  schema: JsonSchema;
  /** On every message (false: only on some, e.g. `causation-id` only when the event has a cause). */
  required: boolean;
  /** The header's value on the message of `event`, for the examples; undefined: not on that message. */
  example?: (event: IntegrationEvent) => string | undefined;
}

const decimal = { type: 'string', pattern: '^[1-9][0-9]*$' };

const KNOWN: Record<string, HeaderDoc> = {
  'event-id': {
    description: 'The envelope `event_id`: unique per event, the same on every delivery and replay (the dedupe key).',
    schema: { type: 'string', format: 'uuid' },
    required: true,
    example: (e) => e.event_id,
  },
  'event-type': {
    description: 'The envelope `event_type`, for routing without parsing the value.',
    schema: { type: 'string' },
    required: true,
    example: (e) => e.event_type,
  },
  'schema-version': {
    description: 'The envelope `schema_version`, as a decimal string.',
    schema: decimal,
    required: true,
    example: (e) => String(e.schema_version),
  },
  'account-id': {
    description: 'The envelope `account_id` (tenant), as a decimal string.',
    schema: decimal,
    required: true,
    example: (e) => String(e.account_id),
  },
  'correlation-id': {
    description: 'The envelope `correlation_id`: the request chain that caused the event.',
    schema: { type: 'string', minLength: 1, maxLength: 200 },
    required: true,
    example: (e) => e.correlation_id,
  },
  'causation-id': {
    description: 'The envelope `causation_id`; absent when the event has no known cause.',
    schema: { type: 'string', minLength: 1, maxLength: 200 },
    required: false,
    example: (e) => e.causation_id ?? undefined,
  },
  position: {
    description: "The envelope `position` in Publisher's global log (string comparison orders positions).",
    schema: { type: 'string', minLength: 1, maxLength: 100 },
    required: true,
    example: (e) => e.position,
  },
  replay: {
    description:
      'Present, with the value `true`, on an event republished by a support re-drive: the original event with ' +
      'its original `event_id` and `position`, so a consumer that already handled it skips it as a duplicate and ' +
      'one that missed it handles it now. It may arrive after newer events of its record.',
    schema: { type: 'string', enum: ['true'] },
    required: false,
  },
  'replay-id': {
    description:
      'Id of the re-drive that republished the event (present with `replay`), the same on every message of one ' +
      're-drive: for logs and support.',
    schema: { type: 'string', format: 'uuid' },
    required: false,
  },
  traceparent: {
    description:
      "W3C trace context of the command that caused the event, when tracing is on (the command API's `TRACING_ENABLED`, default true, whether or not spans are exported).",
    schema: { type: 'string' },
    required: false,
  },
};

/**
 * Every header name the package's constants define (`sources`: the exports of src/events), in
 * declaration order, with what to say about it.
 */
export function documentedHeaders(sources: Record<string, unknown> = events): Array<{ name: string } & HeaderDoc> {
  const names = new Set<string>();
  for (const [exportName, value] of Object.entries(sources)) {
    if (!exportName.endsWith('_HEADERS') || typeof value !== 'object' || value === null) continue;
    for (const name of Object.values(value)) if (typeof name === 'string') names.add(name);
  }
  return [...names].map((name) => ({
    name,
    ...(KNOWN[name] ?? { description: `The \`${name}\` header.`, schema: { type: 'string' }, required: false }),
  }));
}
