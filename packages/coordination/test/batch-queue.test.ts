import t from 'tap';
import { BatchQueue } from '../src/index.ts';

/** A queue whose batches stay out until the test answers them. */
function harness(maxInFlight: number, maxBatch: number) {
  const sent: Array<{ batch: number[]; answer: () => void; fail: () => void }> = [];
  const queue = new BatchQueue<number>({
    maxInFlight,
    maxBatch,
    send: (batch) =>
      new Promise<void>((resolve, reject) => {
        sent.push({ batch, answer: resolve, fail: () => reject(new Error('batch failed')) });
      }),
  });
  return { queue, sent, batches: () => sent.map((s) => s.batch) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

t.test('an item goes out at once while a slot is free', async (t) => {
  const { queue, batches } = harness(2, 10);
  queue.push(1);
  queue.push(2);
  t.same(batches(), [[1], [2]], 'each alone, without waiting for a batch to fill');
  t.ok(queue.full, 'both slots taken');
  t.equal(queue.waiting, 0);
});

t.test('items that wait go together, at most maxBatch, when a slot frees', async (t) => {
  const { queue, sent, batches } = harness(1, 3);
  for (const item of [1, 2, 3, 4, 5]) queue.push(item);
  t.same(batches(), [[1]]);
  t.equal(queue.waiting, 4);
  sent[0]!.answer();
  await tick();
  t.same(batches(), [[1], [2, 3, 4]], 'the next batch in arrival order, capped');
  sent[1]!.fail();
  await tick();
  t.same(batches(), [[1], [2, 3, 4], [5]], 'a failed batch frees its slot too');
});

t.test('whenIdle and idle follow the queue and the slots', async (t) => {
  const { queue, sent } = harness(1, 10);
  t.ok(queue.idle);
  await queue.whenIdle();
  queue.push(1);
  queue.push(2);
  let idle = false;
  void queue.whenIdle().then(() => {
    idle = true;
  });
  sent[0]!.answer();
  await tick();
  t.notOk(idle, 'a batch is still out');
  sent[1]!.answer();
  await tick();
  t.ok(idle, 'resolved once nothing waits and nothing is out');
  t.ok(queue.idle);
});

t.test('takeWaiting hands over the waiting items', async (t) => {
  const { queue, sent, batches } = harness(1, 10);
  for (const item of [1, 2, 3]) queue.push(item);
  t.same(queue.takeWaiting(), [2, 3]);
  sent[0]!.answer();
  await tick();
  t.same(batches(), [[1]], 'nothing left to send');
  t.ok(queue.idle);
});

t.test('refuses slot and batch bounds below one', async (t) => {
  const send = async () => {};
  t.throws(() => new BatchQueue({ maxInFlight: 0, maxBatch: 1, send }), RangeError);
  t.throws(() => new BatchQueue({ maxInFlight: 1, maxBatch: 1.5, send }), RangeError);
});
