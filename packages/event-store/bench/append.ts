/**
 * `pnpm bench:event-store`: append throughput and latency of the PostgreSQL adapter next to the
 * same work done with raw SQL and with a peer, Emmett's PostgreSQL event store
 * (`@event-driven-io/emmett-postgresql`, a dev dependency only), at the same concurrency, pool size
 * and durability on the same database, plus subscription lag. Figures, not a test. Uses
 * DATABASE_URL, or starts an embedded PostgreSQL.
 *
 * The variants (two raw, the adapter without and with group commit, Emmett) run in alternation
 * (BENCH_ROUNDS rounds of BENCH_SECONDS each), so drift in a shared machine's load hits them alike.
 *
 *   BENCH_CONCURRENCY (32)  BENCH_SECONDS (4)  BENCH_ROUNDS (3)  BENCH_POOL (10)
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { STREAM_DOES_NOT_EXIST } from '@event-driven-io/emmett';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { sleep } from '@publisher/coordination';
import { postgresFromEnv } from '@publisher/dev-infra';
import { envVar, readEnv } from '@publisher/platform/env';
import pg from 'pg';
import { createPostgresEventStore, decodePosition, type NewEvent, type PostgresEventStore } from '../src/index.ts';

/** This bench's settings (see the head of this file); a value it does not accept stops it. */
const BENCH_VARIABLES = {
  BENCH_CONCURRENCY: envVar.integer(32, 1, 10_000),
  BENCH_SECONDS: envVar.integer(4, 1, 86_400),
  BENCH_ROUNDS: envVar.integer(3, 1, 1000),
  BENCH_POOL: envVar.integer(10, 1, 1000),
  /** `true`: print each round's figures. */
  BENCH_VERBOSE: envVar.boolean(false),
};
const {
  BENCH_CONCURRENCY: concurrency,
  BENCH_SECONDS: seconds,
  BENCH_ROUNDS: rounds,
  BENCH_POOL: poolSize,
  BENCH_VERBOSE: verbose,
} = readEnv(BENCH_VARIABLES, process.env);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function event(n: number): NewEvent {
  return {
    id: randomUUID(),
    type: 'PublishingRecordStarted',
    data: { record_id: randomUUID(), destination: 'webhook', attempts: n, external_url: null },
    metadata: {
      correlation_id: randomUUID(),
      causation_id: null,
      actor: { user_id: 'bench', role: 'editor' },
      tenant: { account_id: 1, site_id: 2, sector_id: 3 },
      request_id: randomUUID(),
      occurred_at: new Date().toISOString(),
      schema_version: 1,
    },
  };
}

/** One "command": a new stream, then three appends at the exact revision (create + transitions). */
type AppendFn = (stream: string, events: NewEvent[], expected: number | 'no_stream') => Promise<unknown>;

interface Figures {
  name: string;
  perSecond: number;
  p50: number;
  p99: number;
}

async function run(name: string, append: AppendFn, latencies: number[] = []): Promise<Figures> {
  const before = latencies.length;
  const end = Date.now() + seconds * 1000;
  const worker = async () => {
    while (Date.now() < end) {
      const stream = `bench-${randomUUID()}`;
      for (let rev = -1; rev < 3 && Date.now() < end; rev++) {
        const t0 = performance.now();
        await append(stream, [event(rev + 1)], rev < 0 ? 'no_stream' : rev);
        latencies.push(performance.now() - t0);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return summarise(name, latencies.slice(before), (latencies.length - before) / seconds);
}

function summarise(name: string, latencies: number[], perSecond: number): Figures {
  const sorted = [...latencies].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
  return { name, perSecond, p50: q(0.5), p99: q(0.99) };
}

/** Runs each variant once per round, alternating, and sums them up. */
async function compare(variants: Array<[string, AppendFn]>): Promise<Figures[]> {
  const latencies = variants.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (const [i, [name, fn]] of variants.entries()) {
      const f = await run(name, fn, latencies[i]);
      if (verbose) console.log(`  round ${r + 1}: ${row(f)}`);
    }
  }
  return variants.map(([name], i) => summarise(name, latencies[i]!, latencies[i]!.length / (seconds * rounds)));
}

/** The textbook transaction, one statement per round trip: check-and-bump the version, insert, commit. */
function rawTransaction(pool: pg.Pool): AppendFn {
  return async (stream, events, expected) => {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      const n = events.length;
      const bumped =
        expected === 'no_stream'
          ? await c.query(
              'INSERT INTO event_store.streams (stream, revision) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING revision',
              [stream, n - 1],
            )
          : await c.query(
              'UPDATE event_store.streams SET revision = revision + $2 WHERE stream = $1 AND revision = $3 RETURNING revision',
              [stream, n, expected],
            );
      if (bumped.rowCount !== 1) throw new Error('conflict');
      const last = Number(bumped.rows[0].revision);
      await c.query(
        `INSERT INTO event_store.events (stream, revision, id, type, data, metadata)
         SELECT $1, $2::bigint + ord, id, type, data, metadata
           FROM unnest($3::uuid[], $4::text[], $5::jsonb[], $6::jsonb[]) WITH ORDINALITY AS e(id, type, data, metadata, ord)`,
        [
          stream,
          last - n,
          events.map((e) => e.id),
          events.map((e) => e.type),
          events.map((e) => JSON.stringify(e.data)),
          events.map((e) => JSON.stringify(e.metadata)),
        ],
      );
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      c.release();
    }
  };
}

/** The adapter's stored function called directly: the floor under the adapter's own overhead. */
function rawFunction(pool: pg.Pool): AppendFn {
  return async (stream, events, expected) => {
    const { rows } = await pool.query({
      name: 'bench_append',
      text: 'SELECT ok FROM event_store.append_to_stream($1, $2, $3)',
      values: [stream, expected === 'no_stream' ? -1 : expected, JSON.stringify(events)],
    });
    if (!rows[0].ok) throw new Error('conflict');
  };
}

/**
 * Emmett's store doing the same appends: the same event payloads and metadata, its own tables
 * (`emt_streams`, `emt_messages`) in the same database, a pool of the same size. Emmett's stream
 * versions count events (1 after the first), ours are revisions (0 after the first).
 */
function emmett(pool: pg.Pool, connectionString: string) {
  const store = getPostgreSQLEventStore(connectionString, { connectionOptions: { pooled: true, pool } });
  const append: AppendFn = async (stream, events, expected) => {
    await store.appendToStream(
      stream,
      events.map((e) => ({ type: e.type, data: e.data, metadata: { ...e.metadata, event_id: e.id } })),
      { expectedStreamVersion: expected === 'no_stream' ? STREAM_DOES_NOT_EXIST : BigInt(expected + 1) },
    );
  };
  return { store, append };
}

async function subscriptionLag(store: PostgresEventStore): Promise<{ p50: number; p99: number; events: number }> {
  const sent = new Map<string, number>();
  const lags: number[] = [];
  const controller = new AbortController();
  const head = await store.headPosition();
  const sub = (async () => {
    for await (const batch of store.subscribe({ after: head, signal: controller.signal })) {
      const now = performance.now();
      for (const e of batch) {
        const t0 = sent.get(e.id);
        if (t0 !== undefined) lags.push(now - t0);
      }
    }
  })();
  const result = await run('adapter append + subscriber', async (stream, events, expected) => {
    for (const e of events) sent.set(e.id, performance.now());
    await store.append(stream, events, expected);
  });
  const deadline = Date.now() + 10_000;
  while (lags.length < sent.size && Date.now() < deadline) await sleep(20);
  controller.abort();
  await sub;
  lags.sort((a, b) => a - b);
  const q = (p: number) => lags[Math.min(lags.length - 1, Math.floor(lags.length * p))] ?? Number.NaN;
  console.log(row(result));
  return { p50: q(0.5), p99: q(0.99), events: lags.length };
}

const row = (r: Figures) =>
  `${r.name.padEnd(34)} ${r.perSecond.toFixed(0).padStart(7)} appends/s   p50 ${r.p50.toFixed(2).padStart(6)} ms   p99 ${r.p99.toFixed(2).padStart(6)} ms`;

const { url, stop: stopPg } = await postgresFromEnv({
  dataDir: path.join(root, '.data', `pg-bench-es-${process.pid}`),
});
const admin = new pg.Client({ connectionString: url });
await admin.connect();
const dbName = `bench_es_${Date.now()}`;
await admin.query(`CREATE DATABASE ${dbName}`);
const dbUrl = new URL(url);
dbUrl.pathname = `/${dbName}`;
const store = createPostgresEventStore({ connectionString: dbUrl.toString(), poolSize });
await store.migrate();
// The adapter without group commit: every append its own call, as the raw function loop.
const uncoalesced = createPostgresEventStore({ connectionString: dbUrl.toString(), poolSize, appendConcurrency: 0 });
const rawPool = new pg.Pool({ connectionString: dbUrl.toString(), max: poolSize });
rawPool.on('error', () => {}); // sessions ended by the final DROP DATABASE
const emmettPool = new pg.Pool({ connectionString: dbUrl.toString(), max: poolSize });
emmettPool.on('error', () => {});
const peer = emmett(emmettPool, dbUrl.toString());
await peer.store.schema.migrate();
try {
  console.log(
    `# ${concurrency} concurrent writers, pool ${poolSize}, ${rounds} × ${seconds} s each, synchronous_commit on`,
  );
  const results = await compare([
    ['raw SQL transaction (4 round trips)', rawTransaction(rawPool)],
    ['raw append_to_stream (1 round trip)', rawFunction(rawPool)],
    ['adapter, appendConcurrency 0', (s, e, x) => uncoalesced.append(s, e, x)],
    ['adapter store.append (group commit)', (s, e, x) => store.append(s, e, x)],
    ['Emmett 0.42 appendToStream', peer.append],
  ]);
  for (const r of results) console.log(row(r));
  const ceiling = Math.max(results[0]!.perSecond, results[1]!.perSecond);
  console.log(
    `adapter ÷ best raw: ${(results[2]!.perSecond / ceiling).toFixed(2)} without coalescing, ${(results[3]!.perSecond / ceiling).toFixed(2)} with`,
  );
  console.log(
    `adapter ÷ Emmett: ${(results[3]!.perSecond / results[4]!.perSecond).toFixed(2)} × the appends/s (group commit), ${(results[2]!.perSecond / results[4]!.perSecond).toFixed(2)} × without; p99 ${results[3]!.p99.toFixed(1)} vs ${results[4]!.p99.toFixed(1)} ms`,
  );
  const lag = await subscriptionLag(store);
  console.log(
    `subscription lag (append start → delivered): p50 ${lag.p50.toFixed(1)} ms, p99 ${lag.p99.toFixed(1)} ms over ${lag.events} events`,
  );
  const head = await store.headPosition();
  console.log(`# head ${head} (transaction ${head ? decodePosition(head).high : '-'})`);
} finally {
  await store.close();
  await uncoalesced.close();
  await rawPool.end();
  await peer.store.close();
  await emmettPool.end().catch(() => {});
  await admin.query(`DROP DATABASE ${dbName} WITH (FORCE)`);
  await admin.end();
  await stopPg();
}
