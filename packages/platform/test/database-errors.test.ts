import { isDatabaseUnavailable, retryWhileUnavailable } from '@publisher/platform/database-errors';
import t from 'tap';

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

t.test('isDatabaseUnavailable: network codes, SQLSTATE classes and causes, not our own SQL', async (t) => {
  t.ok(isDatabaseUnavailable(refused()));
  t.ok(isDatabaseUnavailable(Object.assign(new Error('the database system is starting up'), { code: '57P03' })));
  t.ok(isDatabaseUnavailable(new Error('event store unavailable during migrate', { cause: refused() })));
  t.notOk(isDatabaseUnavailable(Object.assign(new Error('syntax error'), { code: '42601' })));
  t.notOk(isDatabaseUnavailable('ECONNREFUSED'));
});

t.test('retryWhileUnavailable runs a start-up step again while the database is unavailable', async (t) => {
  const warnings: Array<{ attempt: number }> = [];
  const log = { warn: (details: object) => warnings.push(details as { attempt: number }) };
  let runs = 0;
  const result = await retryWhileUnavailable(log, 'migration', async () => {
    runs++;
    if (runs < 3) throw refused();
    return 'migrated';
  });
  t.equal(result, 'migrated');
  t.equal(runs, 3);
  t.same(
    warnings.map((w) => w.attempt),
    [1, 2],
    'each failed attempt is logged',
  );
});

t.test('retryWhileUnavailable throws any other error at once', async (t) => {
  let runs = 0;
  const bad = Object.assign(new Error('permission denied for schema read_model'), { code: '42501' });
  await t.rejects(
    retryWhileUnavailable({ warn: () => {} }, 'migration', async () => {
      runs++;
      throw bad;
    }),
    bad,
  );
  t.equal(runs, 1);
});

t.test('retryWhileUnavailable asks the given test what counts as unavailable', async (t) => {
  let runs = 0;
  const storeDown = Object.assign(new Error('EventStoreDB not reachable'), { code: 'EVENT_STORE_UNAVAILABLE' });
  const result = await retryWhileUnavailable(
    { warn: () => {} },
    'event store migration',
    async () => {
      if (runs++ === 0) throw storeDown;
      return runs;
    },
    (err) => (err as { code?: string }).code === 'EVENT_STORE_UNAVAILABLE',
  );
  t.equal(result, 2);
});
