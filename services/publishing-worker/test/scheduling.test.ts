import t from 'tap';
import { OffsetTracker } from '../src/offset-tracker.ts';
import { TenantScheduler } from '../src/tenant-scheduler.ts';

/** A job that finishes when told to, recording when it started. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

t.test('scheduler: a tenant holds at most its own slots; others start as soon as a slot frees', async (t) => {
  const scheduler = new TenantScheduler({ concurrency: 3, perTenant: 2, maxBuffered: 100 });
  const started: string[] = [];
  const slow = gate();
  const job = (name: string, wait?: Promise<void>) => async () => {
    started.push(name);
    await wait;
  };
  const slowDone = [];
  for (let i = 0; i < 5; i++) slowDone.push((await scheduler.submit('slow', `s${i}`, job(`s${i}`, slow.opened))).done);
  const fast = await scheduler.submit('fast', 'f0', job('f0'));
  await fast.done;
  t.same(started, ['s0', 's1', 'f0'], 'the slow tenant took 2 of 3 slots; the fast one ran at once');
  const more = await scheduler.submit('fast', 'f1', job('f1'));
  await more.done;
  t.same(started.slice(3), ['f1'], 'and keeps running while the slow tenant waits');
  t.equal(scheduler.size, 5);
  slow.open();
  await Promise.all(slowDone);
  await scheduler.idle();
  t.same(started.slice(4), ['s2', 's3', 's4'], 'the slow tenant’s queue runs in order');
  t.equal(scheduler.size, 0);
});

t.test('scheduler: one key at a time, in order; free slots go round-robin', async (t) => {
  const scheduler = new TenantScheduler({ concurrency: 1, perTenant: 1, maxBuffered: 100 });
  const order: string[] = [];
  const first = gate();
  const done = [];
  done.push(
    (
      await scheduler.submit('a', 'k', async () => {
        order.push('a1');
        await first.opened;
      })
    ).done,
  );
  for (const [tenant, name] of [
    ['a', 'a2'],
    ['a', 'a3'],
    ['b', 'b1'],
    ['b', 'b2'],
  ] as const) {
    done.push((await scheduler.submit(tenant, name, async () => void order.push(name))).done);
  }
  first.open();
  await Promise.all(done);
  t.same(order, ['a1', 'b1', 'a2', 'b2', 'a3'], 'tenants alternate');

  const keyed = new TenantScheduler({ concurrency: 4, perTenant: 4, maxBuffered: 100 });
  const seen: string[] = [];
  const hold = gate();
  const k1 = await keyed.submit('a', 'same', async () => {
    seen.push('1 start');
    await hold.opened;
    seen.push('1 end');
  });
  const k2 = await keyed.submit('a', 'same', async () => void seen.push('2'));
  const other = await keyed.submit('a', 'other', async () => void seen.push('other'));
  await other.done;
  t.same(seen, ['1 start', 'other'], 'a second job of the same key waits; another key does not');
  hold.open();
  await Promise.all([k1.done, k2.done]);
  t.same(seen, ['1 start', 'other', '1 end', '2']);
});

t.test('scheduler: submit waits while the buffer is full (back-pressure), and reports failures', async (t) => {
  const scheduler = new TenantScheduler({ concurrency: 1, perTenant: 1, maxBuffered: 2 });
  const hold = gate();
  await scheduler.submit('a', '1', () => hold.opened);
  const failing = await scheduler.submit('a', '2', async () => {
    throw new Error('boom');
  });
  let admitted = false;
  const third = scheduler
    .submit('b', '3', async () => {})
    .then((r) => {
      admitted = true;
      return r;
    });
  const failed = t.rejects(failing.done, /boom/, 'a job’s failure is its completion’s');
  await new Promise((r) => setImmediate(r));
  t.notOk(admitted, 'the third waits for room');
  hold.open();
  await (await third).done;
  t.ok(admitted);
  await failed;
  await scheduler.idle();
});

t.test('offset tracker: commits never pass a message in hand', async (t) => {
  const offsets = new OffsetTracker();
  for (const o of [10n, 11n, 12n]) t.ok(offsets.begin(0, o));
  t.notOk(offsets.begin(0, 11n), 'a re-fetched message already in hand is not taken twice');
  t.equal(offsets.finish(0, 12n), null, '12 done while 10 and 11 are in hand');
  t.equal(offsets.finish(0, 10n), 11n, 'commit up to the oldest in hand');
  t.equal(offsets.finish(0, 11n), 13n, 'all done: commit past the highest');
  t.equal(offsets.finish(0, 11n), null, 'finishing twice changes nothing');
  offsets.begin(1, 5n);
  t.equal(offsets.finish(1, 5n), 6n, 'partitions are independent');
  offsets.begin(2, 1n);
  offsets.retain(new Set([0, 1]));
  t.equal(offsets.finish(2, 1n), null, 'a partition no longer owned is forgotten');
});
