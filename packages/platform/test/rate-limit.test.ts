import t from 'tap';
import { FixedWindowLimiter } from '../src/rate-limit.ts';

t.test('a window opens with its first request, counts, and starts again when it ends', async (t) => {
  const limiter = new FixedWindowLimiter(2, 1000);
  t.same(limiter.hit('a', 10_000), { count: 1, resetMs: 1000 });
  t.same(limiter.hit('a', 10_400), { count: 2, resetMs: 600 });
  t.same(limiter.hit('a', 10_999), { count: 3, resetMs: 1 }, 'past max: the caller refuses it');
  t.same(limiter.hit('b', 10_999), { count: 1, resetMs: 1000 }, 'another key, its own window');
  t.same(limiter.hit('a', 11_000), { count: 1, resetMs: 1000 }, 'a new window at its end');
});

t.test('past maxKeys, the least recently hit key is forgotten', async (t) => {
  const limiter = new FixedWindowLimiter(10, 1000, 2);
  limiter.hit('a', 0);
  limiter.hit('a', 1);
  limiter.hit('b', 2);
  limiter.hit('a', 1000); // a is hit again: now more recent than b
  limiter.hit('c', 1001); // full: b goes
  t.equal(limiter.hit('a', 1002).count, 2, 'a kept its window');
  t.equal(limiter.hit('c', 1003).count, 2, 'c kept its window');
  t.equal(limiter.hit('b', 1004).count, 1, 'b was forgotten (and now evicted a)');
  t.equal(limiter.hit('a', 1005).count, 1);
});

t.test('a caller hitting inside its window is not the one forgotten', async (t) => {
  const limiter = new FixedWindowLimiter(10, 1000, 2);
  limiter.hit('a', 0);
  limiter.hit('b', 1);
  limiter.hit('a', 2); // same window, but a is the more recent caller
  limiter.hit('c', 3); // full: b goes, though a's window opened first
  t.equal(limiter.hit('a', 4).count, 3, 'a kept its count');
});
