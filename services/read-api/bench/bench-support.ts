/** Shared pieces of the read-side benchmarks: a database, child-process servers, percentiles. */
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startEmbeddedPostgres } from '@publisher/dev-infra';
import pg from 'pg';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * A database named `name` on DATABASE_URL's server, or on an embedded PostgreSQL kept in
 * .data/bench-pg (so seeded data survives between runs).
 */
export async function benchDatabase(
  name: string,
  options: { fresh?: boolean } = {},
): Promise<{ url: string; adminUrl: string; stop: () => Promise<void> }> {
  let adminUrl = process.env.DATABASE_URL;
  let stop = async () => {};
  if (!adminUrl) {
    const embedded = await startEmbeddedPostgres({ dataDir: path.join(root, '.data', 'bench-pg'), persistent: true });
    adminUrl = embedded.url;
    stop = embedded.stop;
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  if (options.fresh || process.env.BENCH_FRESH === '1')
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  if ((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 0) {
    await admin.query(`CREATE DATABASE ${name}`);
  }
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), adminUrl, stop };
}

/**
 * Runs a TypeScript entry point in its own process (a server under test must not share a CPU
 * thread with the load generator) and waits until `ready()` answers.
 */
export async function spawnServer(
  entry: string,
  env: Record<string, string>,
  ready: () => Promise<boolean>,
): Promise<{ child: ChildProcess; stop: () => Promise<void> }> {
  const child = fork(entry, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, ...env }, stdio: 'inherit' });
  const deadline = Date.now() + 120_000;
  while (!(await ready().catch(() => false))) {
    if (child.exitCode !== null) throw new Error(`${entry} exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${entry} did not become ready`);
    await new Promise((r) => setTimeout(r, 200));
  }
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

export { freePort };

/** The q-quantile (0..1) of a list of numbers. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export const median = (values: number[]) => quantile(values, 0.5);
