import t from 'tap';
import { approximateSize, StateCache } from '../src/handlers/state-cache.ts';

const entry = (bytes: number, revision = 0) => ({
  state: { status: 'pending', metadata: 'x'.repeat(bytes) },
  revision,
});

t.test('the state cache is bounded in bytes, not only in entries', async (t) => {
  const cache = new StateCache<{ status: string; metadata: string }>({ maxEntries: 5000, maxBytes: 100_000 });
  for (let i = 0; i < 100; i++) cache.set(`s-${i}`, entry(10_000));
  t.ok(cache.bytes <= 100_000, `holds ${cache.bytes} bytes, within the budget`);
  t.ok(cache.size >= 8 && cache.size <= 10, `about budget / entry size entries (${cache.size}), not 100`);
  t.ok(cache.get('s-99'), 'the most recent is kept');
  t.notOk(cache.get('s-0'), 'the least recent went first');

  const small = new StateCache<{ status: string; metadata: string }>({ maxEntries: 3, maxBytes: 1_000_000 });
  for (let i = 0; i < 5; i++) small.set(`s-${i}`, entry(10));
  t.equal(small.size, 3, 'the entry count still bounds it');
  small.get('s-2');
  small.set('s-5', entry(10));
  t.ok(small.get('s-2'), 'a read marks an entry recently used');
  t.notOk(small.get('s-3'));
});

t.test('an entry larger than the whole budget is not kept, and replaces a stale one', async (t) => {
  const cache = new StateCache<{ status: string; metadata: string }>({ maxEntries: 10, maxBytes: 5_000 });
  cache.set('a', entry(100, 1));
  cache.set('b', entry(100, 1));
  cache.set('a', entry(10_000, 2));
  t.notOk(cache.get('a'), 'the old revision is gone too (it is stale)');
  t.ok(cache.get('b'), 'nothing else was evicted for it');
});

t.test('0 entries or 0 bytes disables it; sizes follow the state', async (t) => {
  for (const options of [
    { maxEntries: 0, maxBytes: 1000 },
    { maxEntries: 10, maxBytes: 0 },
  ]) {
    const off = new StateCache<{ status: string; metadata: string }>(options);
    off.set('a', entry(1));
    t.notOk(off.get('a'));
    t.equal(off.bytes, 0);
  }
  t.ok(approximateSize('k', entry(5000)) > approximateSize('k', entry(50)) + 4900);
});
