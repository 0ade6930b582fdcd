import t from 'tap';
import { EventStoreUnavailableError } from '../src/errors.ts';
import type { ChangeNotifier } from '../src/postgres/notifier.ts';
import { subscribeToAll } from '../src/postgres/subscription.ts';

/*
 * A stop that closes the pool makes the read in progress fail; that failure is the stop, not an
 * outage, so the subscription ends without a warning instead of logging and retrying.
 */

const notifier = { subscribe: () => () => {} } as unknown as ChangeNotifier;

function recordingLogger() {
  const warnings: string[] = [];
  const logger = { warn: (_: unknown, msg: string) => warnings.push(msg), info: () => {} };
  return { warnings, logger: logger as never };
}

t.test('a read that fails because of the stop ends the subscription quietly', async (t) => {
  const controller = new AbortController();
  const { warnings, logger } = recordingLogger();
  let reads = 0;
  const readAll = async () => {
    reads++;
    controller.abort();
    throw new EventStoreUnavailableError('read', {
      cause: new Error('Cannot use a pool after calling end on the pool'),
    });
  };
  const batches = [];
  for await (const batch of subscribeToAll(
    { readAll, committedHead: async () => null, notifier, pollIntervalMs: 10, logger },
    { signal: controller.signal },
  )) {
    batches.push(batch);
  }
  t.equal(reads, 1, 'no retry after the stop');
  t.same(batches, []);
  t.same(warnings, [], 'no warning');
});

t.test('an unreadable store while running is still warned about and retried', async (t) => {
  const controller = new AbortController();
  const { warnings, logger } = recordingLogger();
  let reads = 0;
  const readAll = async () => {
    reads++;
    if (reads === 2) controller.abort();
    throw new EventStoreUnavailableError('read', { cause: new Error('connect ECONNREFUSED') });
  };
  for await (const _ of subscribeToAll(
    { readAll, committedHead: async () => null, notifier, pollIntervalMs: 1, logger },
    { signal: controller.signal },
  )) {
    t.fail('no events');
  }
  t.equal(reads, 2, 'retried once, then stopped');
  t.same(warnings, ['event store subscription cannot read; retrying'], 'the outage was warned about once');
});
