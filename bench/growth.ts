/**
 * `pnpm bench:growth`: what a year of events costs. Fills one event store with BENCH_EVENTS
 * (10,000,000) events over about a tenth as many records and another with BENCH_BASE_EVENTS
 * (10,000), builds the read models of each with `pnpm projector:rebuild` (its progress bar on a
 * terminal; the large one's time is the rebuild figure), then measures both, round by round in
 * alternating order so load drift hits both alike:
 *
 * - commands at BENCH_WRITE_RATE (50)/s through the command API: every command's latency (append
 *   p99), and the time from its answer until the read API shows its record (`min_position` lag p99);
 * - detail and list reads at BENCH_READ_RATE (100)/s, through a read API with its response cache
 *   (as configured) and one without (`READ_API_CACHE_MB=0`);
 * - `history` and `audit/events` reads at the same rate, where the checkout serves them.
 *
 * Each measurement runs BENCH_SECONDS (15) per round for BENCH_ROUNDS (3) rounds after a warm-up of
 * BENCH_WARMUP_SECONDS (5); the report gives the median of the rounds' p99s at each size, their
 * ratio (target ≤ 1.3), the rebuild (target ≤ 5 min for 10 M events) and the bytes per event of the
 * event store and of the read models. Figures, not a test.
 *
 * Data: DATABASE_URL's server, or an embedded PostgreSQL in .data/bench-pg; databases
 * `bench_growth_<events>`, loaded by `bench/growth/load.ts` (COPY; tens of minutes for 10 M events
 * on a busy 2-core machine) and dropped at the end unless BENCH_KEEP=true (a kept store is reused by
 * the next run; BENCH_FRESH=true loads it again). BENCH_REBUILD=false skips the rebuilds of kept
 * stores. 10 M events take about 25 GB of disk while the rebuild runs; the run refuses to start
 * without room. Before measuring, the tables and indexes the measurements read are read once into
 * the operating system's cache (`pg_prewarm`), as a long-running server holds its working set;
 * BENCH_PREWARM=false measures them as the rebuild left the cache.
 */
import { spawn } from 'node:child_process';
import { statfsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { sleep } from '@publisher/coordination';
import { postgresFromEnv } from '@publisher/dev-infra';
import { envVar, readEnv } from '@publisher/platform/env';
import pg from 'pg';
import { benchDatabase, cpuSeconds, median, quantile, root } from '../services/read-api/bench/bench-support.ts';
import { bulkLoad } from './growth/load.ts';
import {
  closeConnections,
  measureAudit,
  measureDetail,
  measureHistory,
  measureList,
  measureWrites,
  request,
  type Samples,
} from './growth/measure.ts';
import { type GrowthStack, startGrowthStack } from './growth/stack.ts';

/** This bench's settings (see the head of this file); a value it does not accept stops it. */
const BENCH_VARIABLES = {
  BENCH_EVENTS: envVar.integer(10_000_000, 0, Number.MAX_SAFE_INTEGER),
  BENCH_BASE_EVENTS: envVar.integer(10_000, 0, Number.MAX_SAFE_INTEGER),
  BENCH_ROUNDS: envVar.integer(3, 0, Number.MAX_SAFE_INTEGER),
  BENCH_SECONDS: envVar.integer(15, 0, Number.MAX_SAFE_INTEGER),
  BENCH_WARMUP_SECONDS: envVar.integer(5, 0, Number.MAX_SAFE_INTEGER),
  BENCH_WRITE_RATE: envVar.integer(50, 0, Number.MAX_SAFE_INTEGER),
  BENCH_READ_RATE: envVar.integer(100, 0, Number.MAX_SAFE_INTEGER),
  /** Which measurements run: a comma list of `writes`, `detail`, `list`, `history`, `audit` (default all). */
  BENCH_ONLY: envVar.list(['writes', 'detail', 'list', 'history', 'audit']),
  BENCH_KEEP: envVar.boolean(false),
  BENCH_REBUILD: envVar.boolean(true),
  BENCH_FRESH: envVar.boolean(false),
  BENCH_PREWARM: envVar.boolean(true),
};
const {
  BENCH_EVENTS: EVENTS,
  BENCH_BASE_EVENTS: BASE_EVENTS,
  BENCH_ROUNDS: ROUNDS,
  BENCH_SECONDS: SECONDS,
  BENCH_WARMUP_SECONDS: WARMUP_SECONDS,
  BENCH_WRITE_RATE: WRITE_RATE,
  BENCH_READ_RATE: READ_RATE,
  BENCH_KEEP: KEEP,
  BENCH_REBUILD: REBUILD,
  BENCH_FRESH: FRESH,
  BENCH_PREWARM: PREWARM,
  BENCH_ONLY,
} = readEnv(BENCH_VARIABLES, process.env);
const ONLY = new Set(BENCH_ONLY);
const ACCOUNTS = 1000;
const TARGET_RATIO = 1.3;
const TARGET_REBUILD_S = 300;
/** Disk a loaded event costs at most while the benchmark runs: the store, two read models during the rebuild, WAL. */
const BYTES_PER_EVENT_NEEDED = 2500;

const say = (line: string) => console.log(line);
const load = () =>
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ')}`;
const fmt = (n: number) => n.toLocaleString('en');

interface Prepared {
  events: number;
  url: string;
  /** The rebuild's wall time, and the CPU seconds its Node process and its PostgreSQL sessions used. */
  rebuild: { seconds: number; events: number; per_second: number; node_cpu: number; postgres_cpu: number } | null;
  bytes: { event_store: number; read_models: number };
}

/**
 * CPU seconds of the rebuild's PostgreSQL sessions (server on this machine: their pids are read
 * from /proc), sampled while it runs; each session's last sample counts.
 */
function sampleBackendCpu(url: string): { stop: () => Promise<number> } {
  const seen = new Map<number, number>();
  const client = new pg.Client({ connectionString: url });
  let running = true;
  const loop = (async () => {
    await client.connect();
    while (running) {
      const { rows } = await client.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
            AND (application_name LIKE 'publisher-rebuild%' OR application_name LIKE 'publisher-projector-store%')`,
      );
      for (const r of rows) {
        const cpu = cpuSeconds(r.pid);
        if (Number.isFinite(cpu)) seen.set(r.pid, cpu);
      }
      await sleep(1000);
    }
    await client.end();
  })();
  return {
    stop: async () => {
      running = false;
      await loop.catch(() => {});
      return seen.size === 0 ? Number.NaN : [...seen.values()].reduce((a, b) => a + b, 0);
    },
  };
}

/**
 * Runs `pnpm projector:rebuild` on `url` (same Node flags), with no live service beside it and so
 * without a transaction budget (`PROJECTOR_REBUILD_MAX_TRANSACTION_MS=0`: the replay takes every
 * core) unless the environment sets one: its progress bar goes to this terminal, its result is
 * parsed from its log.
 */
async function rebuild(url: string): Promise<Prepared['rebuild']> {
  const started = Date.now();
  const cli = path.join(root, 'services/projector/src/rebuild-cli.ts');
  const child = spawn(process.execPath, ['--max-semi-space-size=128', '--import', 'tsx', cli], {
    env: { PROJECTOR_REBUILD_MAX_TRANSACTION_MS: '0', ...process.env, DATABASE_URL: url, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const backends = sampleBackendCpu(url);
  let nodeCpu = 0;
  const sampling = setInterval(() => {
    const cpu = cpuSeconds(child.pid);
    if (Number.isFinite(cpu)) nodeCpu = cpu;
  }, 1000);
  let result: { events?: number; replay_events_per_second?: number } = {};
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.msg === 'rebuild progress') {
        say(
          `  rebuild ${entry.phase}: ${fmt(Number(entry.events))} events, ${fmt(Number(entry.events_per_second))} ev/s`,
        );
      } else if (String(entry.msg).startsWith('rebuild done')) result = entry;
    } catch {
      say(`  ${line}`);
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(sampling);
  const postgresCpu = await backends.stop();
  if (code !== 0) throw new Error(`projector:rebuild exited with ${code}`);
  const seconds = (Date.now() - started) / 1000;
  return {
    seconds,
    events: result.events ?? 0,
    per_second: result.replay_events_per_second ?? 0,
    node_cpu: nodeCpu,
    postgres_cpu: postgresCpu,
  };
}

/** Bytes of every table of `schema`, indexes and TOAST included. */
async function schemaBytes(client: pg.Client, schema: string): Promise<number> {
  const { rows } = await client.query<{ bytes: string }>(
    `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind = 'r'`,
    [schema],
  );
  return Number(rows[0]?.bytes ?? 0);
}

/** The database of `events` events, loaded (or reused when kept from an earlier run) and projected. */
async function prepare(events: number): Promise<Prepared> {
  const name = `bench_growth_${events}`;
  let db = await benchDatabase(name);
  let client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const marker = await client
    .query<{ events: number }>(`SELECT events FROM public.bench_growth_loaded WHERE events = $1`, [events])
    .catch(() => ({ rows: [] as Array<{ events: number }> }));
  let loadedNow = false;
  if (FRESH || marker.rows.length === 0) {
    await client.end();
    db = await benchDatabase(name, { fresh: true });
    say(`# ${name}: loading ${fmt(events)} events…`);
    const loaded = await bulkLoad(db.url, { events, log: (line) => say(`  ${line}`) });
    say(
      `# ${name}: ${fmt(loaded.events)} events, ${fmt(loaded.records)} records, ${fmt(loaded.streams)} streams loaded in ${loaded.seconds.toFixed(0)} s (${load()})`,
    );
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query(
      'CREATE TABLE public.bench_growth_loaded (events bigint, records bigint, loaded_at timestamptz)',
    );
    await client.query('INSERT INTO public.bench_growth_loaded VALUES ($1, $2, now())', [events, loaded.records]);
    loadedNow = true;
  } else {
    say(`# ${name}: reusing the kept store`);
  }
  try {
    let rebuilt: Prepared['rebuild'] = null;
    if (loadedNow || REBUILD) {
      say(`# ${name}: pnpm projector:rebuild (${load()})`);
      rebuilt = await rebuild(db.url);
      say(
        `# ${name}: rebuilt ${fmt(rebuilt?.events ?? 0)} events in ${rebuilt?.seconds.toFixed(1)} s (replay ${fmt(Math.round(rebuilt?.per_second ?? 0))} ev/s)`,
      );
    }
    await client.query('VACUUM ANALYZE');
    return {
      events,
      url: db.url,
      rebuild: rebuilt,
      bytes: {
        event_store: await schemaBytes(client, 'event_store'),
        read_models: await schemaBytes(client, 'read_model'),
      },
    };
  } finally {
    await client.end();
  }
}

/**
 * The tables and indexes the measured requests read: streams and their events (commands on loaded
 * records, history), the records (detail by id, the newest page of an account's list and its count) and an
 * account's newest audit events.
 */
const MEASURED_RELATIONS = [
  'event_store.events',
  'event_store.events_stream_revision_key',
  'event_store.streams',
  'event_store.streams_pkey',
  'read_model.publishing_records',
  'read_model.publishing_records_pkey',
  'read_model.publishing_records_account_created',
  'read_model.publishing_records_account_content',
  'read_model.audit_events',
  'read_model.audit_events_account_time',
];

/**
 * Reads the measured relations once into the operating system's cache (`pg_prewarm`, mode `read`),
 * as a server that has run for a while holds its working set: right after a load and a rebuild,
 * the cache holds whatever the rebuild wrote last, and a 10 M store's reads then wait on the disk
 * for most pages (which is what BENCH_PREWARM=false measures). Returns what it did, for the log.
 */
async function prewarm(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    try {
      await client.query('CREATE EXTENSION IF NOT EXISTS pg_prewarm');
    } catch (err) {
      return `skipped: pg_prewarm is not available (${(err as Error).message})`;
    }
    const started = Date.now();
    let blocks = 0;
    for (const relation of MEASURED_RELATIONS) {
      const { rows } = await client.query<{ blocks: string }>(
        "SELECT pg_prewarm(to_regclass($1), 'read')::text AS blocks WHERE to_regclass($1) IS NOT NULL",
        [relation],
      );
      blocks += Number(rows[0]?.blocks ?? 0);
    }
    return `${((blocks * 8192) / 1e9).toFixed(1)} GB read in ${((Date.now() - started) / 1000).toFixed(0)} s`;
  } finally {
    await client.end();
  }
}

type Metric =
  | 'append'
  | 'append_loaded_record'
  | 'min_position_lag'
  | 'detail_cached'
  | 'detail_uncached'
  | 'list_cached'
  | 'list_uncached'
  | 'history'
  | 'audit_events';

/** Per size and metric, each round's p50 and p99 (ms) and failures. */
type Results = Map<number, Map<Metric, Array<{ p50: number; p99: number; n: number; failed: number }>>>;

function record(results: Results, size: number, metric: Metric, s: Samples): void {
  const bySize = results.get(size) ?? new Map();
  results.set(size, bySize);
  const rounds = bySize.get(metric) ?? [];
  bySize.set(metric, rounds);
  rounds.push({ p50: quantile(s.ms, 0.5), p99: quantile(s.ms, 0.99), n: s.ms.length, failed: s.failed });
}

/** Whether this checkout's read API serves the route (the audit read side may not have landed). */
async function serves(stack: GrowthStack, url: string): Promise<boolean> {
  const r = stack.records[0]!;
  return (await request(stack.readPort, 'GET', url.replace(':id', r.id), stack.token(r.account))).status === 200;
}

async function measureRound(stack: GrowthStack, size: number, results: Results | null, seconds: number) {
  const put = (metric: Metric, s: Samples) => results && record(results, size, metric, s);
  if (ONLY.has('writes')) {
    const writes = await measureWrites(stack, WRITE_RATE, seconds);
    put('append', writes.append);
    put('append_loaded_record', writes.loaded);
    put('min_position_lag', writes.lag);
  }
  if (ONLY.has('detail')) {
    put('detail_cached', await measureDetail(stack, stack.readPort, READ_RATE, seconds));
    put('detail_uncached', await measureDetail(stack, stack.uncachedReadPort, READ_RATE, seconds));
  }
  if (ONLY.has('list')) {
    put('list_cached', await measureList(stack, stack.readPort, READ_RATE, seconds));
    put('list_uncached', await measureList(stack, stack.uncachedReadPort, READ_RATE, seconds));
  }
  if (ONLY.has('history') && (await serves(stack, '/api/v1/publisher/publishing-records/:id/history')))
    put('history', await measureHistory(stack, READ_RATE, seconds));
  if (ONLY.has('audit') && (await serves(stack, '/api/v1/publisher/audit/events?page_size=20')))
    put('audit_events', await measureAudit(stack, READ_RATE, seconds));
}

function report(results: Results, small: Prepared, large: Prepared): void {
  const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000} M` : n >= 1000 ? `${n / 1000} k` : String(n));
  const metrics: Metric[] = [
    'append',
    'append_loaded_record',
    'min_position_lag',
    'detail_cached',
    'detail_uncached',
    'list_cached',
    'list_uncached',
    'history',
    'audit_events',
  ];
  say(
    `\n## p99 in ms (median of ${ROUNDS} rounds; p50 in brackets), at ${label(small.events)} and ${label(large.events)} events`,
  );
  say('| measurement | at small | at large | ratio | target ≤ 1.3 | samples, failures (large) |');
  say('|---|---|---|---|---|---|');
  for (const m of metrics) {
    const a = results.get(small.events)?.get(m);
    const b = results.get(large.events)?.get(m);
    if (!a || !b) {
      say(`| ${m} | — | — | — | not measured (BENCH_ONLY) or not served by this checkout | |`);
      continue;
    }
    const p99a = median(a.map((r) => r.p99));
    const p99b = median(b.map((r) => r.p99));
    const ratio = p99b / p99a;
    const informational = m === 'append_loaded_record';
    say(
      `| ${m} | ${p99a.toFixed(1)} (${median(a.map((r) => r.p50)).toFixed(1)}) | ${p99b.toFixed(1)} (${median(b.map((r) => r.p50)).toFixed(1)}) | ${ratio.toFixed(2)} | ${informational ? '(part of append)' : ratio <= TARGET_RATIO ? 'met' : 'NOT met'} | ${b.map((r) => `${r.n}/${r.failed}`).join(', ')} |`,
    );
  }
  for (const p of [small, large]) {
    say(
      `\n${label(p.events)} events: event store ${(p.bytes.event_store / p.events).toFixed(0)} bytes/event (${fmt(Math.round(p.bytes.event_store / 1e6))} MB), read models ${(p.bytes.read_models / p.events).toFixed(0)} bytes/event (${fmt(Math.round(p.bytes.read_models / 1e6))} MB)`,
    );
    if (p.rebuild) {
      const met = p.rebuild.seconds <= TARGET_REBUILD_S ? 'met' : 'NOT met';
      say(
        `  pnpm projector:rebuild: ${p.rebuild.seconds.toFixed(1)} s for ${fmt(p.rebuild.events)} events (replay ${fmt(Math.round(p.rebuild.per_second))} ev/s)${p === large ? `; target ≤ ${TARGET_REBUILD_S} s: ${met}` : ''}`,
      );
      // Wall time on a shared machine says little; the CPU it took bounds it on an idle one.
      const { node_cpu: node, postgres_cpu: postgres } = p.rebuild;
      say(
        `    CPU: rebuild process ${node.toFixed(0)} s + its PostgreSQL sessions ${postgres.toFixed(0)} s (${((1e6 * (node + postgres)) / p.events).toFixed(0)} µs per event); on an idle 2-core machine between ${Math.max(node, postgres).toFixed(0)} and ${(node + postgres).toFixed(0)} s`,
      );
    }
  }
}

async function main(): Promise<void> {
  say(`# bench:growth — ${fmt(BASE_EVENTS)} vs ${fmt(EVENTS)} events; ${os.cpus().length} cores, ${load()}`);
  const postgres = await postgresFromEnv({ dataDir: path.join(root, '.data', 'bench-pg'), persistent: true });
  process.env.DATABASE_URL = postgres.url;
  stops.push(postgres.stop);
  const disk = statfsSync(root);
  const free = disk.bavail * disk.bsize;
  const needed = (EVENTS + BASE_EVENTS) * BYTES_PER_EVENT_NEEDED;
  if (free < needed) {
    throw new Error(
      `about ${fmt(Math.round(needed / 1e9))} GB of disk are needed and ${fmt(Math.round(free / 1e9))} GB are free (df -h); run smaller with BENCH_EVENTS`,
    );
  }
  const small = await prepare(BASE_EVENTS);
  const large = await prepare(EVENTS);
  const stacks = new Map<number, GrowthStack>();
  try {
    for (const p of [small, large]) stacks.set(p.events, await startGrowthStack(p.url, ACCOUNTS));
    if (PREWARM) for (const p of [small, large]) say(`# ${fmt(p.events)} events: prewarm ${await prewarm(p.url)}`);
    say(`# warm-up ${WARMUP_SECONDS} s per measurement and size (${load()})`);
    for (const p of [small, large]) await measureRound(stacks.get(p.events)!, p.events, null, WARMUP_SECONDS);
    const results: Results = new Map();
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 === 1 ? [small, large] : [large, small];
      for (const p of order) {
        await measureRound(stacks.get(p.events)!, p.events, results, SECONDS);
        say(`# round ${round}: ${fmt(p.events)} events measured (${load()})`);
      }
    }
    for (const p of [small, large]) {
      const reused = stacks.get(p.events)!.reused();
      if (reused > 0) say(`# note: at ${fmt(p.events)} events ${reused} loaded pending records were edited twice`);
    }
    report(results, small, large);
  } finally {
    closeConnections();
    for (const stack of stacks.values()) await stack.close();
    if (!KEEP) {
      const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await admin.connect();
      for (const p of [small, large])
        await admin.query(`DROP DATABASE IF EXISTS bench_growth_${p.events} WITH (FORCE)`);
      await admin.end();
      say('# databases dropped (BENCH_KEEP=true keeps them for the next run)');
    }
  }
  say(`# done (${load()})`);
}

const stops: Array<() => Promise<void>> = [];
try {
  await main();
} finally {
  for (const stop of stops) await stop();
}
