import type { RecordAggregate } from './aggregates.ts';

/**
 * What a fold does with a stored event of a type this code does not know (a newer version wrote
 * it): `skip` leaves the state as it is (a reader showing what it can), `throw` refuses the stream
 * (a command decided on, or a response rebuilt from, a partial fold would be wrong). Each caller
 * names its rule; there is no default.
 */
export type UnknownEvents = 'skip' | 'throw';

/** What a fold needs of a record kind. */
type Foldable<State extends { status: string }, Event extends { type: string }> = Pick<
  RecordAggregate<State, State, unknown, Event, unknown>,
  'label' | 'initial' | 'evolve' | 'isEvent'
>;

/**
 * A stream holds an event of a type this code does not know, and the fold's rule is `throw`. Not a
 * domain error: no command was refused, the server cannot read the stream (a 500, never a 4xx).
 */
export class UnknownEventError extends Error {
  constructor(
    label: string,
    /** The unknown type, as stored. */
    readonly type: string,
    /** The stream it was read from, when the event says. */
    readonly stream: string | undefined,
  ) {
    super(
      `${label}${stream === undefined ? '' : ` stream ${stream}`} holds an event of type ${JSON.stringify(type)} this code does not know`,
    );
    this.name = 'UnknownEventError';
  }
}

/**
 * The state after one stored event: the domain's evolve for a type it knows, else the rule. For a
 * fold that needs each step (history, the projector's one event at a time); `foldRecord` folds a
 * whole stream.
 * @example
 * evolveRecord(publishingRecordAggregate, state, { type: 'SomethingNewer', data: {} }, 'skip') // state
 */
export function evolveRecord<State extends { status: string }, Event extends { type: string }>(
  aggregate: Foldable<State, Event>,
  state: State,
  event: { type: string; stream?: string },
  unknown: UnknownEvents,
): State {
  if (aggregate.isEvent(event)) return aggregate.evolve(state, event);
  return unknownEvent(aggregate, state, event, unknown);
}

/**
 * A stream's events folded from the initial state, oldest first. A plain loop, nothing allocated
 * per event: the command handler folds a stream on every command it cannot answer from its cache.
 * @example
 * foldRecord(publishingRecordAggregate, await store.readStream(stream), 'throw') // { status: 'pending', … }
 */
export function foldRecord<State extends { status: string }, Event extends { type: string }>(
  aggregate: Foldable<State, Event>,
  events: readonly { type: string; stream?: string }[],
  unknown: UnknownEvents,
): State {
  let state = aggregate.initial;
  for (const event of events) {
    state = aggregate.isEvent(event) ? aggregate.evolve(state, event) : unknownEvent(aggregate, state, event, unknown);
  }
  return state;
}

function unknownEvent<State extends { status: string }>(
  aggregate: { label: string },
  state: State,
  event: { type: string; stream?: string },
  unknown: UnknownEvents,
): State {
  if (unknown === 'skip') return state;
  throw new UnknownEventError(aggregate.label, event.type, event.stream);
}
