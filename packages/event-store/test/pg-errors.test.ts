import t from 'tap';
import { isEventStoreUnavailable } from '../src/errors.ts';
import { idleConnectionError, toStoreError } from '../src/postgres/pg-errors.ts';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

t.test('connection-level failures become EVENT_STORE_UNAVAILABLE (→ 503)', async (t) => {
  for (const err of [
    withCode('ECONNREFUSED'),
    withCode('ECONNRESET'),
    withCode('ETIMEDOUT'),
    withCode('57P01', 'terminating connection due to administrator command'),
    withCode('57P03', 'the database system is starting up'),
    withCode('08006'),
    withCode('53300', 'too many connections'),
    withCode('57014', 'canceling statement due to statement timeout'),
    new Error('Connection terminated unexpectedly'),
    new Error('timeout exceeded when trying to connect'),
    new AggregateError([withCode('ECONNREFUSED')], 'connect failed'),
    // What the API's 503s counted and the store did not, and the other way round, before one test served both.
    withCode('58030', 'could not write to file'),
    withCode('ENETUNREACH'),
    new Error('Cannot use a pool after calling end on the pool'),
    new Error('query failed', { cause: withCode('ECONNRESET') }),
  ]) {
    const mapped = toStoreError(err, 'append');
    t.ok(isEventStoreUnavailable(mapped), `${(err as { code?: string }).code ?? err.message}`);
    t.equal((mapped as Error).cause, err, 'keeps the cause');
  }
});

t.test('request errors pass through unchanged', async (t) => {
  for (const err of [
    withCode('23505', 'duplicate key'),
    withCode('22P02', 'invalid input syntax'),
    withCode('42P01', 'relation does not exist'),
    new RangeError('append needs at least one event'),
    'not an error',
  ]) {
    t.equal(toStoreError(err, 'append'), err);
  }
});

t.test('idleConnectionError drops the client pg-pool attaches', async (t) => {
  const err = Object.assign(new Error('terminating connection due to administrator command'), {
    code: '57P01',
    client: { connection: { stream: {} } },
  });
  const logged = idleConnectionError(err);
  t.equal(logged, err);
  t.notOk('client' in logged);
  t.equal((logged as Error & { code?: string }).code, '57P01', 'the rest stays');
});
