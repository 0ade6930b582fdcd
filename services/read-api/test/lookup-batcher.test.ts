import t from 'tap';
import { LookupBatcher } from '../src/lookup-batcher.ts';

/** A load function whose calls the test completes by hand. */
function manualLoad() {
  const calls: Array<{ ids: string[]; done: (found: Map<string, string>) => void; fail: (err: Error) => void }> = [];
  const load = (ids: string[]) =>
    new Promise<Map<string, string>>((resolve, reject) => calls.push({ ids, done: resolve, fail: reject }));
  const answer = (i: number) =>
    calls[i]!.done(new Map(calls[i]!.ids.filter((id) => id !== 'missing').map((id) => [id, `row ${id}`])));
  return { calls, load, answer };
}
const tick = () => new Promise((r) => setImmediate(r));

t.test('a lone lookup goes at once; lookups arriving meanwhile go together when a slot frees', async (t) => {
  const { calls, load, answer } = manualLoad();
  const batcher = new LookupBatcher(load, { maxInFlight: 1 });
  const a = batcher.get('a');
  t.same(
    calls.map((c) => c.ids),
    [['a']],
    'no waiting for company',
  );
  const rest = ['b', 'c', 'missing', 'b'].map((id) => batcher.get(id));
  await tick();
  t.equal(calls.length, 1, 'queued behind the query in flight');
  answer(0);
  t.equal(await a, 'row a');
  await tick();
  t.same(calls[1]?.ids, ['b', 'c', 'missing'], 'one query, each id once');
  answer(1);
  t.same(await Promise.all(rest), ['row b', 'row c', undefined, 'row b'], 'each asker gets its row (or undefined)');
});

t.test('maxInFlight queries run at once; maxBatch caps a query', async (t) => {
  const { calls, load, answer } = manualLoad();
  const batcher = new LookupBatcher(load, { maxInFlight: 2, maxBatch: 2 });
  const all = ['a', 'b', 'c', 'd', 'e'].map((id) => batcher.get(id));
  t.same(
    calls.map((c) => c.ids),
    [['a'], ['b']],
  );
  answer(0);
  await tick();
  t.same(calls[2]?.ids, ['c', 'd']);
  answer(1);
  await tick();
  t.same(calls[3]?.ids, ['e']);
  answer(2);
  answer(3);
  t.same(await Promise.all(all), ['row a', 'row b', 'row c', 'row d', 'row e']);
});

t.test('a failed query fails its askers only; the next query goes on', async (t) => {
  const { calls, load, answer } = manualLoad();
  const batcher = new LookupBatcher(load, { maxInFlight: 1 });
  const first = batcher.get('a');
  const second = batcher.get('b');
  calls[0]!.fail(new Error('connection lost'));
  await t.rejects(first, /connection lost/);
  await tick();
  answer(1);
  t.equal(await second, 'row b');
});

t.test('an id asked while a query for it is in flight waits for the next query', async (t) => {
  const { calls, load, answer } = manualLoad();
  const batcher = new LookupBatcher(load, { maxInFlight: 1 });
  const early = batcher.get('a');
  const late = batcher.get('a');
  t.same(
    calls.map((c) => c.ids),
    [['a']],
  );
  answer(0);
  await early;
  await tick();
  t.same(calls[1]?.ids, ['a'], 'read again: its query began after it was asked for');
  answer(1);
  t.equal(await late, 'row a');
});
