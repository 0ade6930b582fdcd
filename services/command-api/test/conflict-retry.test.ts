import { HttpError } from '@publisher/platform';
import t from 'tap';
import { backOffOrGiveUp } from '../src/handlers/conflict-retry.ts';

const conflict = Object.assign(new Error('stream moved'), { code: 'WRONG_EXPECTED_VERSION' });

t.test('a lost race below the limit waits a short jittered pause, then lets the caller retry', async (t) => {
  const started = performance.now();
  for (let lost = 1; lost < 5; lost++) await backOffOrGiveUp(conflict, lost, 5, 'the record');
  t.ok(performance.now() - started < 1000, 'pauses stay within the policy (at most 50 ms each)');
});

t.test('the race that reaches maxAttempts answers 409 WRONG_EXPECTED_VERSION naming the subject', async (t) => {
  const err = await backOffOrGiveUp(conflict, 3, 3, 'deployments of site 7').catch((e) => e);
  t.ok(err instanceof HttpError);
  t.equal(err.code, 'WRONG_EXPECTED_VERSION');
  t.equal(err.message, 'deployments of site 7 kept changing concurrently; retry');
  t.equal(err.cause, conflict, 'the lost race is its cause');
});
