import type { DecideContext } from '../decide-context.ts';
import { DomainValidationError } from '../errors.ts';
import { assertNever, FieldChecks } from '../validation.ts';

/*
 * Support decisions about one Kafka relay (stream `kafka_relay-{relay}`): pass over an event it
 * cannot map, move its checkpoint, re-publish an account's events. They are recorded in the log like
 * every other decision (who, why, when: the event's metadata and `reason`), and the relay reads its
 * stream to know what to skip. The stream is not a record: it has no lifecycle, only the set of
 * events already skipped (a second skip of the same event is refused).
 */

/** Skip one event the relay cannot map (it stopped there); its consumers will not see it. */
export interface SkipRelayEvent {
  type: 'SkipRelayEvent';
  data: {
    relay: string;
    event_id: string;
    event_type: string;
    stream: string;
    position: string;
    /** Why the relay could not map it (its error message). */
    error: string;
    reason: string;
  };
}

/** Move the relay's checkpoint: backwards re-sends events, forwards passes over them. */
export interface ResetRelayCheckpoint {
  type: 'ResetRelayCheckpoint';
  /** Positions: null is the start of the log. */
  data: { relay: string; from_position: string | null; to_position: string | null; reason: string };
}

/**
 * Re-publish every public event of one account with a position in `(from_position, to_position]`,
 * marked as replays with `replay_id` (as a record's republish does).
 */
export interface RepublishAccount {
  type: 'RepublishAccount';
  data: {
    relay: string;
    account_id: number;
    replay_id: string;
    from_position: string | null;
    to_position: string;
    reason: string;
  };
}

export type RelayControlCommand = SkipRelayEvent | ResetRelayCheckpoint | RepublishAccount;
export type RelayControlCommandType = RelayControlCommand['type'];

export interface RelayEventSkipped {
  type: 'RelayEventSkipped';
  data: SkipRelayEvent['data'] & { at: string };
}

interface RelayCheckpointReset {
  type: 'RelayCheckpointReset';
  data: ResetRelayCheckpoint['data'] & { at: string };
}

export interface AccountRepublishRequested {
  type: 'AccountRepublishRequested';
  data: RepublishAccount['data'] & { at: string };
}

export type RelayControlEvent = RelayEventSkipped | RelayCheckpointReset | AccountRepublishRequested;
type RelayControlEventType = RelayControlEvent['type'];

const EVENT_TYPES: Record<RelayControlEventType, true> = {
  RelayEventSkipped: true,
  RelayCheckpointReset: true,
  AccountRepublishRequested: true,
};
/** Every relay-control event type: internal, never published, never projected. */
export const relayControlEventTypes: ReadonlySet<string> = new Set(Object.keys(EVENT_TYPES));

/** The stream of one relay's support decisions. */
export const relayControlStream = (relay: string): string => `kafka_relay-${relay}`;

/** What the relay's decisions add up to: the events it passes over, by id. */
export interface RelayControlState {
  skipped: ReadonlyMap<string, RelayEventSkipped['data']>;
}

export const initialRelayControlState: RelayControlState = Object.freeze({ skipped: new Map() });

/**
 * @example
 * const state = foldRelayControl(await store.readStream(relayControlStream('kafka-relay')));
 * state.skipped.has(eventId) // the relay passes over it
 */
export function evolveRelayControl(state: RelayControlState, event: RelayControlEvent): RelayControlState {
  switch (event.type) {
    case 'RelayEventSkipped':
      return { skipped: new Map([...state.skipped, [event.data.event_id, event.data]]) };
    case 'RelayCheckpointReset':
    case 'AccountRepublishRequested':
      return state;
    default:
      return assertNever(event, 'relay-control event');
  }
}

/** Whether a stored event is one of the relay's decisions (by its type). */
export function isRelayControlEvent<E extends { type: string }>(event: E): event is E & RelayControlEvent {
  return relayControlEventTypes.has(event.type);
}

/** Folds the relay's stream as stored; an event of another type is refused, as `evolveRelayControl` refuses it. */
export function foldRelayControl(events: Iterable<{ type: string; data: unknown }>): RelayControlState {
  let state = initialRelayControlState;
  for (const event of events) {
    if (!isRelayControlEvent(event)) throw new Error(`unexpected relay-control event: ${JSON.stringify(event.type)}`);
    state = evolveRelayControl(state, event);
  }
  return state;
}

/**
 * Decides a support decision about a relay. Refuses (VALIDATION) empty fields, a range whose end
 * is not after its start, a non-UUID replay id, and skipping an event that is already skipped.
 * @example
 * decideRelayControl({ type: 'SkipRelayEvent', data }, state, { at }) // [{ type: 'RelayEventSkipped', data: { ...data, at } }]
 */
export function decideRelayControl(
  command: RelayControlCommand,
  state: RelayControlState,
  context: DecideContext,
): RelayControlEvent[] {
  validate(command);
  const { at } = context;
  switch (command.type) {
    case 'SkipRelayEvent': {
      const earlier = state.skipped.get(command.data.event_id);
      if (earlier) {
        throw new DomainValidationError({ event_id: [`was already skipped at ${earlier.at}: ${earlier.reason}`] });
      }
      return [{ type: 'RelayEventSkipped', data: { ...command.data, at } }];
    }
    case 'ResetRelayCheckpoint':
      return [{ type: 'RelayCheckpointReset', data: { ...command.data, at } }];
    case 'RepublishAccount':
      return [{ type: 'AccountRepublishRequested', data: { ...command.data, at } }];
    default:
      return assertNever(command, 'relay-control command');
  }
}

function validate(command: RelayControlCommand): void {
  const checks = new FieldChecks();
  const d = command.data;
  checks.nonEmpty('relay', d.relay);
  checks.reason('reason', d.reason);
  switch (command.type) {
    case 'SkipRelayEvent':
      checks.uuid('event_id', command.data.event_id);
      checks.nonEmpty('event_type', command.data.event_type);
      checks.nonEmpty('stream', command.data.stream);
      checks.nonEmpty('position', command.data.position);
      break;
    case 'ResetRelayCheckpoint':
      if (command.data.from_position === command.data.to_position) {
        checks.add('to_position', 'is where the checkpoint already is');
      }
      break;
    case 'RepublishAccount': {
      const { from_position: from, to_position: to } = command.data;
      checks.positiveInteger('account_id', command.data.account_id);
      checks.uuid('replay_id', command.data.replay_id);
      checks.nonEmpty('to_position', to);
      // Positions are ordered by plain string comparison (packages/contracts, EventPosition).
      if (from !== null && from >= to) checks.add('to_position', 'must be after from_position');
      break;
    }
    default:
      assertNever(command, 'relay-control command');
  }
  checks.throwIfAny();
}
