import t from 'tap';
import { backoffDelay, createBackoff } from '../src/index.ts';

t.test('doubles from the first wait and stops at the bound', async (t) => {
  const policy = { firstMs: 100, maxMs: 1000 };
  t.same(
    [0, 1, 2, 3, 4, 5].map((n) => backoffDelay(policy, n)),
    [100, 200, 400, 800, 1000, 1000],
  );
  t.equal(backoffDelay({ ...policy, factor: 3 }, 2), 900, 'the factor is part of the policy');
});

t.test('a very long run of failures stays at the bound', async (t) => {
  t.equal(backoffDelay({ firstMs: 250, maxMs: 10_000 }, 10_000), 10_000);
  t.equal(backoffDelay({ firstMs: 250, maxMs: 10_000 }, -1), 250, 'a negative count waits the first delay');
});

t.test('full jitter draws below the bound', async (t) => {
  const policy = { firstMs: 2, maxMs: 50, jitter: 'full' as const };
  t.equal(
    backoffDelay(policy, 2, () => 0.5),
    4,
    'scaled by the random draw',
  );
  t.equal(
    backoffDelay(policy, 10, () => 0.999),
    49.95,
    'jitter applies below the cap',
  );
  const draws = Array.from({ length: 200 }, () => backoffDelay(policy, 3));
  t.ok(
    draws.every((d) => d >= 0 && d < 16),
    'every draw within [0, bound)',
  );
  t.ok(new Set(draws).size > 100, 'draws differ, so racers spread out');
});

t.test('createBackoff counts retries and starts over on reset', async (t) => {
  const retry = createBackoff({ firstMs: 100, maxMs: 5000 });
  t.same([retry.next(), retry.next(), retry.next()], [100, 200, 400]);
  retry.reset();
  t.equal(retry.next(), 100);
});
