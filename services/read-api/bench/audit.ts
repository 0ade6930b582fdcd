/**
 * `pnpm bench:audit`: the support reads under load — a 50-event record's history, as-of reads,
 * and filtered audit searches over BENCH_AUDIT_EVENTS (default 1,000,000) audit events — against
 * the read API in its own process, BENCH_CONNECTIONS (32) connections, BENCH_ROUNDS (2) rounds of
 * BENCH_SECONDS (10) per variant, alternating so load drift hits all alike. Prints req/s, p50, p99
 * and the server's CPU per request, and the median p99 of each against its target (history and
 * as_of ≤ 15 ms, audit ≤ 25 ms), with a Fastify hello-world measured in the same rounds (`hello`)
 * as the yardstick of how busy the machine was. Figures, not a test.
 *
 * Variants (BENCH_VARIANTS, comma list): `history` (the first page of a 50-event record's history,
 * the default 20 entries: what a reader asks first), `history-50` (all 50 in one page, ~50 kB),
 * `as-of` (a record at a random time of its life), `audit` (one page of 20 of an account's events, with a
 * random filter: none, site, actor, type, correlation, record or a time window), each as a user of
 * the record's account; `history-support` and `audit-support`: the same as support staff from
 * another account, so every request also writes the access log.
 *
 * BENCH_BASELINE=<another checkout, installed> runs that checkout's read API too, in its own process
 * on the same database, and measures each chosen variant against it as `<variant>-baseline` in the
 * same rounds, right after the variant itself (a change's effect, side by side);
 * BENCH_BASELINE_ENV=`NAME=value …` sets the baseline's settings (with BENCH_BASELINE=. a setting's effect),
 * BENCH_BASELINE_NODE_ARGS its node flags (a V8 flag's effect).
 *
 * Data: BENCH_RECORDS (200) publishing records of 50 events each, appended through the PostgreSQL
 * event store; the audit events are bulk-loaded by SQL (generate_series, indexes built after), not
 * projected, so seeding takes seconds. Both are kept in the `bench_audit` database and reused
 * (BENCH_FRESH=true starts over). Uses DATABASE_URL, or an embedded PostgreSQL in .data/bench-pg.
 */
import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import { API_PREFIX } from '@publisher/contracts';
import { createPostgresEventStore, type NewEvent } from '@publisher/event-store';
import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { envVar, readEnv } from '@publisher/platform/env';
import { createReadModelIndexes, migrateReadModel } from '@publisher/read-model';
import { signTestToken } from '@publisher/testing';
import autocannon, { type Request as LoadRequest } from 'autocannon';
import pg from 'pg';
import {
  baselineEnv,
  baselineNodeArgs,
  baselineRun,
  benchDatabase,
  cpuSeconds,
  freePort,
  machineCpuSeconds,
  median,
  postgresCpu,
  postgresCpuBetween,
  root,
  spawnReadApi,
  spawnServer,
} from './bench-support.ts';

/** This bench's settings (see the head of this file); a value it does not accept stops it. */
const BENCH_VARIABLES = {
  BENCH_AUDIT_EVENTS: envVar.integer(1_000_000, 1, 1_000_000_000),
  BENCH_RECORDS: envVar.integer(200, 1, 1_000_000),
  BENCH_CONNECTIONS: envVar.integer(32, 1, 10_000),
  BENCH_SECONDS: envVar.integer(10, 1, 86_400),
  BENCH_ROUNDS: envVar.integer(2, 1, 1000),
  BENCH_BASELINE: envVar.string(null),
  BENCH_VARIANTS: envVar.string(null),
};
const {
  BENCH_AUDIT_EVENTS: AUDIT_EVENTS,
  BENCH_RECORDS: RECORDS,
  BENCH_CONNECTIONS: CONNECTIONS,
  BENCH_SECONDS: SECONDS,
  BENCH_ROUNDS: ROUNDS,
  BENCH_BASELINE: BASELINE,
  BENCH_VARIANTS,
} = readEnv(BENCH_VARIABLES, process.env);
const EVENTS_PER_RECORD = 50;
const VARIANTS = ['hello', 'history', 'history-50', 'as-of', 'audit', 'history-support', 'audit-support'] as const;
type Variant = (typeof VARIANTS)[number];
const CHOSEN = (BENCH_VARIANTS ?? VARIANTS.join(',')).split(',') as Variant[];
for (const v of CHOSEN) if (!VARIANTS.includes(v)) throw new Error(`BENCH_VARIANTS: unknown ${v}`);
const TARGET_P99: Record<Variant, number> = {
  hello: Number.POSITIVE_INFINITY,
  history: 15,
  'history-50': 15,
  'as-of': 15,
  audit: 25,
  'history-support': 15,
  'audit-support': 25,
};

/** Accounts of the bulk-loaded audit events; the records' accounts are among them. */
const ACCOUNTS = 1000;
const TYPES = [
  'PublishingRecordCreated',
  'PublishingRecordUpdated',
  'PublishingStarted',
  'PublishingSucceeded',
  'PublishingFailed',
  'PublishingRetried',
  'PublishingRecordDeleted',
  'DeploymentVersionReserved',
  'DeploymentCreated',
  'DeploymentStarted',
  'DeploymentSucceeded',
  'DeploymentRolledBack',
];
const BASE_MS = Date.UTC(2024, 0, 1);

interface BenchRecord {
  id: string;
  account: number;
  /** Times of its first and last events. */
  from: number;
  to: number;
}

/** A record with 50 events (a create, then metadata updates a minute apart) per account 1..RECORDS. */
async function seedRecords(url: string): Promise<BenchRecord[]> {
  const store = createPostgresEventStore({ connectionString: url, poolSize: 8 });
  await store.migrate();
  try {
    const { rows } = await store.pool.query<{ stream: string; account: number; first: string; last: string }>(
      `SELECT stream, (metadata->'tenant'->>'account_id')::int AS account,
              min(metadata->>'occurred_at') AS first, max(metadata->>'occurred_at') AS last
         FROM event_store.events WHERE stream LIKE 'publishing_record-%' GROUP BY 1, 2`,
    );
    const records = rows.map((r) => ({
      id: r.stream.slice('publishing_record-'.length),
      account: r.account,
      from: Date.parse(r.first),
      to: Date.parse(r.last),
    }));
    if (records.length >= RECORDS) return records;
    console.log(`# appending ${RECORDS - records.length} records of ${EVENTS_PER_RECORD} events…`);
    for (let i = records.length; i < RECORDS; i++) {
      const id = randomUUID();
      const account = 1 + i;
      const start = BASE_MS + i * 3_600_000;
      const at = (n: number) => new Date(start + n * 60_000).toISOString();
      const event = (n: number, type: string, data: Record<string, unknown>): NewEvent => ({
        id: randomUUID(),
        type,
        data: { record_id: id, ...data, at: at(n) },
        metadata: {
          correlation_id: randomUUID(),
          causation_id: null,
          actor: { user_id: `user-${n % 7}`, role: 'editor' },
          tenant: { account_id: account, site_id: account * 100, sector_id: 1 },
          request_id: randomUUID(),
          occurred_at: at(n),
          schema_version: 1,
        },
      });
      const events = [
        event(0, 'PublishingRecordCreated', {
          account_id: account,
          site_id: account * 100,
          sector_id: 1,
          content_id: i + 1,
          destination: 'webhook',
          destination_config: { url: 'https://hooks.example.com/x' },
          metadata: { title: 'v0' },
        }),
        ...Array.from({ length: EVENTS_PER_RECORD - 1 }, (_, n) =>
          event(n + 1, 'PublishingRecordUpdated', { changes: { metadata: { title: `v${n + 1}`, n } } }),
        ),
      ];
      await store.append(`publishing_record-${id}`, events, 'no_stream');
      records.push({ id, account, from: start, to: start + (EVENTS_PER_RECORD - 1) * 60_000 });
    }
    return records;
  } finally {
    await store.close();
  }
}

/**
 * AUDIT_EVENTS audit rows in one statement: 1,000 accounts of 50 sites, 5,000 actors, 12 types,
 * records of 5 events, correlations of 3, one event a second from 2024-01-01; then the indexes and
 * statistics, as after a rebuild.
 */
async function seedAuditEvents(url: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  try {
    await migrateReadModel(pool);
    const have = (await pool.query('SELECT count(*)::int AS n FROM read_model.audit_events')).rows[0].n;
    if (have >= AUDIT_EVENTS) return void console.log(`# reusing ${have} audit events`);
    console.log(`# bulk-loading ${AUDIT_EVENTS} audit events…`);
    const started = Date.now();
    const { rows } = await pool.query<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE schemaname = 'read_model' AND tablename = 'audit_events'`,
    );
    for (const r of rows) await pool.query(`DROP INDEX read_model.${r.indexname}`);
    await pool.query('TRUNCATE read_model.audit_events');
    await pool.query(
      `INSERT INTO read_model.audit_events
         SELECT g.*
           FROM (SELECT md5('e' || i)::uuid AS event_id,
                        lpad(to_hex(1), 16, '0') || '-' || lpad(to_hex(i), 16, '0') AS position,
                        ($2::text[])[1 + (i % 12)] AS type,
                        CASE WHEN i % 12 >= 7 THEN 'deployment' ELSE 'publishing_record' END AS aggregate,
                        md5('r' || (i / 5))::uuid AS record_id,
                        i % 5 AS revision,
                        1 + (i / 5) % ${ACCOUNTS} AS account_id,
                        (1 + (i / 5) % ${ACCOUNTS}) * 100 + (i / 5) % 50 AS site_id,
                        1 + i % 3 AS sector_id,
                        'user-' || (i % 5000) AS actor_user_id,
                        (ARRAY['editor', 'admin', 'system_bot'])[1 + i % 3] AS actor_role,
                        md5('c' || (i / 3)) AS correlation_id,
                        to_timestamp($3::float8 / 1000 + i) AS occurred_at,
                        to_timestamp($3::float8 / 1000 + i) + interval '5 milliseconds' AS recorded_at
                   FROM generate_series(1, $1::int) AS i) AS g`,
      [AUDIT_EVENTS, TYPES, BASE_MS],
    );
    await createReadModelIndexes(pool, 'read_model');
    await pool.query('VACUUM ANALYZE read_model.audit_events');
    console.log(`#   loaded and indexed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await pool.end();
  }
}

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)] as T;
const token = (claims: Record<string, unknown>) =>
  `Bearer ${signTestToken(claims, { key: DEVELOPMENT_JWT_SECRET, expiresInSeconds: 24 * 3600 })}`;

/** A random audit search of one account (its own users, or support naming it). */
function auditPath(account: number, support: boolean): string {
  const q = new URLSearchParams({ page_size: '20' });
  if (support) q.set('account_id', String(account));
  // A key of this account's generated events (see seedAuditEvents), to filter on.
  const group = account - 1 + ACCOUNTS * Math.floor(Math.random() * (AUDIT_EVENTS / 5 / ACCOUNTS));
  const i = group * 5 + 1 + Math.floor(Math.random() * 4);
  switch (Math.floor(Math.random() * 7)) {
    case 1:
      q.set('site_id', String(account * 100 + (group % 50)));
      break;
    case 2:
      q.set('actor', `user-${i % 5000}`);
      break;
    case 3:
      q.set('type', pick(TYPES));
      break;
    case 4:
      q.set('correlation_id', md5Hex(`c${Math.floor(i / 3)}`));
      break;
    case 5:
      q.set('record_id', md5Uuid(`r${group}`));
      break;
    case 6: {
      const from = BASE_MS + Math.floor(Math.random() * AUDIT_EVENTS) * 1000;
      q.set('from', new Date(from).toISOString());
      q.set('to', new Date(from + 86_400_000).toISOString());
      break;
    }
  }
  return `${API_PREFIX}/audit/events?${q}`;
}

const md5Hex = (s: string) => createHash('md5').update(s).digest('hex');
const md5Uuid = (s: string) => md5Hex(s).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  cpuUs: number;
  /** PostgreSQL's, this process's (the load generator) and the whole machine's CPU per request. */
  postgresUs: number;
  loadUs: number;
  machineUs: number;
}

/** One run: each connection cycles through its own prebuilt random requests. */
async function measure(pid: number | undefined, base: string, next: () => LoadRequest, seconds: number) {
  const perConnection = Math.ceil((seconds * 5000) / CONNECTIONS);
  const before = cpuSeconds(pid);
  const postgresBefore = postgresCpu();
  const loadBefore = cpuSeconds(process.pid);
  const machineBefore = machineCpuSeconds();
  const r = await autocannon({
    url: base,
    connections: CONNECTIONS,
    duration: seconds,
    setupClient: (client) => client.setRequests(Array.from({ length: perConnection }, next)),
  });
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
    cpuUs: perRequest(cpuSeconds(pid) - before),
    postgresUs: perRequest(postgresCpuBetween(postgresBefore, postgresCpu())),
    loadUs: perRequest(cpuSeconds(process.pid) - loadBefore),
    machineUs: perRequest(machineCpuSeconds() - machineBefore),
  } satisfies Figures;
  function perRequest(seconds: number): number {
    return (seconds / Math.max(1, r.requests.total)) * 1e6;
  }
}

async function main(): Promise<void> {
  const db = await benchDatabase('bench_audit');
  const records = await seedRecords(db.url);
  await seedAuditEvents(db.url);
  const startApi = async (checkout: string, baseline = false) => {
    const port = await freePort();
    const server = baseline
      ? await spawnReadApi(checkout, db.url, port, baselineEnv(), baselineNodeArgs(), baselineRun())
      : await spawnReadApi(checkout, db.url, port);
    return { ...server, base: `http://127.0.0.1:${port}` };
  };
  const api = await startApi(root);
  const baseline = BASELINE === null ? undefined : await startApi(path.resolve(BASELINE), true);
  const helloPort = await freePort();
  const hello = await spawnServer(
    path.join(root, 'services/read-api/bench/hello.ts'),
    { PORT: String(helloPort) },
    async () => (await fetch(`http://127.0.0.1:${helloPort}/`)).ok,
  );
  const own = new Map(
    records.map((r) => [r.account, token({ sub: `bench-${r.account}`, account_id: r.account, role: 'viewer' })]),
  );
  const support = token({ sub: 'bench-support', account_id: 999_999, role: 'support' });
  const request = (p: string, authorization: string): LoadRequest => ({
    method: 'GET',
    path: p,
    headers: { authorization },
  });
  const next: Record<Variant, () => LoadRequest> = {
    hello: () => ({ method: 'GET', path: '/' }),
    history: () => {
      const r = pick(records);
      return request(`${API_PREFIX}/publishing-records/${r.id}/history`, own.get(r.account) as string);
    },
    'history-50': () => {
      const r = pick(records);
      return request(`${API_PREFIX}/publishing-records/${r.id}/history?page_size=50`, own.get(r.account) as string);
    },
    'as-of': () => {
      const r = pick(records);
      const at = new Date(r.from + Math.random() * (r.to - r.from)).toISOString();
      return request(
        `${API_PREFIX}/publishing-records/${r.id}?as_of=${encodeURIComponent(at)}`,
        own.get(r.account) as string,
      );
    },
    audit: () => {
      const r = pick(records);
      return request(auditPath(r.account, false), own.get(r.account) as string);
    },
    'history-support': () =>
      request(`${API_PREFIX}/publishing-records/${pick(records).id}/history?page_size=50`, support),
    'audit-support': () => request(auditPath(pick(records).account, true), support),
  };
  // Each chosen variant against this checkout's API, and (BENCH_BASELINE) the same against the baseline's.
  const runs = CHOSEN.flatMap((v) => {
    const own = { name: v as string, variant: v, pid: api.child.pid, base: api.base };
    if (v === 'hello') return [{ ...own, pid: hello.child.pid, base: `http://127.0.0.1:${helloPort}` }];
    return baseline
      ? [own, { name: `${v}-baseline`, variant: v, pid: baseline.child.pid, base: baseline.base }]
      : [own];
  });
  try {
    console.log(
      `# ${records.length} records of ${EVENTS_PER_RECORD} events; ${AUDIT_EVENTS} audit events; ${CONNECTIONS} connections; ${ROUNDS} × ${SECONDS} s per variant`,
    );
    for (const run of runs) await measure(run.pid, run.base, next[run.variant], 3);
    const results = new Map<string, Figures[]>(runs.map((run) => [run.name, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      const line: string[] = [];
      for (const run of runs) {
        const f = await measure(run.pid, run.base, next[run.variant], SECONDS);
        results.get(run.name)?.push(f);
        line.push(
          `${run.name} ${Math.round(f.rps)} req/s p99 ${f.p99} ms ${Math.round(f.cpuUs)} µs CPU (postgres ${Math.round(f.postgresUs)}, load ${Math.round(f.loadUs)}, machine ${Math.round(f.machineUs)})`,
        );
      }
      console.log(`round ${round}: ${line.join(' | ')}`);
    }
    console.log('\nmedians of the rounds (ratio: req/s against the same round’s hello-world, when measured):');
    const hellos = results.get('hello') ?? [];
    for (const run of runs) {
      const f = results.get(run.name) ?? [];
      const p99 = median(f.map((x) => x.p99));
      const errors = f.reduce((s, x) => s + x.errors, 0);
      const ratios = hellos.length ? f.map((x, i) => x.rps / (hellos[i]?.rps ?? Number.NaN)) : [];
      const goal = TARGET_P99[run.variant];
      const target = Number.isFinite(goal) ? ` (target ≤ ${goal} ms: ${p99 <= goal ? 'met' : 'NOT met'})` : '';
      console.log(
        `${run.name.padEnd(25)} ${Math.round(median(f.map((x) => x.rps)))} req/s${ratios.length ? `  ratio ${median(ratios).toFixed(3)}` : ''}  p50 ${median(f.map((x) => x.p50))} ms  p99 ${p99} ms${target}  ${Math.round(median(f.map((x) => x.cpuUs)))} µs server CPU/request (postgres ${Math.round(median(f.map((x) => x.postgresUs)))}, load generator ${Math.round(median(f.map((x) => x.loadUs)))}, machine ${Math.round(median(f.map((x) => x.machineUs)))})${errors ? `  ${errors} errors` : ''}`,
      );
    }
  } finally {
    await hello.stop();
    await api.stop();
    await baseline?.stop();
    await db.stop();
  }
}

await main();
