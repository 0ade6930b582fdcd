import { advisoryLock, advisoryUnlock } from '@publisher/coordination';
import { loadProjectorConfig, start as startProjector } from '@publisher/projector';
import { Scrape, waitUntil } from '@publisher/testing';
import pg from 'pg';
import t, { type Test } from 'tap';
import { buildApp } from '../src/app.ts';
import { loadCommandApiConfig } from '../src/config.ts';
import { API, type Claims, createRecord, startApi, type TestApi } from './helpers.ts';

const worker: Claims = { account_id: 1, role: 'system_bot', sub: 'publishing-worker' };
const stream = (id: string) => `publishing_record-${id}`;

async function projector(t: Test, api: TestApi) {
  const running = await startProjector(
    loadProjectorConfig({ DATABASE_URL: api.dbUrl, STATUS_ENABLED: 'false', LOG_LEVEL: 'silent' }),
  );
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await running.close();
  };
  t.teardown(close);
  return { close };
}

/** How long, and how often, the waits below poll. */
const patience = { timeoutMs: 20_000, intervalMs: 100 };

const projectedStatus = (api: TestApi, id: string) => async () =>
  (await api.pool.query('SELECT status FROM read_model.publishing_records WHERE id = $1', [id])).rows[0]?.status as
    | string
    | undefined;

async function startRecord(api: TestApi): Promise<string> {
  const { id } = await createRecord(api);
  const res = await api.call({ method: 'POST', url: `${API}/publishing-records/${id}/start`, as: worker });
  if (res.statusCode !== 200) throw new Error(`start: ${res.statusCode}`);
  return id;
}

const failures = async (api: TestApi, id: string) =>
  (await api.store.readStream(stream(id))).filter((e) => e.type === 'PublishingFailed');

t.test('a record left publishing past PUBLISHING_TIMEOUT is failed by the system and can be retried', async (t) => {
  const api = await startApi(t, { PUBLISHING_TIMEOUT: '1s', STUCK_SWEEP_INTERVAL: '200ms' });
  await projector(t, api);
  const stuck = await startRecord(api); // the worker "died" after start
  const done = await startRecord(api);
  const succeed = await api.call({
    method: 'POST',
    url: `${API}/publishing-records/${done}/succeed`,
    payload: { external_url: 'https://example.test/p/1' },
    as: worker,
  });
  t.equal(succeed.statusCode, 200);

  const [failed] = await waitUntil(
    'the sweep to fail the stuck record',
    async () => {
      const found = await failures(api, stuck);
      return found.length > 0 && found;
    },
    patience,
  );
  t.match(failed, {
    data: {
      error: /^publishing timed out: attempt 1 started at .* and recorded no outcome within 1s \(PUBLISHING_TIMEOUT\)/,
    },
    metadata: { actor: { user_id: 'stuck-record-sweeper', role: 'system_bot' }, tenant: { account_id: 1 } },
  });
  t.same(await failures(api, done), [], 'a record that finished is left alone');

  const retry = await api.call({ method: 'POST', url: `${API}/publishing-records/${stuck}/retry` });
  t.equal(retry.statusCode, 200, 'the failed record can be retried');
  t.match(retry.json().data, { status: 'pending', attempts: 1, error_message: /publishing timed out/ });

  const metrics = new Scrape((await api.app.inject({ url: '/metrics' })).body);
  t.ok(metrics.value('publisher_command_api_stuck_records_found_total')! >= 1);
  t.ok(metrics.value('publisher_command_api_stuck_records_failed_total')! >= 1);
  t.equal(metrics.value('publisher_command_api_publishing_timeout_seconds'), 1);
});

t.test('one sweep at a time, and a stale read model never fails a record that moved on', async (t) => {
  let clock = Date.now();
  const now = () => new Date(clock);
  const api = await startApi(t, { PUBLISHING_TIMEOUT: '10m', STUCK_SWEEP_ENABLED: 'false' }, { now });
  const rm = await projector(t, api);
  const sweeper = api.app.stuckRecordSweeper;

  const locked = await startRecord(api);
  await waitUntil('the projection', async () => (await projectedStatus(api, locked)()) === 'publishing', patience);
  t.same(await sweeper.sweep(), { active: true, found: 0, failed: [], movedOn: [] }, 'not before the timeout');
  clock += 10 * 60_000 + 1;

  // Another instance holds the sweep lock: this one does nothing.
  const holder = new pg.Client({ connectionString: api.dbUrl });
  holder.on('error', () => {}); // the database is dropped in teardown
  await holder.connect();
  t.teardown(() => holder.end());
  await advisoryLock(holder, 'command-api:stuck-record-sweep');
  t.same(await sweeper.sweep(), { active: false, found: 0, failed: [], movedOn: [] });
  t.same(await failures(api, locked), []);
  await advisoryUnlock(holder, 'command-api:stuck-record-sweep');

  // Two instances sweeping at once fail a record exactly once.
  const second = await buildApp(
    {
      store: api.store,
      pool: api.pool,
      config: loadCommandApiConfig({ LOG_LEVEL: 'silent', PUBLISHING_TIMEOUT: '10m', STUCK_SWEEP_ENABLED: 'false' }),
      now,
    },
    { logger: false },
  );
  t.teardown(() => second.close());
  await Promise.all([sweeper.sweep(), second.stuckRecordSweeper.sweep()]);
  t.equal((await failures(api, locked)).length, 1, 'failed once');
  t.match((await failures(api, locked))[0]?.data.error, /within 10m/);

  // The read model still shows publishing, but the stream moved on (succeeded): left alone.
  const moved = await startRecord(api);
  await waitUntil('the projection', async () => (await projectedStatus(api, moved)()) === 'publishing', patience);
  await rm.close();
  const succeed = await api.call({
    method: 'POST',
    url: `${API}/publishing-records/${moved}/succeed`,
    payload: { external_url: 'https://example.test/p/2' },
    as: worker,
  });
  t.equal(succeed.statusCode, 200);
  clock += 10 * 60_000 + 1;
  const result = await sweeper.sweep();
  t.match(result, { active: true, failed: [], movedOn: [moved] });
  t.same(await failures(api, moved), [], 'the published record stays published');
  // Either instance may have won the concurrent sweep above; between them they failed one record.
  t.equal(sweeper.stats.failed + second.stuckRecordSweeper.stats.failed, 1);
});

t.test(
  'PUBLISHING_TIMEOUT and STUCK_SWEEP_INTERVAL are durations; STUCK_SWEEP_ENABLED turns the sweep off',
  async (t) => {
    t.equal(loadCommandApiConfig({}).publishingTimeoutMs, 15 * 60_000, 'default 15m');
    t.equal(loadCommandApiConfig({}).stuckSweepIntervalMs, 30_000, 'default 30s');
    t.equal(loadCommandApiConfig({ PUBLISHING_TIMEOUT: '2h' }).publishingTimeoutMs, 7_200_000);
    t.equal(loadCommandApiConfig({ PUBLISHING_TIMEOUT: '90' }).publishingTimeoutMs, 90_000, 'bare numbers are seconds');
    t.equal(loadCommandApiConfig({ STUCK_SWEEP_ENABLED: 'false' }).stuckSweepIntervalMs, null, 'no sweeps');
    t.throws(
      () => loadCommandApiConfig({ STUCK_SWEEP_INTERVAL: '0' }),
      {
        name: 'ConfigError',
        code: 'CONFIG_INVALID',
        variable: 'STUCK_SWEEP_INTERVAL',
        message: /^STUCK_SWEEP_INTERVAL must be/,
      },
      'no 0 interval: below the minimum (STUCK_SWEEP_ENABLED=false turns the sweep off)',
    );
    t.throws(() => loadCommandApiConfig({ STUCK_SWEEP_ENABLED: 'off' }), { code: 'CONFIG_INVALID' }, 'true or false');
    for (const bad of ['soon', '-1s', '1.5m', '0', '10d']) {
      t.throws(() => loadCommandApiConfig({ PUBLISHING_TIMEOUT: bad }), { code: 'CONFIG_INVALID' }, bad);
    }
  },
);
