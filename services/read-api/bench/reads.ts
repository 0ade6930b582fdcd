/**
 * `pnpm bench:reads`: list and detail requests against the read API over BENCH_RECORDS (default
 * 100,000) publishing records in BENCH_ACCOUNTS (1,000) accounts, BENCH_CONNECTIONS (32)
 * connections, with a Fastify hello-world measured in the same run. Prints req/s, p50/p99 and the
 * ratio to hello-world: each round's against the hello-world of that round, their median judged
 * (targets: ratio ≥ 0.35, p99 ≤ 10 ms), and the ratio of the medians beside it. Figures, not a test.
 *
 * Every request carries a token of a random account and reads that account's data (list: newest
 * 20 of its records; detail: one of its records); each connection sends its own random sequence of
 * prebuilt requests (see `MAX_RPS`). The load generator's own CPU per request (this process, which
 * shares the machine's cores with the servers; building the requests included) is printed too. The read API runs twice, in its own processes:
 * as configured (response cache on: the 1,000 list pages repeat and get cached, the 100,000
 * records are read at random and mostly do not) and with
 * READ_API_CACHE_MB=0 (`-uncached` variants: every request queries PostgreSQL). The variants
 * alternate for BENCH_ROUNDS (2) rounds of BENCH_SECONDS (10) so load drift hits all alike;
 * BENCH_VARIANTS (comma list of hello, list, detail, list-uncached, detail-uncached, list-ceiling,
 * detail-ceiling) picks some. `-ceiling` variants send the same requests to `ceiling.ts`, a Fastify
 * server answering them with the bytes of a real list page or record and no other work: what
 * those responses cost the machine alone, the ratio no read path reaches here.
 * BENCH_BASELINE=<another checkout, installed> adds `list-baseline` and `detail-baseline`: that
 * checkout's read API, as configured, measured in the same rounds (a change's effect, side by side);
 * `list-baseline-uncached` and `detail-baseline-uncached` run it with READ_API_CACHE_MB=0;
 * BENCH_BASELINE_ENV=`NAME=value …` sets the baseline's settings (with BENCH_BASELINE=. a setting's effect),
 * BENCH_BASELINE_NODE_ARGS its node flags (a V8 flag's effect).
 * BENCH_TELEMETRY=compare measures request telemetry's cost instead (target: the API keeps ≥ 95 % of
 * its ratio with metrics and tracing on): each of BENCH_ROUNDS rounds starts two fresh read APIs, one
 * as configured and one with METRICS_ENABLED=false TRACING_ENABLED=false (which starts first
 * alternates), and loads both at the same time, for list and then detail, with half the connections
 * each from a load-generator thread each; the median of the rounds' on/off quotients (req/s and
 * server CPU per request) is judged. Why so: on a shared machine, two long-lived processes with the
 * same settings measured one after the other differ by more than the effect judged; loaded at once,
 * both see the same moment. BENCH_TELEMETRY=aa runs the same rounds with both servers as
 * configured: the control, which should print ~100 %.
 * Uses DATABASE_URL, or an embedded PostgreSQL in .data/bench-pg (seeded once, reused).
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { API_PREFIX } from '@publisher/contracts';
import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { envVar, readEnv } from '@publisher/platform/env';
import {
  createReadModelConnection,
  type DeploymentRow,
  migrateReadModel,
  type PublishingRecordRow,
  saveDeployments,
  savePublishingRecords,
  type WithDocument,
} from '@publisher/read-model';
import { signTestToken } from '@publisher/testing';
import autocannon, { type Request as LoadRequest } from 'autocannon';
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
  BENCH_RECORDS: envVar.integer(100_000, 1, 1_000_000_000),
  BENCH_ACCOUNTS: envVar.integer(1000, 1, 1_000_000),
  BENCH_CONNECTIONS: envVar.integer(32, 1, 10_000),
  BENCH_SECONDS: envVar.integer(10, 1, 86_400),
  BENCH_ROUNDS: envVar.integer(2, 1, 1000),
  BENCH_BASELINE: envVar.string(null),
  /** `off` (unset) measures the variants; `compare` or `aa` measures request telemetry's cost. */
  BENCH_TELEMETRY: envVar.oneOf(['off', 'compare', 'aa'], 'off'),
  BENCH_VARIANTS: envVar.string(null),
};
const {
  BENCH_RECORDS: RECORDS,
  BENCH_ACCOUNTS: ACCOUNTS,
  BENCH_CONNECTIONS: CONNECTIONS,
  BENCH_SECONDS: SECONDS,
  BENCH_ROUNDS: ROUNDS,
  BENCH_BASELINE: BASELINE,
  BENCH_TELEMETRY: TELEMETRY,
  BENCH_VARIANTS,
} = readEnv(BENCH_VARIABLES, process.env);
const VARIANTS = [
  'hello',
  'list',
  'detail',
  'list-uncached',
  'detail-uncached',
  'list-ceiling',
  'detail-ceiling',
  'list-baseline',
  'detail-baseline',
  'list-baseline-uncached',
  'detail-baseline-uncached',
] as const;
type Variant = (typeof VARIANTS)[number];
const DEFAULT_VARIANTS = VARIANTS.filter((v) => BASELINE !== null || !v.includes('-baseline'));
const CHOSEN = (BENCH_VARIANTS ?? DEFAULT_VARIANTS.join(',')).split(',') as Variant[];
for (const v of CHOSEN) if (!VARIANTS.includes(v)) throw new Error(`BENCH_VARIANTS: unknown ${v}`);
if (CHOSEN.some((v) => v.includes('-baseline')) && BASELINE === null)
  throw new Error('the -baseline variants need BENCH_BASELINE (a checkout to compare with)');

/** A seeded row with its document, as the projector writes it: the JSON of its representation. */
function withDocument<Row extends { last_position: string; deleted?: boolean }>(row: Row): WithDocument<Row> {
  const { last_position: _, deleted: __, ...representation } = row;
  return { ...row, document: JSON.stringify(representation) };
}

async function seed(url: string): Promise<Map<number, string[]>> {
  const rm = createReadModelConnection({ connectionString: url, max: 4 });
  try {
    await migrateReadModel(rm.pool);
    const have = (await rm.pool.query('SELECT count(*)::int AS n FROM read_model.publishing_records')).rows[0].n;
    if (have < RECORDS) {
      console.log(`# seeding ${RECORDS - have} publishing records and ${(RECORDS - have) / 10} deployments…`);
      const base = Date.UTC(2024, 0, 1);
      for (let start = have; start < RECORDS; start += 5000) {
        const records: WithDocument<PublishingRecordRow>[] = [];
        const deployments: WithDocument<DeploymentRow>[] = [];
        for (let i = start; i < Math.min(start + 5000, RECORDS); i++) {
          const account = 1 + (i % ACCOUNTS);
          const at = new Date(base + i * 1000).toISOString();
          const status = (['pending', 'publishing', 'published', 'failed'] as const)[i % 4]!;
          records.push(
            withDocument({
              id: randomUUID(),
              account_id: account,
              site_id: account * 100 + (i % 10),
              sector_id: 1 + (i % 3),
              content_id: i + 1,
              destination: i % 2 ? 'webhook' : 'wordpress',
              destination_config: { url: 'https://hooks.example.com/publish', timeout_ms: 5000 },
              status,
              external_url: status === 'published' ? `https://blog.example.com/posts/${i}` : null,
              external_id: status === 'published' ? `post-${i}` : null,
              error_message: status === 'failed' ? 'upstream timed out' : null,
              attempts: status === 'pending' ? 0 : 1,
              metadata: { title: `Post number ${i}`, tags: ['news', 'tech'], author_id: account * 7 },
              revision: 2,
              created_at: at,
              updated_at: at,
              published_at: status === 'published' ? at : null,
              deleted: false,
              last_position: '0000000000000001-0000000000000001',
            }),
          );
          if (i % 10 === 0) {
            deployments.push(
              withDocument({
                id: randomUUID(),
                account_id: account,
                site_id: account * 100 + (i % 10),
                sector_id: null,
                version: 1 + Math.floor(i / ACCOUNTS),
                status: 'deployed',
                deployment_url: `https://site${account}.example.com`,
                error_message: null,
                metadata: { commit: `c${i}` },
                revision: 2,
                created_at: at,
                updated_at: at,
                deployed_at: at,
                rolled_back_at: null,
                last_position: '0000000000000001-0000000000000001',
              }),
            );
          }
        }
        await savePublishingRecords(rm.db, records);
        await saveDeployments(rm.db, deployments);
      }
      // As autovacuum leaves a table after a bulk load: statistics, and the visibility map that lets
      // a list's count read only its index (without it every count visits each row's page).
      await rm.pool.query('VACUUM ANALYZE read_model.publishing_records');
      await rm.pool.query('VACUUM ANALYZE read_model.deployments');
    }
    const ids = new Map<number, string[]>();
    const rows = await rm.pool.query<{ account_id: number; id: string }>(
      'SELECT account_id, id FROM read_model.publishing_records WHERE NOT deleted',
    );
    for (const r of rows.rows) {
      const list = ids.get(r.account_id) ?? [];
      list.push(r.id);
      ids.set(r.account_id, list);
    }
    return ids;
  } finally {
    await rm.close();
  }
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU of the server process per request, µs. */
  cpuUs: number;
  /** CPU of this process (the load generator, building the run's requests included) per request, µs. */
  loadUs: number;
  /** CPU of PostgreSQL and of the whole machine per request, µs. */
  postgresUs: number;
  machineUs: number;
}

/** A request at random (path and token): which record, which account. */
type Target = () => { path: string; authorization: string };

/**
 * Requests per second of one server up to which no connection repeats a request within a run: each
 * connection gets its own random sequence of `seconds × MAX_RPS / CONNECTIONS` requests, prebuilt
 * (autocannon encodes them once). Drawing each request with `setupRequest` instead cost the load
 * generator more CPU per request than a fixed request does — CPU taken from the server under test
 * on a small machine, and not from the hello-world, which sends one fixed request; and a sequence
 * shorter than the run would repeat requests periodically, which turns some response-cache misses
 * into hits that random reads would not get.
 */
const MAX_RPS = 20_000;

/** One connection's prebuilt requests for a run of `seconds` (see MAX_RPS). */
function requestsOf(target: Target, seconds: number, connections: number): LoadRequest[] {
  return Array.from({ length: Math.ceil((seconds * MAX_RPS) / connections) }, () => {
    const { path, authorization } = target();
    return { method: 'GET', path, headers: { authorization } };
  });
}

async function load(pid: number | undefined, url: string, target?: Target, seconds = SECONDS): Promise<Figures> {
  const cpuBefore = cpuSeconds(pid);
  const loadBefore = cpuSeconds(process.pid);
  const postgresBefore = postgresCpu();
  const machineBefore = machineCpuSeconds();
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    ...(target === undefined
      ? {}
      : { setupClient: (client) => client.setRequests(requestsOf(target, seconds, CONNECTIONS)) }),
  });
  const perRequest = (seconds: number) => (seconds / Math.max(1, r.requests.total)) * 1e6;
  const cpuUs = perRequest(cpuSeconds(pid) - cpuBefore);
  const loadUs = perRequest(cpuSeconds(process.pid) - loadBefore);
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
    cpuUs,
    loadUs,
    postgresUs: perRequest(postgresCpuBetween(postgresBefore, postgresCpu())),
    machineUs: perRequest(machineCpuSeconds() - machineBefore),
  };
}

/** `load` in a worker thread of its own (load-thread.mjs): for loading two servers at once. */
async function loadInThread(
  pid: number | undefined,
  url: string,
  target: Target,
  seconds: number,
  connections: number,
): Promise<Figures> {
  const requests = Array.from({ length: connections }, () => requestsOf(target, seconds, connections));
  const cpuBefore = cpuSeconds(pid);
  const worker = new Worker(new URL('./load-thread.mjs', import.meta.url), {
    workerData: { url, connections, duration: seconds, requests },
  });
  const r = await new Promise<{ rps: number; total: number; p50: number; p99: number; errors: number }>(
    (resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    },
  );
  await worker.terminate();
  const cpuUs = ((cpuSeconds(pid) - cpuBefore) / Math.max(1, r.total)) * 1e6;
  return { ...r, cpuUs, loadUs: Number.NaN, postgresUs: Number.NaN, machineUs: Number.NaN };
}

const TELEMETRY_OFF = { METRICS_ENABLED: 'false', TRACING_ENABLED: 'false' };

/** BENCH_TELEMETRY (see the head of this file): fresh servers on and off, loaded at the same time. */
async function compareTelemetry(
  databaseUrl: string,
  helloPid: number | undefined,
  helloUrl: string,
  targets: Record<'list' | 'detail', Target>,
): Promise<void> {
  const offEnv = TELEMETRY === 'aa' ? {} : TELEMETRY_OFF;
  console.log(
    `# telemetry ${TELEMETRY === 'aa' ? 'A/A control: both servers as configured' : 'on (as configured) vs off'}; ` +
      `${ROUNDS} rounds of ${SECONDS} s per kind, both servers loaded at once with ${CONNECTIONS / 2} connections each from a thread of their own, fresh servers each round`,
  );
  type Pair = { on: Figures; off: Figures };
  const rows: Array<{ hello: Figures; list: Pair; detail: Pair }> = [];
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  for (let round = 1; round <= ROUNDS; round++) {
    const [onPort, offPort] = [await freePort(), await freePort()];
    const start = (port: number, env: Record<string, string>) => spawnReadApi(root, databaseUrl, port, env);
    // Which one starts first alternates: a process's place in the start order must not be the variable.
    const offFirst = round % 2 === 0;
    const first = offFirst ? await start(offPort, offEnv) : await start(onPort, {});
    const second = offFirst ? await start(onPort, {}) : await start(offPort, offEnv);
    const [on, off] = offFirst ? [second, first] : [first, second];
    const both = (target: Target, seconds = SECONDS) =>
      Promise.all([
        loadInThread(on.child.pid, `http://127.0.0.1:${onPort}`, target, seconds, CONNECTIONS / 2),
        loadInThread(off.child.pid, `http://127.0.0.1:${offPort}`, target, seconds, CONNECTIONS / 2),
      ]).then(([on, off]) => ({ on, off }));
    try {
      // Warm-up: JIT, connection pools, the response cache's hot entries.
      await both(targets.list, 3);
      await both(targets.detail, 3);
      const row = {
        hello: await load(helloPid, helloUrl),
        list: await both(targets.list),
        detail: await both(targets.detail),
      };
      rows.push(row);
      const pair = (kind: 'list' | 'detail') =>
        `${kind} ${Math.round(row[kind].on.rps)} / ${Math.round(row[kind].off.rps)} req/s = ${pct(row[kind].on.rps / row[kind].off.rps)}, ` +
        `CPU ${Math.round(row[kind].on.cpuUs)} / ${Math.round(row[kind].off.cpuUs)} µs`;
      console.log(`round ${round}: hello ${Math.round(row.hello.rps)} req/s | ${pair('list')} | ${pair('detail')}`);
    } finally {
      await on.stop();
      await off.stop();
    }
  }
  for (const kind of ['list', 'detail'] as const) {
    const rps = rows.map((r) => r[kind].on.rps / r[kind].off.rps);
    const cpu = rows.map((r) => r[kind].on.cpuUs / r[kind].off.cpuUs);
    // Each server had half the connections: its ratio to hello-world counts both servers' requests.
    const ratio = median(rows.map((r) => (r[kind].on.rps + r[kind].off.rps) / r.hello.rps));
    console.log(
      `telemetry ${TELEMETRY === 'aa' ? 'A/A' : 'on / off'} (${kind}): req/s ${pct(median(rps))} (rounds ${rps.map(pct).join(', ')}), ` +
        `server CPU per request ${pct(median(cpu))}; both servers together ${ratio.toFixed(3)} of hello-world; target: req/s ≥ 95 %`,
    );
  }
}

async function main(): Promise<void> {
  const db = await benchDatabase('bench_reads');
  const ids = await seed(db.url);
  const accounts = [...ids.keys()];
  const tokens = new Map(
    accounts.map((a) => [
      a,
      `Bearer ${signTestToken({ sub: `bench-${a}`, account_id: a, role: 'viewer' }, { key: DEVELOPMENT_JWT_SECRET, expiresInSeconds: 24 * 3600 })}`,
    ]),
  );
  const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;
  const list: Target = () => ({
    path: `${API_PREFIX}/publishing-records/?page_size=20`,
    authorization: tokens.get(pick(accounts))!,
  });
  const detail: Target = () => {
    const a = pick(accounts);
    return { path: `${API_PREFIX}/publishing-records/${pick(ids.get(a)!)}`, authorization: tokens.get(a)! };
  };

  const helloPort = await freePort();
  const readPort = await freePort();
  const hello = await spawnServer(
    path.join(root, 'services/read-api/bench/hello.ts'),
    { PORT: String(helloPort) },
    async () => (await fetch(`http://127.0.0.1:${helloPort}/`)).ok,
  );
  if (TELEMETRY !== 'off') {
    try {
      await compareTelemetry(db.url, hello.child.pid, `http://127.0.0.1:${helloPort}/`, { list, detail });
    } finally {
      await hello.stop();
      await db.stop();
    }
    return;
  }
  const uncachedPort = await freePort();
  const startApi = (port: number, env: Record<string, string> = {}, checkout = root, baseline = false) =>
    baseline
      ? spawnReadApi(checkout, db.url, port, env, baselineNodeArgs(), baselineRun())
      : spawnReadApi(checkout, db.url, port, env);
  // The same server twice: as configured (response cache on by default) and with READ_API_CACHE_MB=0.
  const api = await startApi(readPort);
  const uncached = await startApi(uncachedPort, { READ_API_CACHE_MB: '0' });
  const baselinePort = await freePort();
  const baselineUncachedPort = await freePort();
  const wants = (suffix: string) => BASELINE !== null && CHOSEN.some((v) => v.endsWith(suffix));
  const baseline = wants('-baseline')
    ? await startApi(baselinePort, baselineEnv(), path.resolve(BASELINE!), true)
    : undefined;
  const baselineUncached = wants('-baseline-uncached')
    ? await startApi(baselineUncachedPort, { ...baselineEnv(), READ_API_CACHE_MB: '0' }, path.resolve(BASELINE!), true)
    : undefined;
  const base = `http://127.0.0.1:${readPort}`;
  const uncachedBase = `http://127.0.0.1:${uncachedPort}`;
  const baselineBase = `http://127.0.0.1:${baselinePort}`;
  const baselineUncachedBase = `http://127.0.0.1:${baselineUncachedPort}`;
  // The bytes a list and a detail request answer, served with no work by the ceiling server.
  const answer = async (target: Target) => {
    const { path: p, authorization } = target();
    return (await fetch(`${base}${p}`, { headers: { authorization } })).text();
  };
  const ceilingPort = await freePort();
  const ceiling = CHOSEN.some((v) => v.endsWith('-ceiling'))
    ? await spawnServer(
        path.join(root, 'services/read-api/bench/ceiling.ts'),
        { PORT: String(ceilingPort), CEILING_LIST_BODY: await answer(list), CEILING_DETAIL_BODY: await answer(detail) },
        async () => (await fetch(`http://127.0.0.1:${ceilingPort}${API_PREFIX}/publishing-records/`)).ok,
      )
    : undefined;
  const run: Record<Variant, (seconds?: number) => Promise<Figures>> = {
    hello: (s) => load(hello.child.pid, `http://127.0.0.1:${helloPort}/`, undefined, s),
    'list-ceiling': (s) => load(ceiling?.child.pid, `http://127.0.0.1:${ceilingPort}`, list, s),
    'detail-ceiling': (s) => load(ceiling?.child.pid, `http://127.0.0.1:${ceilingPort}`, detail, s),
    list: (s) => load(api.child.pid, base, list, s),
    detail: (s) => load(api.child.pid, base, detail, s),
    'list-uncached': (s) => load(uncached.child.pid, uncachedBase, list, s),
    'detail-uncached': (s) => load(uncached.child.pid, uncachedBase, detail, s),
    'list-baseline': (s) => load(baseline?.child.pid, baselineBase, list, s),
    'detail-baseline': (s) => load(baseline?.child.pid, baselineBase, detail, s),
    'list-baseline-uncached': (s) => load(baselineUncached?.child.pid, baselineUncachedBase, list, s),
    'detail-baseline-uncached': (s) => load(baselineUncached?.child.pid, baselineUncachedBase, detail, s),
  };
  try {
    console.log(
      `# ${RECORDS} records in ${accounts.length} accounts; ${CONNECTIONS} connections; ${ROUNDS} × ${SECONDS} s per variant`,
    );
    // Warm-up: JIT, connection pools, PostgreSQL's cache, the response cache's hot entries.
    for (const v of CHOSEN) await run[v](3);
    const results = Object.fromEntries(CHOSEN.map((v) => [v, [] as Figures[]])) as Record<Variant, Figures[]>;
    for (let round = 1; round <= ROUNDS; round++) {
      const line: string[] = [];
      // Reversed every other round, so going first or last (and drift within a round) hits all alike.
      for (const v of round % 2 === 1 ? CHOSEN : [...CHOSEN].reverse()) {
        const f = await run[v]();
        results[v].push(f);
        line.push(
          `${v} ${Math.round(f.rps)} req/s p99 ${f.p99} ms ${Math.round(f.cpuUs)} µs CPU (load ${Math.round(f.loadUs)})`,
        );
      }
      console.log(`round ${round}: ${line.join(' | ')}`);
    }
    const summary = (name: Variant) => {
      const f = results[name];
      return {
        name,
        rps: median(f.map((x) => x.rps)),
        p50: median(f.map((x) => x.p50)),
        p99: median(f.map((x) => x.p99)),
        errors: f.reduce((s, x) => s + x.errors, 0),
        cpuUs: median(f.map((x) => x.cpuUs)),
        loadUs: median(f.map((x) => x.loadUs)),
        postgresUs: median(f.map((x) => x.postgresUs)),
        machineUs: median(f.map((x) => x.machineUs)),
      };
    };
    const operator = signTestToken({ sub: 'bench', account_id: 1, role: 'developer' }, { key: DEVELOPMENT_JWT_SECRET });
    const status = (await (
      await fetch(`${base}/status`, { headers: { authorization: `Bearer ${operator}` } })
    ).json()) as {
      data: { response_cache: object };
    };
    console.log(`# response cache of the cached server: ${JSON.stringify(status.data.response_cache)}`);
    const hw = CHOSEN.includes('hello') ? summary('hello') : undefined;
    // Each round's variant against the hello-world of the same round: the reference drifts between
    // rounds on this machine, and a ratio of medians mixes periods. Three decimals: 0.347 is not 0.35.
    const roundRatios = (name: Variant) => results[name].map((f, i) => f.rps / (results.hello?.[i]?.rps ?? Number.NaN));
    console.log(
      '\n| variant | req/s | p50 ms | p99 ms | ratio to hello-world (median of rounds) | ratio of medians | server CPU per request | load generator CPU per request | PostgreSQL CPU per request | machine CPU per request | errors/non-2xx |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|---|');
    for (const s of CHOSEN.map(summary)) {
      const ratios = hw ? roundRatios(s.name) : [];
      const perRound = hw ? `**${median(ratios).toFixed(3)}** (${ratios.map((r) => r.toFixed(2)).join(' / ')})` : '–';
      const ofMedians = hw ? (s.rps / hw.rps).toFixed(3) : '–';
      const cpu = `${Math.round(s.cpuUs)} µs`;
      const load = `${Math.round(s.loadUs)} µs`;
      console.log(
        `| ${s.name} | ${Math.round(s.rps)} | ${s.p50} | ${s.p99} | ${perRound} | ${ofMedians} | ${cpu} | ${load} | ${Math.round(s.postgresUs)} µs | ${Math.round(s.machineUs)} µs | ${s.errors} |`,
      );
    }
    console.log('\ntargets: ratio ≥ 0.35 (median of the per-round ratios), p99 ≤ 10 ms (median of the rounds)');
  } finally {
    await api.stop();
    await uncached.stop();
    await baseline?.stop();
    await baselineUncached?.stop();
    await ceiling?.stop();
    await hello.stop();
    await db.stop();
  }
}

await main();
