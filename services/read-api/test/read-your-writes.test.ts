/**
 * How a `min_position` wait ends, and what the `min_position_wait_seconds` metric is told: the
 * watcher and the log are stand-ins answering as the real ones would.
 */
import t from 'tap';
import type { WaitOutcome } from '../src/checkpoint-watcher.ts';
import { type PositionWait, type WaitEnd, waitForPosition } from '../src/read-your-writes.ts';

const PROJECTED = '0000000000000010-0000000000000000';
const WANTED = '0000000000000020-0000000000000000';
const HEAD = '0000000000000030-0000000000000000';

/** A wait whose watcher always answers `outcome` and whose log's head is `head`; notes the observed ends. */
function waitWith(outcome: WaitOutcome, head: string | Error) {
  const ends: WaitEnd[] = [];
  const wait: PositionWait = {
    watcher: { position: PROJECTED, waitFor: async () => outcome },
    log: { committedHeadPosition: async () => (head instanceof Error ? Promise.reject(head) : head) },
    timeoutMs: 20,
    headCheckAfterMs: 10,
    observe: (end) => ends.push(end),
  };
  return { wait, ends };
}

const wanted = { position: WANTED, field: 'querystring.min_position' };

t.test('each way a wait ends is observed under its own outcome', async (t) => {
  const cases: Array<[WaitOutcome, string | Error, string | undefined, WaitEnd]> = [
    ['reached', HEAD, undefined, 'reached'],
    ['timeout', HEAD, 'PROJECTION_BEHIND', 'timeout'],
    ['timeout', new Error('store down'), 'PROJECTION_BEHIND', 'timeout'],
    ['stopped', HEAD, 'PROJECTION_STOPPED', 'stopped'],
    ['timeout', PROJECTED, 'POSITION_NOT_IN_LOG', 'not_in_log'],
  ];
  for (const [outcome, head, code, end] of cases) {
    const { wait, ends } = waitWith(outcome, head);
    if (code === undefined) await t.resolves(waitForPosition(wait, wanted));
    else await t.rejects(waitForPosition(wait, wanted), { code }, `${outcome}, head ${head} → ${code}`);
    t.same(ends, [end], `observed as ${end}`);
  }
});
