/**
 * Crash safety: the active relay is SIGKILLed at random points while it works through a large
 * backlog, ≥ 10 times; a standby relay (another process waiting on the lock) takes over each time.
 * Every event must arrive at least once and, after consumer dedupe by event id (the contracts
 * helper), exactly once and in per-record order.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createEventDeduplicator, DEPLOYMENTS_TOPIC, PUBLISHING_RECORDS_TOPIC } from '@publisher/contracts';
import { comparePositions, createPostgresEventStore } from '@publisher/event-store';
import { cleanupStack, createTestDatabase, waitUntil } from '@publisher/testing';
import pg from 'pg';
import t from 'tap';
import { bundleRelayMain, removeBundle } from './helpers/bundle.ts';
import { appendLifecycle, inParallel, type Tenant } from './helpers/fixtures.ts';
import { consumeUntil, kafkaBrokers } from './helpers/kafka.ts';

const KILLS = Number(process.env.CRASH_KILLS ?? 10);
const INITIAL_RECORDS = 2500; // × 6 events
const RECORDS_PER_ROUND = 250; // traffic keeps arriving between crashes
const BACKLOG_MIN = 2000; // events left for the relay when a kill is sent
const STANDBYS = 3; // processes booted ahead, so a takeover does not wait for a cold start

const defer = cleanupStack(t);
const bundle = await bundleRelayMain();
defer(() => removeBundle(bundle.dir));
const db = await createTestDatabase('relay_crash');
defer(db.drop);
const brokers = await kafkaBrokers({ teardown: defer });
const store = createPostgresEventStore({ connectionString: db.url });
await store.migrate();
defer(() => store.close());
const admin = new pg.Pool({ connectionString: db.url, max: 2 });
admin.on('error', () => {}); // the teardown's DROP DATABASE … WITH (FORCE) ends its sessions
defer(() => admin.end());
const prefix = `crash-${randomUUID().slice(0, 8)}.`;
const streams: string[] = [];
const children = new Map<number, ChildProcess>();

async function writeRecords(count: number): Promise<void> {
  await inParallel(count, 8, async (i) => {
    const id = randomUUID();
    const tenant: Tenant = { account_id: 1 + (i % 5), site_id: 1 + (i % 50), sector_id: 1 };
    await appendLifecycle(store, id, tenant);
    streams.push(`publishing_record-${id}`);
  });
}

function spawnRelay(): void {
  const child = spawn(process.execPath, [bundle.file], {
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC_PREFIX: prefix,
      STATUS_ENABLED: 'false',
      RELAY_BATCH_SIZE: '50',
      RELAY_LOCK_RETRY_MS: '50',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.set(child.pid!, child);
  child.once('exit', () => children.delete(child.pid!));
  defer(() => child.kill('SIGKILL'));
}

/** The pid of the process holding the relay lock (its session is named `kafka-relay-lock-<pid>`). */
async function activePid(): Promise<number | null> {
  const { rows } = await admin.query<{ name: string }>(
    `SELECT a.application_name AS name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database()
        AND a.application_name LIKE 'kafka-relay-lock-%'`,
  );
  return rows[0] ? Number(rows[0].name.slice('kafka-relay-lock-'.length)) : null;
}

async function checkpoint(): Promise<string | null> {
  const { rows } = await admin.query<{ position: string | null }>(
    "SELECT position FROM relay_checkpoints WHERE name = 'kafka-relay'",
  );
  return rows[0]?.position ?? null;
}

/** Whether at least `count` events lie after the relay's checkpoint. */
async function backlogAtLeast(count: number): Promise<boolean> {
  const events = await store.readAll({ after: await checkpoint(), limit: count });
  return events.length >= count;
}

t.test(`SIGKILL the active relay ${KILLS} times during a backlog: nothing lost, order kept after dedupe`, async (t) => {
  const started = Date.now();
  await writeRecords(INITIAL_RECORDS);
  t.comment(`backlog written after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (let i = 0; i < STANDBYS; i++) spawnRelay();
  let previous: string | null = null;
  let midBacklogKills = 0;
  for (let round = 1; round <= KILLS; round++) {
    // Wait for some process to be active AND to have moved the checkpoint (it relays for real).
    const from = previous;
    previous = await waitUntil(
      `progress in round ${round}`,
      async () => {
        const c = await checkpoint();
        return c !== null && comparePositions(c, from) > 0 ? c : null;
      },
      { timeoutMs: 45_000 },
    );
    // A random point: between batches, mid-send, or between the broker's ack and the checkpoint write.
    await sleep(Math.floor(Math.random() * 200));
    // A kill only tests a takeover when work is left. Small batches keep the relay slower than the
    // writers, so a backlog can always be topped up; the kill follows the check within milliseconds,
    // far less than the relay needs for BACKLOG_MIN events.
    for (let topUps = 0; !(await backlogAtLeast(BACKLOG_MIN)); topUps++) {
      if (topUps === 10) throw new Error(`the relay outran ${topUps} top-ups of the backlog in round ${round}`);
      await writeRecords(RECORDS_PER_ROUND * 2);
    }
    const pid = await waitUntil('an active relay', activePid, { timeoutMs: 45_000 });
    const victim = children.get(pid);
    if (!victim) throw new Error(`active relay ${pid} is not one of ours`);
    const gone = new Promise((resolve) => victim.once('exit', resolve));
    victim.kill('SIGKILL');
    await gone;
    spawnRelay();
    previous = await checkpoint();
    if (await backlogAtLeast(1)) midBacklogKills++;
    await writeRecords(RECORDS_PER_ROUND);
  }
  t.equal(midBacklogKills, KILLS, 'every kill landed while a backlog remained');

  t.comment(`kills done after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const expected: Array<{ key: string; ids: string[] }> = [];
  await inParallel(streams.length, 4, async (i) => {
    const events = await store.readStream(streams[i]!);
    expected.push({ key: events[0]!.stream.slice('publishing_record-'.length), ids: events.map((e) => e.id) });
  });
  const all = new Set(expected.flatMap((e) => e.ids));
  t.comment(`${all.size} events in ${expected.length} records`);
  const arrived = new Set<string>();
  let seen = 0;
  const received = await consumeUntil(
    brokers,
    [prefix + PUBLISHING_RECORDS_TOPIC, prefix + DEPLOYMENTS_TOPIC],
    (got) => {
      for (let i = seen; i < got.length; i++) arrived.add(got[i]!.headers['event-id']!);
      seen = got.length;
      return arrived.size >= all.size;
    },
    60_000,
  );
  t.comment(`all arrived after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  t.equal([...all].filter((id) => !arrived.has(id)).length, 0, 'every event arrived at least once');
  t.comment(`${received.length - arrived.size} duplicate deliveries caused by the crashes`);

  // Consumer side: dedupe by event id with the contracts helper, then compare per-record order.
  const dedupe = createEventDeduplicator();
  const perKey = new Map<string, string[]>();
  for (const r of received) {
    await dedupe.once(r.headers['event-id']!, async () => {
      perKey.set(r.key!, [...(perKey.get(r.key!) ?? []), r.headers['event-id']!]);
    });
  }
  const wrong = expected.filter((e) => JSON.stringify(perKey.get(e.key)) !== JSON.stringify(e.ids));
  t.equal(wrong.length, 0, 'after dedupe each event is seen exactly once, in per-record order');

  const survivors = [...children.values()];
  const stopped = survivors.map(
    (c) => new Promise<number | null>((resolve) => c.once('exit', (code) => resolve(code))),
  );
  for (const c of survivors) c.kill('SIGTERM');
  t.same(
    await Promise.all(stopped),
    survivors.map(() => 0),
    'active and standby relays stop cleanly on SIGTERM',
  );
});
