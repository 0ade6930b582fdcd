import { type Static, type TSchema, Type } from 'typebox';
import { PATTERN_MESSAGE, Uuid } from './common.ts';

/**
 * A letter, digit, punctuation mark or symbol: what a reason needs at least one of. Spaces alone,
 * or invisible characters alone (U+200B, bidirectional controls), say nothing to whoever reads the
 * history. A JSON Schema pattern (Unicode-aware) and `hasVisibleCharacter` for code.
 */
export const VISIBLE_CHARACTER_PATTERN = '[\\p{L}\\p{N}\\p{P}\\p{S}]';
const VISIBLE_CHARACTER = new RegExp(VISIBLE_CHARACTER_PATTERN, 'u');

/** Whether `text` has a character a reader sees (`VISIBLE_CHARACTER_PATTERN`). */
export function hasVisibleCharacter(text: string): boolean {
  return VISIBLE_CHARACTER.test(text);
}

/**
 * Why support runs a re-drive (a ticket, an incident): required, recorded in the event's `data`,
 * shown in the record's history. At most 1000 characters, at least one of them visible.
 */
export const RedriveReason = Type.String({
  minLength: 1,
  maxLength: 1000,
  pattern: VISIBLE_CHARACTER_PATTERN,
  [PATTERN_MESSAGE]: 'must have a visible character',
});

/**
 * Body of every re-drive (`POST publishing-records/{id}/republish|redeliver`,
 * `POST deployments/{id}/republish`). With `dry_run: true` the answer says exactly what would happen
 * and nothing is stored or sent.
 */
export const RedriveBody = Type.Object(
  {
    reason: RedriveReason,
    dry_run: Type.Optional(Type.Boolean({ description: 'answer what would happen; store and send nothing' })),
  },
  { additionalProperties: false },
);
export type RedriveBody = Static<typeof RedriveBody>;

/** One stored event a republish sends again (with its original id and position). */
export const ReplayedEvent = Type.Object({
  event_id: Uuid,
  type: Type.String({ description: 'the internal event type; the relay maps it to its public type' }),
  revision: Type.Integer({ minimum: 0 }),
  position: Type.String(),
});
export type ReplayedEvent = Static<typeof ReplayedEvent>;

/**
 * The answer of a re-drive: what was (or, on a dry run, would be) recorded and what follows from it.
 * @example
 * const Response = SuccessEnvelope(RedriveResult(PublishingRecordRepresentation));
 */
export function RedriveResult<Record extends TSchema>(record: Record) {
  return Type.Object({
    dry_run: Type.Boolean(),
    action: Type.Union([Type.Literal('republish'), Type.Literal('redeliver')]),
    /** One sentence: what happens next (or would happen). */
    effect: Type.String(),
    /** The event recorded in the record's stream (`id` null on a dry run: nothing was recorded). */
    event: Type.Object({
      id: Type.Union([Uuid, Type.Null()]),
      type: Type.String(),
      data: Type.Record(Type.String(), Type.Unknown()),
    }),
    /** The record after the re-drive (a republish leaves it as it was, apart from `revision`). */
    record,
    /** Republish only: the replay id (null on a dry run) and the events the relay sends again, in order. */
    replay: Type.Optional(
      Type.Object({ replay_id: Type.Union([Uuid, Type.Null()]), events: Type.Array(ReplayedEvent) }),
    ),
  });
}
