import t from 'tap';
import { ADMISSION_WINDOW, ResponseCache } from '../src/response-cache.ts';

const P1 = '0000000000000001-0000000000000001';
const P2 = '0000000000000002-0000000000000001';
const P3 = '0000000000000003-0000000000000001';

const body = (text: string) => ({ value: { data: text }, bytes: text.length });

/** Stores `key` as `cachedRead` does (two misses: a key is admitted on its second). */
function put(cache: ResponseCache, key: string, account: number | 'any', position: string | null, text = key) {
  for (let i = 0; i < 2; i++) {
    cache.get(key);
    if (cache.admit(key)) cache.set(key, cache.stamp(position), { ...body(text), account });
  }
}

t.test('a response is admitted on its second miss and then served until its account changes', async (t) => {
  const cache = new ResponseCache(1024 * 1024);
  t.equal(cache.admit('a'), false, 'first miss: only remembered');
  t.equal(cache.admit('a'), true, 'second miss: admitted');
  cache.set('a', cache.stamp(P1), { ...body('a'), account: 1 });
  t.match(cache.get('a'), { value: { data: 'a' } }, 'stored');
  put(cache, 'b', 2, P1);

  cache.changed(P2, [2]);
  t.ok(cache.get('a'), "account 1's entry survives a change to account 2");
  t.equal(cache.get('b'), undefined, "account 2's entry is dropped");
  t.match(cache.stats(), { entries: 1, hits: 2 });
  t.equal(cache.admit('b'), true, 'a key that missed before is admitted again on its next miss');
});

t.test('an entry computed before a change it may have missed is not stored', async (t) => {
  const cache = new ResponseCache(1024 * 1024);
  const stamp = cache.stamp(P1); // the query starts at P1 …
  cache.changed(P2, [1]); // … and account 1 changes while it runs
  cache.set('a', stamp, { ...body('old'), account: 1 });
  t.equal(cache.get('a'), undefined);
  put(cache, 'a', 1, P2, 'new');
  t.match(cache.get('a'), { value: { data: 'new' } }, 'computed at the change is fine');
});

t.test('cross-account entries go with any change; unknown changes drop everything', async (t) => {
  const cache = new ResponseCache(1024 * 1024);
  put(cache, 'all', 'any', P1);
  put(cache, 'one', 1, P1);
  cache.changed(P2, [7]);
  t.equal(cache.get('all'), undefined, 'a cross-account read depends on every account');
  t.ok(cache.get('one'));

  const stamp = cache.stamp(P2);
  cache.changed(P2, null); // e.g. a rebuild's swap: same position, new rows
  t.equal(cache.stats().entries, 0, 'an unknown change empties the cache at once');
  t.equal(cache.get('one'), undefined);
  cache.set('late', stamp, { ...body('late'), account: 1 });
  t.equal(cache.get('late'), undefined, 'a query begun before the flush is not stored after it');
  put(cache, 'one', 1, P3);
  t.ok(cache.get('one'), 'caching resumes');
});

t.test('least recently used entries go first when the budget is reached', async (t) => {
  const x = 'x'.repeat(100);
  const size = x.length + 2 * 2 + 128; // what one entry with a two-letter key counts
  const cache = new ResponseCache(size * 8);
  const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7'];
  for (const k of keys) put(cache, k, 1, P1, x);
  t.equal(cache.stats().entries, 8, 'eight fit');
  t.ok(cache.get('k0'), 'k0 is now the most recently used');
  put(cache, 'k8', 1, P1, x);
  t.equal(cache.get('k1'), undefined, 'k1 (least recently used) was evicted');
  for (const k of ['k0', 'k2', 'k7', 'k8']) t.ok(cache.get(k), `${k} kept`);
  t.match(cache.stats(), { entries: 8, bytes: size * 8 });
});

t.test('entries larger than an eighth of the budget and a zero budget are never stored', async (t) => {
  const cache = new ResponseCache(8000);
  put(cache, 'big', 1, P1, 'x'.repeat(1000));
  t.equal(cache.get('big'), undefined);
  const off = new ResponseCache(0);
  t.equal(off.enabled, false);
  t.equal(off.admit('a') || off.admit('a'), false);
  put(off, 'a', 1, P1);
  t.equal(off.get('a'), undefined);
});

t.test('a miss counts towards admission for about ADMISSION_WINDOW misses', async (t) => {
  const cache = new ResponseCache(1024 * 1024);
  cache.admit('once');
  for (let i = 0; i < 2 * ADMISSION_WINDOW; i++) cache.admit(`k${i}`);
  t.equal(cache.admit('once'), false, 'a miss long ago does not count');
  t.equal(cache.admit('once'), true);
});
