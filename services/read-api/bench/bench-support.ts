/** Shared pieces of the read-side benchmarks: a database, child-process servers, percentiles. */
import { type ChildProcess, fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleOnce, freePort, postgresFromEnv } from '@publisher/dev-infra';
import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { envVar, readEnv } from '@publisher/platform/env';
import { waitUntil } from '@publisher/testing';
import pg from 'pg';

/** The settings every bench that uses these pieces shares (BENCHMARKS.md "Options"). */
const BENCH_SUPPORT_VARIABLES = {
  /** `true`: drop and recreate the bench database (reseed). */
  BENCH_FRESH: envVar.boolean(false),
  /** Extra node flags for the server processes, space-separated (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`). */
  BENCH_NODE_ARGS: envVar.string(''),
  /** `NAME=value NAME=value`: the baseline read API's settings. */
  BENCH_BASELINE_ENV: envVar.string(''),
  /** Extra node flags for the baseline read API only, space-separated (e.g. `--allocation-site-pretenuring`). */
  BENCH_BASELINE_NODE_ARGS: envVar.string(''),
  /**
   * How the read API runs: `bundle`, what `pnpm start` runs (the checkout's `dist/main.mjs`, built
   * here first, under plain node), or `sources` (`node --import tsx main.ts`).
   */
  BENCH_RUN: envVar.oneOf(['bundle', 'sources'], 'bundle'),
  /** The same for the baseline read API (e.g. `sources` with BENCH_BASELINE=. to compare the two). */
  BENCH_BASELINE_RUN: envVar.oneOf(['bundle', 'sources'], 'bundle'),
};
const settings = readEnv(BENCH_SUPPORT_VARIABLES, process.env);

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * A database named `name` on DATABASE_URL's server, or on an embedded PostgreSQL kept in
 * .data/bench-pg (so seeded data survives between runs).
 */
export async function benchDatabase(
  name: string,
  options: { fresh?: boolean } = {},
): Promise<{ url: string; adminUrl: string; stop: () => Promise<void> }> {
  const { url: adminUrl, stop } = await postgresFromEnv({
    dataDir: path.join(root, '.data', 'bench-pg'),
    persistent: true,
  });
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  if (options.fresh || settings.BENCH_FRESH) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  if ((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 0) {
    await admin.query(`CREATE DATABASE ${name}`);
  }
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), adminUrl, stop };
}

/**
 * Runs an entry point in its own process (a server under test must not share a CPU thread with the
 * load generator) and waits until `ready()` answers: TypeScript under tsx, a bundle (`.mjs`) under
 * plain node.
 */
export async function spawnServer(
  entry: string,
  env: Record<string, string>,
  ready: () => Promise<boolean>,
  nodeArgs: string[] = [],
): Promise<{ child: ChildProcess; stop: () => Promise<void> }> {
  // BENCH_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) go to the server processes only.
  const extra = [...words(settings.BENCH_NODE_ARGS), ...nodeArgs];
  const child = fork(entry, [], {
    execArgv: entry.endsWith('.mjs') ? extra : ['--import', 'tsx', ...extra],
    env: { ...process.env, ...env },
    stdio: 'inherit',
  });
  await waitUntil(`${entry} to be ready`, ready, {
    timeoutMs: 120_000,
    intervalMs: 200,
    giveUpIf: () => child.exitCode !== null && `it exited with ${child.exitCode}`,
  });
  return {
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * BENCH_BASELINE_ENV (`NAME=value NAME=value`): settings for the baseline's read API only, so a
 * setting is measured side by side with the default (BENCH_BASELINE may then be this checkout).
 */
export function baselineEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of words(settings.BENCH_BASELINE_ENV)) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new Error(`BENCH_BASELINE_ENV: expected NAME=value, got ${pair}`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

/** BENCH_BASELINE_NODE_ARGS: node flags for the baseline read API only (a flag's effect, with BENCH_BASELINE=.). */
export function baselineNodeArgs(): string[] {
  return words(settings.BENCH_BASELINE_NODE_ARGS);
}

function words(text: string): string[] {
  return text.split(' ').filter((w) => w !== '');
}

/**
 * The read API of `checkout` on `port` over `databaseUrl`, with the benches' settings (warn logs, no
 * effective rate limit, the development JWT secret) and `env` on top, run as `run` says (BENCH_RUN;
 * a baseline's `baselineRun()`); resolves once ready.
 */
export async function spawnReadApi(
  checkout: string,
  databaseUrl: string,
  port: number,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
  run: 'bundle' | 'sources' = settings.BENCH_RUN,
) {
  const source = path.join(checkout, 'services/read-api/src/main.ts');
  return spawnServer(
    run === 'bundle' ? await bundleOnce(source, path.join(path.dirname(source), '../dist/main.mjs')) : source,
    {
      DATABASE_URL: databaseUrl,
      READ_API_PORT: String(port),
      LOG_LEVEL: 'warn',
      RATE_LIMIT_MAX: '1000000000',
      JWT_SECRET: DEVELOPMENT_JWT_SECRET,
      ...env,
    },
    async () => (await fetch(`http://127.0.0.1:${port}/ready`)).ok,
    nodeArgs,
  );
}

/** BENCH_BASELINE_RUN: how the baseline read API runs. */
export function baselineRun(): 'bundle' | 'sources' {
  return settings.BENCH_BASELINE_RUN;
}

export { median, quantile } from '@publisher/dev-infra/bench-stats';
export { freePort };

/**
 * CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN elsewhere.
 * Per request, far less sensitive to other load on the machine than requests per second.
 */
export function cpuSeconds(pid: number | undefined): number {
  return procStat(pid)?.cpu ?? Number.NaN;
}

/** A process's command name and CPU seconds (user + system) from /proc/<pid>/stat; undefined when gone. */
function procStat(pid: number | string | undefined): { name: string; cpu: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
      cpu: (Number(fields[11]) + Number(fields[12])) / 100, // utime, stime in clock ticks (USER_HZ 100)
    };
  } catch {
    return undefined;
  }
}

/** CPU seconds each process named `postgres` (the server and its backends) has used so far, by pid. */
export function postgresCpu(): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = procStat(pid); // undefined: gone between the listing and the read
    if (stat?.name === 'postgres') byPid.set(Number(pid), stat.cpu);
  }
  return byPid;
}

/**
 * CPU seconds PostgreSQL used between two `postgresCpu()` readings: a backend started in between
 * counts from zero; one that exited in between is missing (its last seconds are lost, so the figure
 * is a lower bound when pools close connections during a run).
 */
export function postgresCpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) {
    const spent = seconds - (before.get(pid) ?? 0);
    total += spent >= 0 ? spent : seconds; // a pid reused by a new backend
  }
  return total;
}

/** CPU seconds the whole machine has been busy so far (all cores; /proc/stat, Linux). */
export function machineCpuSeconds(): number {
  try {
    const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
    // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
    const busy = ticks.slice(0, 8).reduce((sum, t, i) => (i === 3 || i === 4 ? sum : sum + t), 0);
    return busy / 100;
  } catch {
    return Number.NaN;
  }
}
