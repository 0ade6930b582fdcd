import { evolveRecord, type RecordAggregate } from '@publisher/domain';

/** Where an event sits: its stream revision (becomes the row's revision) and global position. */
export interface EventPlace {
  revision: number;
  position: string;
}

/** A record's state as the domain folds it, with the revision and position of its last event. */
export interface Projected<State> {
  state: State;
  revision: number;
  position: string;
}

/** Outcome of applying one event. */
export type Outcome<State> =
  | { kind: 'changed'; projected: Projected<State> }
  /** Already applied (a re-delivery): the row's revision is at or past the event's. */
  | { kind: 'unchanged' }
  /** The event needs a record that does not exist (its create event is missing). */
  | { kind: 'missing' };

/**
 * Applies one event with the domain's aggregate, plus the bookkeeping that makes re-delivery a
 * no-op: an event at or below the record's revision changes nothing. Pure.
 * @example
 * applyEvent(publishingRecordAggregate, undefined, created, { revision: 0, position })
 * // { kind: 'changed', projected: { state: { status: 'pending', … }, revision: 0, position } }
 */
export function applyEvent<State extends { status: string }, Existing extends State, Event extends { type: string }>(
  aggregate: Pick<
    RecordAggregate<State, Existing, unknown, Event, unknown>,
    'label' | 'initial' | 'evolve' | 'isEvent' | 'exists'
  >,
  current: Projected<Existing> | undefined,
  event: Event,
  place: EventPlace,
): Outcome<Existing> {
  if (current !== undefined && place.revision <= current.revision) return { kind: 'unchanged' };
  // 'throw' never fires here: decoding has already stopped the projection at a type this code does
  // not know (a poison event, see `decode.ts`), so only known events arrive.
  const after = evolveRecord(aggregate, current?.state ?? aggregate.initial, event, 'throw');
  // Before its create a record does not exist, and the domain's evolve leaves it so for any other
  // event: the record is missing. Past the create every newer event moves the revision and position,
  // also one that changes no field (a re-drive's republish request).
  if (!aggregate.exists(after)) return { kind: 'missing' };
  return { kind: 'changed', projected: { state: after, revision: place.revision, position: place.position } };
}
