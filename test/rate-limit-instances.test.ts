/**
 * The rate limit holds across API processes: two read APIs on one database admit an account's
 * RATE_LIMIT_MAX per window between them (within 10 %), however its requests are spread over
 * them; with RATE_LIMIT_SHARED=false each process would admit the whole budget again.
 */
import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { cleanupStack, createTestDatabase, signTestToken, waitUntil } from '@publisher/testing';
import pg from 'pg';
import t from 'tap';
import { bundleServices, type ServiceProcess, startService } from './helpers/services.ts';

const MAX = 300;
const defer = cleanupStack(t);
const bundles = await bundleServices(['read-api']);
defer(bundles.remove);
const db = await createTestDatabase('rate_limit_instances');
defer(db.drop);
const admin = new pg.Pool({ connectionString: db.url, max: 1 });
defer(() => admin.end());

async function twoReadApis(shared: boolean): Promise<[ServiceProcess, ServiceProcess]> {
  const env = {
    DATABASE_URL: db.url,
    JWT_SECRET: DEVELOPMENT_JWT_SECRET,
    RATE_LIMIT_MAX: String(MAX),
    RATE_LIMIT_WINDOW_MS: '120000',
    RATE_LIMIT_SHARED: String(shared),
  };
  const apis = await Promise.all([startService(bundles, 'read-api', env), startService(bundles, 'read-api', env)]);
  for (const api of apis) defer(() => api.kill('SIGTERM'));
  return apis as [ServiceProcess, ServiceProcess];
}

const token = (account: number) =>
  `Bearer ${signTestToken({ sub: `user-${account}`, account_id: account, role: 'viewer' }, { key: DEVELOPMENT_JWT_SECRET })}`;

/** Sends `count` list requests of `account`, 8 at a time, each to the API `route(i)` picks; counts the answers. */
async function burst(apis: ServiceProcess[], account: number, count: number, route: (i: number) => number) {
  const statuses = new Map<number, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < count) {
        const i = next++;
        const res = await fetch(`${apis[route(i)]!.url}/api/v1/publisher/publishing-records/`, {
          headers: { authorization: token(account) },
        });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    }),
  );
  return {
    ok: statuses.get(200) ?? 0,
    limited: statuses.get(429) ?? 0,
    other: count - (statuses.get(200) ?? 0) - (statuses.get(429) ?? 0),
  };
}

const within = (n: number) => n >= MAX * 0.9 && n <= MAX * 1.1;

t.test('two processes share each account budget', async (t) => {
  const apis = await twoReadApis(true);
  const even = await burst(apis, 1, 2 * MAX, (i) => i % 2);
  t.ok(within(even.ok), `alternating: ${even.ok} admitted, ${even.limited} refused (max ${MAX})`);
  t.equal(even.other, 0, 'every other answer is a 429');
  const skewed = await burst(apis, 2, 2 * MAX, (i) => (i % 10 === 0 ? 1 : 0));
  t.ok(within(skewed.ok), `nine in ten to one process: ${skewed.ok} admitted`);
  const first = await burst(apis, 3, MAX / 2, () => 0);
  // The first process hands its unused slices back once the account is idle there (1 s): the
  // window's row then counts only what it admitted.
  await waitUntil(
    'the idle process to hand its slices back',
    async () => {
      const { rows } = await admin.query<{ granted: number }>(
        "SELECT granted FROM rate_limit.windows WHERE key = 'account:3'",
      );
      return rows[0] !== undefined && rows[0].granted <= first.ok;
    },
    { timeoutMs: 30_000, intervalMs: 50 },
  );
  const then = await burst(apis, 3, 2 * MAX, () => 1);
  t.ok(within(first.ok + then.ok), `moved from one process to the other: ${first.ok} + ${then.ok} admitted`);
});

t.test('control: limited per process, the same traffic gets the budget twice', async (t) => {
  const apis = await twoReadApis(false);
  const even = await burst(apis, 1, 2 * MAX, (i) => i % 2);
  t.equal(even.ok, 2 * MAX, `${even.ok} admitted: RATE_LIMIT_MAX per process`);
});
