import t from 'tap';
import { evolveDeadLetters, initialDeadLettersState } from '../src/dead-letters/dead-letters.ts';
import type { DomainValidationError } from '../src/errors.ts';
import type {
  DeadLetterRef,
  DeadLettersCommand,
  DeadLettersEvent,
  DeadLettersState,
  RelayControlCommand,
  RelayControlCommandType,
  RelayControlEvent,
  RelayControlState,
  RepublishAccount,
  ResetRelayCheckpoint,
  SkipRelayEvent,
} from '../src/index.ts';
import {
  deadLetterKey,
  deadLettersStream,
  decideDeadLetters,
  decideRelayControl,
  foldDeadLetters,
  foldRelayControl,
  relayControlEventTypes,
  relayControlStream,
} from '../src/index.ts';
import { evolveRelayControl, initialRelayControlState } from '../src/relay-control/relay-control.ts';
import { AT, specFor } from './helpers/spec.ts';

const given = specFor<RelayControlCommand, RelayControlState, RelayControlEvent>({
  decide: decideRelayControl,
  evolve: evolveRelayControl,
  initialState: initialRelayControlState,
});
const givenDeadLetters = specFor<DeadLettersCommand, DeadLettersState, DeadLettersEvent>({
  decide: decideDeadLetters,
  evolve: evolveDeadLetters,
  initialState: initialDeadLettersState,
});

const EVENT_ID = '0f4c2a1e-9b8d-4c3e-a2f1-6d5e4c3b2a10';
const REPLAY_ID = '3d9f0c4a-6b1e-4a7d-9c2b-5e8f1a0b3c4d';
const REDRIVE_ID = '5b7e9d1c-3a2f-4e6d-8c0b-1a2b3c4d5e6f';
const P1 = '0000000000000010-0000000000000005';
const P2 = '0000000000000020-0000000000000009';

const example: {
  SkipRelayEvent: SkipRelayEvent;
  ResetRelayCheckpoint: ResetRelayCheckpoint;
  RepublishAccount: RepublishAccount;
} = {
  SkipRelayEvent: {
    type: 'SkipRelayEvent',
    data: {
      relay: 'kafka-relay',
      event_id: EVENT_ID,
      event_type: 'SomethingNew',
      stream: 'publishing_record-x',
      position: P1,
      error: 'no public mapping for SomethingNew',
      reason: 'ticket 7',
    },
  },
  ResetRelayCheckpoint: {
    type: 'ResetRelayCheckpoint',
    data: { relay: 'kafka-relay', from_position: P2, to_position: P1, reason: 'consumers lost a day' },
  },
  RepublishAccount: {
    type: 'RepublishAccount',
    data: {
      relay: 'kafka-relay',
      account_id: 7,
      replay_id: REPLAY_ID,
      from_position: P1,
      to_position: P2,
      reason: 'analytics rebuild',
    },
  },
};
const eventTypeOf: Record<RelayControlCommandType, RelayControlEvent['type']> = {
  SkipRelayEvent: 'RelayEventSkipped',
  ResetRelayCheckpoint: 'RelayCheckpointReset',
  RepublishAccount: 'AccountRepublishRequested',
};
// Keyed by the command union, so a new command type without an event type does not compile.
const relayControlCommandTypes = Object.keys(eventTypeOf) as RelayControlCommandType[];
const skipped: RelayControlEvent = { type: 'RelayEventSkipped', data: { ...example.SkipRelayEvent.data, at: AT } };

// Every (state, command) pair: a relay's stream has no lifecycle, only the skips it holds.
const states: Record<string, RelayControlEvent[]> = { 'no decisions': [], 'one event skipped': [skipped] };
for (const [name, history] of Object.entries(states)) {
  for (const type of relayControlCommandTypes) {
    t.test(`${name} × ${type}`, async (t) => {
      const spec = given(t, history).when(example[type]);
      if (type === 'SkipRelayEvent' && history.length > 0) {
        const { error } = spec.then('VALIDATION');
        t.match((error as DomainValidationError).errors.event_id, [/already skipped at .*: ticket 7/]);
        return;
      }
      const { state } = spec.then([
        { type: eventTypeOf[type], data: { ...example[type].data, at: AT } } as RelayControlEvent,
      ]);
      t.equal(state.skipped.has(EVENT_ID), type === 'SkipRelayEvent' || history.length > 0, 'the skip set');
    });
  }
}

t.test('the skip set is what the relay passes over; the stream is named per relay', async (t) => {
  const other = { ...skipped, data: { ...skipped.data, event_id: REPLAY_ID } };
  const state = foldRelayControl([skipped, other]);
  t.same([...state.skipped.keys()], [EVENT_ID, REPLAY_ID]);
  t.equal(relayControlStream('kafka-relay'), 'kafka_relay-kafka-relay');
  t.same([...relayControlEventTypes].sort(), [
    'AccountRepublishRequested',
    'RelayCheckpointReset',
    'RelayEventSkipped',
  ]);
});

t.test('relay decisions refuse nonsense, naming the fields', async (t) => {
  const cases: Array<{ command: RelayControlCommand; fields: string[] }> = [
    {
      command: { ...example.SkipRelayEvent, data: { ...example.SkipRelayEvent.data, reason: '', event_id: 'x' } },
      fields: ['event_id', 'reason'],
    },
    {
      // Invisible characters alone say nothing to whoever reads the decision.
      command: { ...example.SkipRelayEvent, data: { ...example.SkipRelayEvent.data, reason: '\u200b\u202e' } },
      fields: ['reason'],
    },
    {
      command: { ...example.ResetRelayCheckpoint, data: { ...example.ResetRelayCheckpoint.data, to_position: P2 } },
      fields: ['to_position'],
    },
    {
      command: {
        ...example.RepublishAccount,
        data: { ...example.RepublishAccount.data, from_position: P2, to_position: P1 },
      },
      fields: ['to_position'],
    },
    {
      command: { ...example.RepublishAccount, data: { ...example.RepublishAccount.data, account_id: 0, relay: ' ' } },
      fields: ['account_id', 'relay'],
    },
  ];
  for (const { command, fields } of cases) {
    const { error } = given(t, []).when(command).then('VALIDATION');
    t.same(Object.keys((error as DomainValidationError).errors).sort(), fields, command.type);
  }
  // From the very start of the log (null) is a valid range start.
  given(t, [])
    .when({ ...example.RepublishAccount, data: { ...example.RepublishAccount.data, from_position: null } })
    .thenEventTypes(['AccountRepublishRequested']);
});

const letter = (partition: number, offset: string): DeadLetterRef => ({
  partition,
  offset,
  source_topic: 'publisher.publishing-records.v1',
  event_id: null,
  dlq_reason: 'EVENT_INVALID_JSON',
});
const redrive = (messages: DeadLetterRef[], redrive_id = REDRIVE_ID): DeadLettersCommand => ({
  type: 'RedriveDeadLetters',
  data: { dead_letter_topic: 'publisher.publishing-records.v1.dlq', redrive_id, messages, reason: 'worker upgraded' },
});

t.test('dead letters: a re-drive records the messages, and each message goes back only once', async (t) => {
  const first = givenDeadLetters(t, [])
    .when(redrive([letter(0, '4'), letter(2, '11')]))
    .then([{ type: 'DeadLettersRedriven', data: { ...redrive([letter(0, '4'), letter(2, '11')]).data, at: AT } }]);
  t.same([...first.state.redriven.keys()], ['0:4', '2:11']);
  const history = [{ type: 'DeadLettersRedriven' as const, data: { ...redrive([letter(0, '4')]).data, at: AT } }];
  const { error } = givenDeadLetters(t, history)
    .when(redrive([letter(0, '4'), letter(0, '5')], REPLAY_ID))
    .then('VALIDATION');
  t.match((error as DomainValidationError).errors.messages, [`0:4 was already re-driven by ${REDRIVE_ID} at ${AT}`]);
  givenDeadLetters(t, history)
    .when(redrive([letter(0, '5')], REPLAY_ID))
    .thenEventTypes(['DeadLettersRedriven']);
  t.same([...foldDeadLetters(history).redriven.keys()], ['0:4']);
  t.equal(deadLetterKey({ partition: 1, offset: '9' }), '1:9');
  t.equal(deadLettersStream('t.dlq'), 'dead_letters-t.dlq');
});

t.test('dead letters: nonsense is refused', async (t) => {
  const bad = [
    redrive([]),
    redrive([letter(0, '1'), letter(0, '1')]),
    redrive([{ ...letter(0, 'x') }]),
    redrive([{ ...letter(0, '1'), source_topic: 'publisher.publishing-records.v1.dlq' }]),
    { ...redrive([letter(0, '1')]), data: { ...redrive([letter(0, '1')]).data, reason: '', redrive_id: 'no' } },
  ];
  for (const command of bad) givenDeadLetters(t, []).when(command).then('VALIDATION');
});

t.test('the folds of stored streams refuse an event of a type they do not know', async (t) => {
  const stranger = { type: 'SomethingNewer', data: {} };
  t.throws(() => foldRelayControl([skipped, stranger]), /unexpected relay-control event: "SomethingNewer"/);
  t.throws(() => foldDeadLetters([stranger]), /unexpected dead-letters event: "SomethingNewer"/);
});
