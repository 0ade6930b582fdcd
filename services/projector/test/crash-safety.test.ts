import { setTimeout as sleep } from 'node:timers/promises';
import { advisoryLockKey, tryAdvisoryLock } from '@publisher/coordination';
import { comparePositions, createPostgresEventStore } from '@publisher/event-store';
import { createReadModelConnection, migrateReadModel, readCheckpoint } from '@publisher/read-model';
import { createTestDatabase, waitUntil } from '@publisher/testing';
import pg from 'pg';
import t from 'tap';
import { lockKeys } from '../src/session.ts';
import { foldAllEvents, loadAllRows } from './oracle.ts';
import { appendWorkload, spawnProjector } from './support.ts';

/*
 * SIGKILL the projector (real separate processes) at random moments of a large catch-up, again
 * and again; afterwards the read models must equal a fresh fold of all events by the DOMAIN's
 * evolve functions: no effect lost, none applied twice.
 *
 * Starting a process costs seconds, so every restart is started up front: all instances wait as
 * standbys behind the projection lock (the test holds it while they start), and each kill makes
 * the next one take over, exactly as a supervisor's restart would.
 */
const KILLS = 10;

const database = await createTestDatabase('crash');
t.teardown(database.drop);
const store = createPostgresEventStore({ connectionString: database.url });
t.teardown(() => store.close());
await store.migrate();
const rm = createReadModelConnection({ connectionString: database.url });
t.teardown(rm.close);
await migrateReadModel(rm.pool);

/** The pid of the projector process holding the projection lock, if any. */
async function leaderPid(): Promise<number | null> {
  const r = await rm.pool.query<{ name: string }>(
    `select distinct a.application_name as name from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted and l.classid = $1::oid and l.objid = $2::oid and l.objsubid = 2
        and a.application_name like 'publisher-projector-read_models-%'
        and l.database = (select oid from pg_database where datname = current_database())`,
    [...advisoryLockKey(lockKeys.projection('read_models'))],
  );
  const name = r.rows[0]?.name;
  return name ? Number(name.split('-').pop()) : null;
}

t.test(`SIGKILL during catch-up, ${KILLS} times`, async (t) => {
  const gate = new pg.Client({ connectionString: database.url });
  await gate.connect();
  t.teardown(() => gate.end());
  t.ok(await tryAdvisoryLock(gate, lockKeys.projection('read_models')), 'the test holds the lock: all stand by');

  const env = { PROJECTOR_BATCH_SIZE: '5', PROJECTOR_STANDBY_RETRY_MS: '50' };
  const projectors = Array.from({ length: KILLS + 1 }, () => spawnProjector(database.url, env));
  for (const p of projectors) t.teardown(() => p.kill());
  const byPid = new Map(projectors.map((p) => [p.child.pid, p]));

  // The log grows while the processes start.
  const appended = await appendWorkload(store, { records: 1200, accounts: 6, concurrency: 8 });
  const head = await store.headPosition();
  t.ok(appended > 3000, `${appended} events to catch up on`);
  await waitUntil(
    'every instance to stand by',
    async () =>
      (
        await rm.pool.query(
          `select 1 from pg_stat_activity
            where application_name like 'publisher-projector-read_models-%' and datname = current_database()`,
        )
      ).rowCount === projectors.length,
    { timeoutMs: 60_000 },
  );
  await gate.query('SELECT pg_advisory_unlock_all()');

  let midway = 0;
  for (let kill = 1; kill <= KILLS; kill++) {
    const before = (await readCheckpoint(rm.db)).position;
    await waitUntil('a leader to make progress', async () => (await readCheckpoint(rm.db)).position !== before);
    await sleep(Math.random() * 200);
    const pid = await leaderPid();
    const leader = pid === null ? undefined : byPid.get(pid);
    if (!leader) throw new Error(`no projector holds the lock (pid ${pid})`);
    t.equal(await leader.kill('SIGKILL'), 'SIGKILL', `kill ${kill}: pid ${pid}`);
    const at = (await readCheckpoint(rm.db)).position;
    if (comparePositions(at, head) < 0) midway++;
  }
  t.equal(midway, KILLS, 'every kill landed in the middle of the catch-up');

  // Re-read the head: the readable head can lag the last append while any transaction on the
  // cluster is older than it (another test file's, a projector's batch).
  await waitUntil(
    'the last instance to reach the head',
    async () => comparePositions((await readCheckpoint(rm.db)).position, await store.headPosition()) >= 0,
    // Batches of five events: on a loaded 2-core CI machine the catch-up alone can take minutes.
    { timeoutMs: 150_000 },
  );
  const expected = await foldAllEvents(store);
  const actual = await loadAllRows(rm.db);
  t.equal(actual.records.size, expected.records.size, 'every publishing record, once');
  t.equal(actual.deployments.size, expected.deployments.size, 'every deployment, once');
  t.same(actual.records, expected.records, 'publishing records (and their documents) equal a fresh fold of all events');
  t.same(actual.deployments, expected.deployments, 'deployments equal a fresh fold of all events');
  // The audit rows share the batches' transactions: exactly one per event, none lost, none twice.
  const audited = await rm.pool.query<{ id: string }>('SELECT event_id::text AS id FROM read_model.audit_events');
  const logged = (await store.readAll()).map((e) => e.id);
  t.same(audited.rows.map((r) => r.id).sort(), logged.sort(), 'one audit row per event of the log');
});
