/**
 * The shared rate limit (src/shared-rate-limit.ts) against the real PostgreSQL: several limiters on
 * one database — as several API processes would be — admit one budget between them, mostly
 * without waiting for the database, hand back what they stop using, start the next window
 * together, and fall back to counting alone when the database does not answer.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { cleanupStack, createTestDatabase } from '@publisher/testing';
import pg from 'pg';
import t from 'tap';
import { FixedWindowLimiter, type WindowUse } from '../src/rate-limit.ts';
import { migrateRateLimit, postgresLeaseStore, SharedWindowLimiter } from '../src/shared-rate-limit.ts';

const defer = cleanupStack(t);
const db = await createTestDatabase('rate_limit');
defer(db.drop);

interface Instance {
  limiter: SharedWindowLimiter;
  /** Statements the limiter sent to PostgreSQL. */
  statements: () => number;
  /** Hits that had to wait for the database (the hit returned a promise). */
  waited: () => number;
  /** Messages of the store errors the limiter reported (there should be none). */
  errors: string[];
  hit: (key: string) => Promise<WindowUse>;
}

/** One "process": its own pool and limiter on the shared database. */
async function instance(max: number, windowMs: number, options: { releaseAfterMs?: number } = {}): Promise<Instance> {
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  defer(() => pool.end());
  await migrateRateLimit(pool);
  let statements = 0;
  const counting = new Proxy(pool, {
    get(target, prop) {
      if (prop === 'query') {
        return (...args: unknown[]) => {
          statements++;
          return (target.query as (...a: unknown[]) => unknown)(...args);
        };
      }
      return Reflect.get(target, prop);
    },
  });
  const errors: string[] = [];
  const limiter = new SharedWindowLimiter({
    max,
    windowMs,
    store: postgresLeaseStore(counting),
    fallback: new FixedWindowLimiter(max, windowMs),
    onStoreError: (err) => errors.push(String(err)),
    ...options,
  });
  defer(() => limiter.close());
  let waited = 0;
  return {
    limiter,
    errors,
    statements: () => statements,
    waited: () => waited,
    hit: async (key) => {
      const use = limiter.hit(key, Date.now());
      if (use instanceof Promise) waited++;
      return use;
    },
  };
}

const admitted = (uses: WindowUse[], max: number) => uses.filter((u) => u.count <= max).length;

t.test('two instances share one budget: within 10 % of max, most hits without a database round trip', async (t) => {
  const max = 200;
  const [a, b] = [await instance(max, 60_000), await instance(max, 60_000)];
  const uses: WindowUse[] = [];
  // Eight callers at a time, alternating between the instances, twice the budget in all.
  for (let i = 0; i < 2 * max; i += 8) {
    uses.push(...(await Promise.all(Array.from({ length: 8 }, (_, k) => (k % 2 ? a : b).hit('account:1')))));
  }
  const n = admitted(uses, max);
  t.ok(n >= max * 0.9 && n <= max * 1.1, `${n} of ${2 * max} admitted (max ${max})`);
  const statements = a.statements() + b.statements();
  t.ok(statements <= uses.length / 5, `${statements} statements for ${uses.length} hits`);
  const waited = a.waited() + b.waited();
  t.ok(waited <= uses.length / 4, `${waited} of ${uses.length} hits waited for a lease`);
  t.ok(
    uses.filter((u) => u.count > max).every((u) => u.resetMs > 50_000 && u.resetMs <= 60_000),
    'refusals name the end of the shared window',
  );
  const other = await a.hit('account:2');
  t.ok(other.count <= max, 'another account has its own budget');
  t.same([...a.errors, ...b.errors], [], 'no store errors');
});

t.test('without sharing the same traffic gets twice the budget (what the shared limit prevents)', async (t) => {
  const max = 200;
  const [a, b] = [new FixedWindowLimiter(max, 60_000), new FixedWindowLimiter(max, 60_000)];
  const uses = Array.from({ length: 2 * max }, (_, i) => (i % 2 ? a : b).hit('account:1', Date.now()));
  t.equal(admitted(uses, max), 2 * max);
});

t.test('traffic moving from one instance to the other keeps the budget: idle slices go back', async (t) => {
  const max = 300;
  const [a, b] = [
    await instance(max, 60_000, { releaseAfterMs: 200 }),
    await instance(max, 60_000, { releaseAfterMs: 200 }),
  ];
  const uses: WindowUse[] = [];
  for (let i = 0; i < 100; i++) uses.push(await a.hit('account:7'));
  await delay(600); // a's unused slices are idle past releaseAfterMs
  for (let i = 0; i < 2 * max; i++) uses.push(await b.hit('account:7'));
  t.equal(admitted(uses, max), max, 'the whole budget: every slice the first instance did not use went back');
  t.same([...a.errors, ...b.errors], [], 'no store errors');
});

t.test('the next window starts for every instance at the end of the first', async (t) => {
  const max = 20;
  const windowMs = 1500;
  const [a, b] = [await instance(max, windowMs), await instance(max, windowMs)];
  const first: WindowUse[] = [];
  for (let i = 0; i < 2 * max; i++) first.push(await (i % 2 ? a : b).hit('account:9'));
  t.ok(admitted(first, max) <= max * 1.1, 'the first window is spent');
  const refused = first.filter((u) => u.count > max);
  t.ok(refused.length >= max * 0.9, `${refused.length} refused`);
  await delay(Math.max(...refused.map((u) => u.resetMs)) + 50);
  const second: WindowUse[] = [];
  for (let i = 0; i < max; i++) second.push(await (i % 2 ? b : a).hit('account:9'));
  t.ok(admitted(second, max) >= max * 0.9, 'a new budget once the window has ended');
  t.same([...a.errors, ...b.errors], [], 'no store errors');
});

t.test('the database unreachable: each instance limits alone, without failing requests', async (t) => {
  const errors: unknown[] = [];
  const broken = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none', connectionTimeoutMillis: 500 });
  defer(() => broken.end());
  const limiter = new SharedWindowLimiter({
    max: 5,
    windowMs: 60_000,
    store: postgresLeaseStore(broken),
    fallback: new FixedWindowLimiter(5, 60_000),
    onStoreError: (err) => errors.push(err),
  });
  defer(() => limiter.close());
  const uses: WindowUse[] = [];
  for (let i = 0; i < 8; i++) uses.push(await limiter.hit('account:3', Date.now()));
  t.ok(errors.length >= 1, 'the store failure is reported');
  // The first hit went out before the failure was known (its advance); the rest are counted locally.
  t.ok([5, 6].includes(admitted(uses, 5)), 'the per-process budget applies meanwhile');
});
