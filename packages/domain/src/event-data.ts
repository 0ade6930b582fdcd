import { type Static, type TSchema, Type } from 'typebox';

/*
 * The building blocks of the internal events' payload schemas. A payload schema is what a reader
 * of the log checks before it applies an event (the projector does, so a payload a bug or a hand
 * wrote stops its projection instead of becoming rows); the event types are derived from the same
 * schemas, so the two cannot drift. Extra properties are allowed: a newer writer may add fields.
 */

export const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
export const Uuid = Type.String({ format: 'uuid' });
/** The command's time (ISO-8601); evolve takes it from here, so it stays pure. */
export const At = Type.String({ format: 'date-time' });
export const Json = Type.Record(Type.String(), Type.Unknown());
export const Text = Type.String();
export const NullableText = Type.Union([Type.String(), Type.Null()]);

/** `{ type, data }` for each event type of a table of payload schemas, keyed by type. */
export type EventsOf<Data extends Record<string, TSchema>> = {
  [Type in keyof Data & string]: { type: Type; data: Static<Data[Type]> };
};
