/**
 * `pnpm bench:replay`: rebuilds the read models from BENCH_EVENTS (default 1,000,000) events and,
 * in the same run, measures the raw rate of reading those events in order from the event store.
 * Prints both rates and their ratio (target ≥ 0.4). Figures, not a test.
 *
 * Uses DATABASE_URL, or an embedded PostgreSQL kept in .data/bench-pg so the event log is appended
 * once and reused by later runs (BENCH_FRESH=true appends a new one).
 *
 *   BENCH_EVENTS (1000000)  BENCH_BATCH (5000, events per rebuild transaction)  BENCH_ROUNDS (3)
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { postgresFromEnv } from '@publisher/dev-infra';
import { median } from '@publisher/dev-infra/bench-stats';
import { createPostgresEventStore, type PostgresEventStore } from '@publisher/event-store';
import { envVar, readEnv } from '@publisher/platform/env';
import pg from 'pg';
import { pino } from 'pino';
import { rebuildReadModels } from '../src/rebuild.ts';
import { countEvents, seedLog } from './seed-log.ts';

/** This bench's settings (see the head of this file); a value it does not accept stops it. */
const BENCH_VARIABLES = {
  BENCH_EVENTS: envVar.integer(1_000_000, 1, 1_000_000_000),
  BENCH_BATCH: envVar.integer(5000, 1, 1_000_000),
  BENCH_ROUNDS: envVar.integer(3, 1, 1000),
  BENCH_FRESH: envVar.boolean(false),
};
const {
  BENCH_EVENTS: target,
  BENCH_BATCH: batchSize,
  BENCH_ROUNDS: rounds,
  BENCH_FRESH: fresh,
} = readEnv(BENCH_VARIABLES, process.env);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dbName = `bench_replay_${target}`;

/** Raw in-order read of the whole log through the adapter: what any consumer pays before doing anything. */
async function rawRead(store: PostgresEventStore): Promise<{ events: number; perSecond: number }> {
  const started = performance.now();
  let after: string | null = null;
  let events = 0;
  for (;;) {
    const batch = await store.readAll({ after, limit: batchSize });
    if (batch.length === 0) break;
    events += batch.length;
    after = batch[batch.length - 1]!.position;
  }
  return { events, perSecond: (events / (performance.now() - started)) * 1000 };
}

async function main(): Promise<void> {
  const { url: adminUrl, stop } = await postgresFromEnv({
    dataDir: path.join(root, '.data', 'bench-pg'),
    persistent: true,
  });
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  if (fresh) await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const connectionString = url.toString();

  const store = createPostgresEventStore({ connectionString, poolSize: 24 });
  try {
    await store.migrate();
    await seedLog(store, target);
    const logger = pino({ level: 'warn' });
    console.log(`# ${await countEvents(store)} events; batch ${batchSize}; ${rounds} rounds (raw read, then rebuild)`);
    const rows: Array<{ raw: number; replay: number; total: number; ratio: number }> = [];
    for (let r = 1; r <= rounds; r++) {
      const raw = await rawRead(store);
      const rebuild = await rebuildReadModels({ store, connectionString, logger, batchSize });
      const ratio = rebuild.replay_events_per_second / raw.perSecond;
      rows.push({
        raw: raw.perSecond,
        replay: rebuild.replay_events_per_second,
        total: rebuild.elapsed_ms / 1000,
        ratio,
      });
      console.log(
        `round ${r}: raw read ${Math.round(raw.perSecond)} ev/s (${raw.events} events) | rebuild replay ${Math.round(rebuild.replay_events_per_second)} ev/s, whole rebuild (replay + indexes + swap) ${(rebuild.elapsed_ms / 1000).toFixed(1)} s | ratio ${ratio.toFixed(2)}`,
      );
    }
    const raw = median(rows.map((r) => r.raw));
    const replay = median(rows.map((r) => r.replay));
    console.log(
      `\nmedians: raw in-order read ${Math.round(raw)} events/s; rebuild replay ${Math.round(replay)} events/s; ratio (median of the rounds') ${median(rows.map((r) => r.ratio)).toFixed(2)} (target ≥ 0.40); whole rebuild ${median(rows.map((r) => r.total)).toFixed(1)} s`,
    );
  } finally {
    await store.close();
    await stop();
  }
}

await main();
