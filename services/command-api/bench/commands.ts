/**
 * `pnpm bench:commands`: command throughput of the real HTTP server against PostgreSQL, beside the
 * raw database ceiling measured in the same run. Figures, not a test: results in BENCHMARKS.md.
 *
 * 1. PostgreSQL: DATABASE_URL if set (a fresh database is created on it), else an embedded server.
 * 2. The command API runs as a child process from its sources through tsx, as the Docker image runs
 *    it. A variant with BENCH_RUN=bundle runs the bundle `pnpm start` runs instead (`dist/server.mjs`
 *    under plain node, built here first), e.g. `BENCH_VARIANTS="BENCH_RUN=sources;BENCH_RUN=bundle"`.
 * 3. Ceiling: BENCH_CONNECTIONS pg connections calling the event store's own append statement
 *    (`append_to_stream`: version check + insert in one transaction) as fast as they can, with the
 *    same event sizes and the same create/transition mix, on the same server and durability;
 *    half of it just before and half just after each API measurement.
 * 4. API: autocannon with BENCH_CONNECTIONS connections; each connection loops over a record's
 *    life cycle: create → start → fail → retry → patch → start → succeed (1 create : 6 transitions),
 *    so every cycle touches a new record.
 *
 * Env: BENCH_CONNECTIONS (32), BENCH_DURATION seconds per measurement (10), BENCH_RUNS (3),
 * BENCH_WARMUP seconds of API load before measuring (10),
 * BENCH_NODE_ARGS (extra node flags for the server, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`;
 * a variant may add one of its own, e.g. `BENCH_NODE_ARGS=--heap-growing-percent=0`),
 * plus any command-API variable (e.g. STATE_CACHE_SIZE=0, DATABASE_POOL_SIZE) for the server.
 * BENCH_VARIANTS compares server settings side by side in one invocation: `;`-separated lists of
 * NAME=value, one server each, measured in turn within every run (e.g.
 * `BENCH_VARIANTS="APPEND_CONCURRENCY=0;APPEND_CONCURRENCY=4"`).
 * BENCH_TELEMETRY=compare measures what telemetry costs: the API with metrics and tracing on (the
 * defaults; no exporter) and with METRICS_ENABLED=false TRACING_ENABLED=false, side by side, and
 * prints how much of its ratio the API keeps with telemetry on (target: ≥ 95 %): the quotient of
 * the medians, the median of each run's own quotient (both servers measured back to back), and the
 * API's CPU per command on and off (the least exposed to other load on the machine).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { API_PREFIX as API } from '@publisher/contracts';
import { sleep } from '@publisher/coordination';
import { bundleOnce, freePort, postgresFromEnv } from '@publisher/dev-infra';
import { median } from '@publisher/dev-infra/bench-stats';
import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { envVar, readEnv } from '@publisher/platform/env';
import { signTestToken } from '@publisher/testing';
import autocannon from 'autocannon';
import pg from 'pg';
import { cpuSeconds } from '../../read-api/bench/bench-support.ts';

/** This bench's settings (see the head of this file); a value it does not accept stops it. */
const BENCH_VARIABLES = {
  BENCH_CONNECTIONS: envVar.integer(32, 1, 10_000),
  BENCH_DURATION: envVar.integer(10, 1, 86_400),
  BENCH_RUNS: envVar.integer(3, 1, 1000),
  BENCH_WARMUP: envVar.integer(10, 0, 86_400),
  BENCH_VARIANTS: envVar.string(''),
  BENCH_TELEMETRY: envVar.oneOf(['off', 'compare'], 'off'),
  BENCH_NODE_ARGS: envVar.string(''),
};
const settings = readEnv(BENCH_VARIABLES, process.env);

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const { BENCH_CONNECTIONS: connections, BENCH_DURATION: duration, BENCH_RUNS: runs, BENCH_WARMUP: warmup } = settings;

interface RunResult {
  commandsPerSecond: number;
  /** CPU the API process spent per successful command (robust to other load on the machine). */
  cpuMsPerCommand: number;
  /** PostgreSQL CPU (all its processes) per successful command, and per append in the ceiling loop. */
  pgCpuMs: number;
  ceilingPgCpuMs: number;
  p50: number;
  p99: number;
  failures: number;
  rssPeakMb: number;
  ceilingPerSecond: number;
  ceilingP50: number;
  ceilingP99: number;
}

const stops: Array<() => Promise<void>> = [];

interface Variant {
  label: string;
  env: Record<string, string>;
  base: string;
  pid: number;
  results: RunResult[];
}

/** BENCH_VARIANTS="APPEND_CONCURRENCY=0;APPEND_CONCURRENCY=4 DATABASE_POOL_SIZE=32": one server each. */
function parseVariants(spec: string): Array<Pick<Variant, 'label' | 'env'>> {
  const variants = spec
    .split(';')
    .map((v) => v.trim())
    .filter(Boolean)
    .map((label) => ({
      label,
      env: Object.fromEntries(
        label.split(/\s+/).map((pair) => {
          const [key, ...value] = pair.split('=');
          if (!key || value.length === 0) throw new Error(`BENCH_VARIANTS: expected NAME=value, got ${pair}`);
          return [key, value.join('=')];
        }),
      ),
    }));
  return variants.length > 0 ? variants : [{ label: 'server', env: {} }];
}

async function main(): Promise<void> {
  const postgres = await postgresFromEnv({ dataDir: path.join(root, '.data', `pg-bench-${process.pid}`) });
  stops.push(postgres.stop);
  const dbUrl = await createDatabase(postgres.url);
  const variants: Variant[] = [];
  const spec =
    settings.BENCH_TELEMETRY === 'compare'
      ? `${TELEMETRY_OFF};METRICS_ENABLED=true TRACING_ENABLED=true`
      : settings.BENCH_VARIANTS;
  for (const v of parseVariants(spec)) {
    const port = await freePort();
    const server = await startServer(dbUrl, port, v.env);
    stops.push(async () => {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    });
    variants.push({ ...v, base: `http://127.0.0.1:${port}`, pid: server.pid!, results: [] });
  }
  console.log(
    `# ${os.cpus().length} CPUs, load average ${os.loadavg()[0]?.toFixed(1)}, ${connections} connections, ` +
      `${warmup}s warm-up, ${duration}s per measurement, ${runs} runs` +
      (variants.length > 1 ? `, variants: ${variants.map((v) => v.label).join(' | ')}` : ''),
  );

  const postmaster = await postmasterPid(dbUrl);
  // warm-up: JIT, pools, prepared statements
  for (const v of variants) await loadApi(v.base, warmup, v.pid, postmaster);
  for (let i = 1; i <= runs; i++) {
    // Variants take turns within each run, in reversed order every other run, so load drift on the
    // machine (and going first) hits each alike.
    for (const v of i % 2 === 1 ? variants : [...variants].reverse()) {
      // The ceiling is measured half just before and half just after the API, so a change in the
      // machine's load during the run weighs on both sides of the ratio alike.
      const before = await measureCeiling(dbUrl, duration / 2, postmaster);
      const api = await loadApi(v.base, duration, v.pid, postmaster);
      const after = await measureCeiling(dbUrl, duration / 2, postmaster);
      const r: RunResult = {
        ...api,
        ceilingPerSecond: (before.perSecond + after.perSecond) / 2,
        ceilingP50: Math.max(before.p50, after.p50),
        ceilingP99: Math.max(before.p99, after.p99),
        ceilingPgCpuMs: round2((before.pgCpuMs + after.pgCpuMs) / 2),
      };
      v.results.push(r);
      console.log(
        `run ${i}${variants.length > 1 ? ` [${v.label}]` : ''}: ${fmt(r.commandsPerSecond)} commands/s, p50 ${r.p50} ms, p99 ${r.p99} ms, failures ${r.failures}, ` +
          `API RSS peak ${r.rssPeakMb} MB, CPU per command: API ${r.cpuMsPerCommand} ms, PostgreSQL ${r.pgCpuMs} ms | ceiling ${fmt(r.ceilingPerSecond)} appends/s (p50 ${r.ceilingP50} ms, p99 ${r.ceilingP99} ms, PostgreSQL ${r.ceilingPgCpuMs} ms CPU per append) | ` +
          `ratio ${(r.commandsPerSecond / r.ceilingPerSecond).toFixed(2)}`,
      );
    }
  }
  for (const v of variants) summarize(v.label, v.results);
  const off = variants.find((v) => v.label === TELEMETRY_OFF);
  const on = variants.find((v) => v.label !== TELEMETRY_OFF);
  if (settings.BENCH_TELEMETRY === 'compare' && off && on) {
    const ratioOf = (r: RunResult) => r.commandsPerSecond / r.ceilingPerSecond;
    const ratio = (v: Variant) => median(v.results.map(ratioOf));
    const p99 = (v: Variant) => median(v.results.map((r) => r.p99));
    const cpu = (v: Variant) => median(v.results.map((r) => r.cpuMsPerCommand));
    // The two servers are measured back to back within each run: the run's own on/off quotient is
    // less exposed to the machine's drift between runs than the quotient of the medians.
    const byRun = on.results.map((r, i) => ratioOf(r) / ratioOf(off.results[i] ?? r));
    const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
    console.log(
      `
telemetry on / off: ratio ${ratio(on).toFixed(3)} / ${ratio(off).toFixed(3)} = ${pct(ratio(on) / ratio(off))} (target ≥ 95 %); ` +
        `run by run: median ${pct(median(byRun))} (${byRun.map(pct).join(', ')}); ` +
        `API CPU per command ${cpu(on).toFixed(3)} / ${cpu(off).toFixed(3)} ms = ${pct(cpu(on) / cpu(off))}; p99 ${p99(on)} / ${p99(off)} ms`,
    );
  }
}

/** The BENCH_TELEMETRY=compare variant without metrics and tracing. */
const TELEMETRY_OFF = 'METRICS_ENABLED=false TRACING_ENABLED=false';

function summarize(label: string, results: RunResult[]): void {
  const m = (f: (r: RunResult) => number) => median(results.map(f));
  const summary = {
    variant: label,
    commands_per_s: Math.round(m((r) => r.commandsPerSecond)),
    p50_ms: m((r) => r.p50),
    p99_ms: m((r) => r.p99),
    rss_mb: m((r) => r.rssPeakMb),
    api_cpu_ms_per_command: round2(m((r) => r.cpuMsPerCommand)),
    pg_cpu_ms_per_command: round2(m((r) => r.pgCpuMs)),
    pg_cpu_ms_per_ceiling_append: round2(m((r) => r.ceilingPgCpuMs)),
    ceiling_per_s: Math.round(m((r) => r.ceilingPerSecond)),
    ratio: Number(m((r) => r.commandsPerSecond / r.ceilingPerSecond).toFixed(2)),
    failures: results.reduce((n, r) => n + r.failures, 0),
  };
  console.log(
    `\n[${label}] median of ${results.length}: ${fmt(summary.commands_per_s)} commands/s, p50 ${summary.p50_ms} ms, p99 ${summary.p99_ms} ms, ` +
      `RSS ${summary.rss_mb} MB, ceiling ${fmt(summary.ceiling_per_s)} appends/s, ratio ${summary.ratio}` +
      `  (targets: ratio ≥ 0.5, p99 ≤ 15 ms, RSS ≤ 200 MB)`,
  );
  console.log(JSON.stringify(summary));
}

async function createDatabase(adminUrl: string): Promise<string> {
  const name = `bench_commands_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  stops.push(async () => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function startServer(dbUrl: string, port: number, variantEnv: Record<string, string>): Promise<ChildProcess> {
  // A variant's own BENCH_NODE_ARGS (one flag; e.g. a V8 flag) go after the run's.
  const nodeArgs = [...settings.BENCH_NODE_ARGS.split(' '), variantEnv.BENCH_NODE_ARGS ?? ''].filter(Boolean);
  const entry =
    variantEnv.BENCH_RUN === 'bundle'
      ? [await bundleOnce(path.join(here, '../src/server.ts'), path.join(here, '../dist/server.mjs'))]
      : ['--import', 'tsx', path.join(here, '../src/server.ts')];
  const child = spawn(process.execPath, [...nodeArgs, ...entry], {
    cwd: root,
    env: {
      ...process.env,
      ...variantEnv,
      DATABASE_URL: dbUrl,
      COMMAND_API_PORT: String(port),
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      RATE_LIMIT_MAX: process.env.RATE_LIMIT_MAX ?? '1000000000',
      NODE_ENV: 'development',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/ready`)).ok) return child;
    } catch {}
    await sleep(100);
  }
  throw new Error('command API did not become ready');
}

const metadata = { title: 'A reasonably sized post title', tags: ['news', 'tech'], words: 1200 };
const destinationConfig = { url: 'https://hooks.example.com/publisher', format: 'json' };

/** autocannon over the record life cycle; returns throughput, latency and the API's peak RSS. */
async function loadApi(base: string, seconds: number, pid: number, postmaster: number) {
  const token = signTestToken(
    { sub: 'bench', account_id: 1, role: 'system_bot' },
    { key: DEVELOPMENT_JWT_SECRET, expiresInSeconds: 3600 },
  );
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const step = (suffix: string, body?: object, method = 'POST') => ({
    method: method as 'POST',
    headers,
    ...(body && { body: JSON.stringify(body) }),
    setupRequest: (req: { path?: string }, ctx: { id?: string }) => ({
      ...req,
      path: `${API}/publishing-records/${ctx.id}${suffix}`,
    }),
  });
  let rssPeak = 0;
  const cpuBefore = cpuSeconds(pid);
  const pgBefore = treeCpuSeconds(postmaster);
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, rssMb(pid));
  }, 200);
  const result = await autocannon({
    url: base,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: `${API}/publishing-records/`,
        headers,
        body: JSON.stringify({
          content_id: 7,
          site_id: 3,
          sector_id: 5,
          destination: 'webhook',
          destination_config: destinationConfig,
          metadata,
        }),
        onResponse: (status: number, body: string, ctx: { id?: string }) => {
          if (status === 201) ctx.id = JSON.parse(body).data.id;
        },
      },
      step('/start'),
      step('/fail', { error: 'destination timed out after 30 s' }),
      step('/retry'),
      step('', { metadata: { ...metadata, retried: true } }, 'PATCH'),
      step('/start'),
      step('/succeed', { external_url: 'https://blog.example.com/posts/1', external_id: 'post-1' }),
    ],
  });
  clearInterval(sampler);
  const ok = result['2xx'];
  const cpuMsPerCommand = ((cpuSeconds(pid) - cpuBefore) * 1000) / Math.max(1, ok);
  const pgCpuMs = ((treeCpuSeconds(postmaster) - pgBefore) * 1000) / Math.max(1, ok);
  return {
    cpuMsPerCommand: Math.round(cpuMsPerCommand * 1000) / 1000,
    pgCpuMs: round2(pgCpuMs),
    commandsPerSecond: ok / (result.duration || seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
    rssPeakMb: Math.round(Math.max(rssPeak, rssMb(pid))),
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** The postmaster of the benchmark's PostgreSQL: the parent of one of its backends. */
async function postmasterPid(dbUrl: string): Promise<number> {
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  const { rows } = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const status = readFileSync(`/proc/${rows[0]?.pid}/status`, 'utf8');
  await c.end();
  return Number(/PPid:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

/** CPU seconds of a process and its children, live or ended (a postmaster and its backends), from /proc. */
function treeCpuSeconds(root: number): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      // After the command name: state, ppid, …, utime (index 11), stime (index 12), in 1/100 s.
      if (Number(fields[1]) === root) total += (Number(fields[11]) + Number(fields[12])) / 100;
      // The root's own time plus cutime/cstime (13, 14): what its ended children used.
      if (Number(entry) === root) {
        total += (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
      }
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

/**
 * The raw database ceiling: the event store's append statement in a tight loop on `connections`
 * dedicated connections, same event shapes and create/transition mix as the API workload.
 */
async function measureCeiling(dbUrl: string, seconds: number, postmaster: number) {
  const clients = await Promise.all(
    Array.from({ length: connections }, async () => {
      const c = new pg.Client({ connectionString: dbUrl });
      await c.connect();
      return c;
    }),
  );
  const pgBefore = treeCpuSeconds(postmaster);
  const stopAt = performance.now() + seconds * 1000;
  const latencies: number[] = [];
  let count = 0;
  const eventMetadata = {
    correlation_id: randomUUID(),
    causation_id: randomUUID(),
    actor: { user_id: 'bench', role: 'system_bot' },
    tenant: { account_id: 1, site_id: 3, sector_id: 5 },
    request_id: randomUUID(),
    occurred_at: new Date().toISOString(),
    schema_version: 1,
  };
  await Promise.all(
    clients.map(async (client) => {
      let stream = `ceiling-${randomUUID()}`;
      let revision = -1;
      while (performance.now() < stopAt) {
        const create = revision === -1;
        const data = create
          ? {
              record_id: randomUUID(),
              account_id: 1,
              site_id: 3,
              sector_id: 5,
              content_id: 7,
              destination: 'webhook',
              destination_config: destinationConfig,
              metadata,
              at: new Date().toISOString(),
            }
          : { record_id: stream, attempt: 1, at: new Date().toISOString() };
        const payload = JSON.stringify([
          {
            id: randomUUID(),
            type: create ? 'PublishingRecordCreated' : 'PublishingStarted',
            data,
            metadata: eventMetadata,
          },
        ]);
        const t0 = performance.now();
        const res = await client.query({
          name: 'ceiling_append',
          text: 'SELECT ok, revision, transaction_id::text AS transaction_id, last_position FROM event_store.append_to_stream($1, $2, $3)',
          values: [stream, revision, payload],
        });
        latencies.push(performance.now() - t0);
        if (!res.rows[0]?.ok) throw new Error('ceiling append conflicted: the loop is single-writer per stream');
        count++;
        revision++;
        if (revision === 6) {
          stream = `ceiling-${randomUUID()}`;
          revision = -1;
        }
      }
    }),
  );
  const pgCpuMs = ((treeCpuSeconds(postmaster) - pgBefore) * 1000) / Math.max(1, count);
  await Promise.all(clients.map((c) => c.end()));
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    Math.round((latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0) * 10) / 10;
  return { perSecond: count / seconds, p50: pct(0.5), p99: pct(0.99), pgCpuMs };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

try {
  await main();
} finally {
  for (const stop of stops.reverse()) await stop().catch((err) => console.error('cleanup failed', err));
}
