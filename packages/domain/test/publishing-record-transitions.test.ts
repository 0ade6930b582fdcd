import t from 'tap';
import type { IllegalTransitionError } from '../src/errors.ts';
import type { PublishingRecordPhase } from '../src/index.ts';
import { publishingRecordPhase } from '../src/publishing-record/state.ts';
import { publishingRecordTransitions } from '../src/publishing-record/transitions.ts';
import {
  eventTypeOf,
  exampleCommand,
  foldPublishingRecord,
  historyFor,
  publishingRecordCommandTypes,
  publishingRecordDecider,
  publishingRecordPhases,
} from './helpers/publishing-record-fixtures.ts';
import { specFor } from './helpers/spec.ts';

const given = specFor(publishingRecordDecider);

t.test('the exported table is exactly the designed lifecycle', async (t) => {
  const allowed = publishingRecordPhases.flatMap((phase) =>
    Object.entries(publishingRecordTransitions[phase]).map(([command, next]) => `${phase} --${command}--> ${next}`),
  );
  t.same(allowed.sort(), [
    'deleted --RepublishPublishingRecord--> deleted',
    'failed --DeletePublishingRecord--> deleted',
    'failed --RedeliverPublishingRecord--> pending',
    'failed --RepublishPublishingRecord--> failed',
    'failed --RetryPublishing--> pending',
    'initial --CreatePublishingRecord--> pending',
    'pending --DeletePublishingRecord--> deleted',
    'pending --RepublishPublishingRecord--> pending',
    'pending --StartPublishing--> publishing',
    'pending --UpdatePublishingRecord--> pending',
    'published --DeletePublishingRecord--> deleted',
    'published --RepublishPublishingRecord--> published',
    'publishing --FailPublishing--> failed',
    'publishing --RepublishPublishingRecord--> publishing',
    'publishing --SucceedPublishing--> published',
  ]);
  t.same([...publishingRecordPhases], ['initial', 'pending', 'publishing', 'published', 'failed', 'deleted']);
  t.equal(publishingRecordCommandTypes.length, 9);
});

t.test('fixtures put the record in the phase they are named after', async (t) => {
  for (const phase of publishingRecordPhases) {
    t.equal(publishingRecordPhase(foldPublishingRecord(historyFor[phase])), phase, phase);
  }
});

// Every (phase, command) pair: derived from the exported phase and command lists, so a new
// phase or command is covered (and must get a fixture) automatically.
for (const phase of publishingRecordPhases) {
  for (const commandType of publishingRecordCommandTypes) {
    const next: PublishingRecordPhase | undefined = publishingRecordTransitions[phase][commandType];
    t.test(`${phase} × ${commandType} → ${next ?? 'refused'}`, async (t) => {
      const spec = given(t, historyFor[phase]).when(exampleCommand[commandType]);
      if (next !== undefined) {
        const state = spec.thenEventTypes([eventTypeOf[commandType]]);
        t.equal(publishingRecordPhase(state), next, `lands in ${next}`);
        return;
      }
      // The refusal a user sees depends on why the pair is refused.
      const expected =
        phase === 'initial'
          ? 'RECORD_NOT_FOUND'
          : phase === 'deleted'
            ? 'RECORD_DELETED'
            : commandType === 'CreatePublishingRecord'
              ? 'RECORD_ALREADY_EXISTS'
              : 'ILLEGAL_TRANSITION';
      const { error } = spec.then(expected);
      if (expected === 'ILLEGAL_TRANSITION') {
        const err = error as IllegalTransitionError;
        t.equal(err.state, phase, 'names the current state');
        t.equal(err.command, commandType, 'names the command');
        t.equal(err.aggregate, 'publishing_record');
      }
      // Clients read the message: what they asked and why not in plain words, never a command type.
      const { message } = error as Error;
      t.notMatch(message, commandType, 'no command type');
      if (expected === 'RECORD_ALREADY_EXISTS') t.match(message, /^a publishing record with id \S+ already exists$/);
      else t.match(message, /^cannot [a-z ]+ a publishing record that /);
      if (expected === 'ILLEGAL_TRANSITION') {
        t.match(message, phase === 'failed' ? 'that has failed' : `that is ${phase.replaceAll('_', ' ')}`);
      }
    });
  }
}
