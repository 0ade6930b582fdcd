/**
 * `pnpm bench:lag`: under a steady BENCH_RATE (500) commands/s for BENCH_SECONDS (20), the time
 * from a command's response to its record being visible in the read API (target p99 ≤ 50 ms).
 * Figures, not a test.
 *
 * Command API, projector and read API run as separate processes, as in production. Each record
 * goes create → start → succeed (three commands, each followed by its own visibility check);
 * visibility is measured by reading the record back with `min_position` = the command's
 * X-Position, which the read API answers as soon as the projector has committed that position.
 * Uses DATABASE_URL, or an embedded PostgreSQL in .data/bench-pg (a fresh database each run).
 *
 * BENCH_REBUILD_EVENTS=1000000: the same, side by side with a read-model rebuild. The database then
 * holds that many events first (`bench_lag_rebuild_<n>`, seeded once and reused); after BENCH_SECONDS
 * without a rebuild, `pnpm projector:rebuild` runs in its own process while the load goes on, and
 * the lag is reported for both windows. BENCH_REBUILD_VARIANTS="A=1;A=2" runs one rebuild per variant
 * (environment settings of the rebuild process, e.g. PROJECTOR_REBUILD_MAX_TRANSACTION_MS=0), one after
 * the other under the same load, each reported in its own window.
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { API_PREFIX } from '@publisher/contracts';
import { sleep } from '@publisher/coordination';
import { comparePositions, createPostgresEventStore } from '@publisher/event-store';
import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { envVar, readEnv } from '@publisher/platform/env';
import { signTestToken } from '@publisher/testing';
import { seedLog } from '../../projector/bench/seed-log.ts';
import { benchDatabase, freePort, quantile, root, spawnServer } from './bench-support.ts';

/** This bench's settings (see the head of this file); a value it does not accept stops it. */
const BENCH_VARIABLES = {
  BENCH_RATE: envVar.integer(500, 1, 1_000_000),
  BENCH_SECONDS: envVar.integer(20, 1, 86_400),
  BENCH_WARMUP_SECONDS: envVar.integer(3, 0, 86_400),
  BENCH_REBUILD_EVENTS: envVar.integer(0, 0, 1_000_000_000),
  BENCH_REBUILD_VARIANTS: envVar.string(''),
};
const {
  BENCH_RATE: RATE,
  BENCH_SECONDS: SECONDS,
  BENCH_WARMUP_SECONDS: WARMUP_SECONDS,
  BENCH_REBUILD_EVENTS: REBUILD_EVENTS,
  BENCH_REBUILD_VARIANTS,
} = readEnv(BENCH_VARIABLES, process.env);
const REBUILD_VARIANTS = BENCH_REBUILD_VARIANTS.split(';').map((v) => v.trim());

const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

function request(
  port: number,
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: url,
        agent,
        headers: {
          ...headers,
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function main(): Promise<void> {
  const db = REBUILD_EVENTS
    ? await benchDatabase(`bench_lag_rebuild_${REBUILD_EVENTS}`)
    : await benchDatabase('bench_lag', { fresh: true });
  if (REBUILD_EVENTS) {
    const store = createPostgresEventStore({ connectionString: db.url, poolSize: 24 });
    await store.migrate();
    await seedLog(store, REBUILD_EVENTS);
    await store.close();
  }
  const [commandPort, readPort] = [await freePort(), await freePort()];
  const env = {
    DATABASE_URL: db.url,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX: '1000000000',
    JWT_SECRET: DEVELOPMENT_JWT_SECRET,
  };
  const ready = (port: number) => async () => (await fetch(`http://127.0.0.1:${port}/ready`)).ok;
  const commandApi = await spawnServer(
    path.join(root, 'services/command-api/src/server.ts'),
    // No stuck-record sweep: the seeded log's records left publishing would be failed in the
    // background, writes the measured load does not make.
    { ...env, COMMAND_API_PORT: String(commandPort), STUCK_SWEEP_ENABLED: 'false' },
    ready(commandPort),
  );
  const projector = await spawnServer(
    path.join(root, 'services/projector/src/main.ts'),
    { ...env, STATUS_ENABLED: 'false' },
    async () => true,
  );
  const readApi = await spawnServer(
    path.join(root, 'services/read-api/src/main.ts'),
    { ...env, READ_API_PORT: String(readPort) },
    ready(readPort),
  );
  if (REBUILD_EVENTS) await caughtUp(db.url);

  const tokens = Array.from({ length: 50 }, (_, i) => ({
    account: i + 1,
    authorization: `Bearer ${signTestToken({ sub: `bench-${i + 1}`, account_id: i + 1, role: 'editor' }, { key: DEVELOPMENT_JWT_SECRET })}`,
  }));
  const commandMs: number[] = [];
  const lagMs: number[] = [];
  /** One window per rebuild (BENCH_REBUILD_EVENTS, BENCH_REBUILD_VARIANTS), apart from `lagMs`. */
  const windows: Array<{
    variant: string;
    from: number;
    to: number;
    lag: number[];
    command: number[];
    code: number;
  }> = [];
  // A read-back counts in the window it started in: before the rebuilds, during one, or after (not counted).
  const windowAt = (t: number) => windows.find((w) => t >= w.from && t < w.to);
  let measuredUntil = Number.POSITIVE_INFINITY;
  let measuring = false;
  let sent = 0;
  let failed = 0;
  let behind = 0;
  const inflight = new Set<Promise<void>>();

  /** One command, then the read-back of its record with min_position. */
  async function step(
    method: string,
    url: string,
    who: (typeof tokens)[number],
    body: unknown,
  ): Promise<string | null> {
    const t0 = performance.now();
    const res = await request(commandPort, method, url, { authorization: who.authorization }, body);
    const t1 = performance.now();
    if (res.status >= 300) {
      failed++;
      return null;
    }
    const id = (JSON.parse(res.body) as { data: { id: string } }).data.id;
    const position = String(res.headers['x-position']);
    const read = await request(readPort, 'GET', `${API_PREFIX}/publishing-records/${id}?min_position=${position}`, {
      authorization: who.authorization,
    });
    const t2 = performance.now();
    if (read.status !== 200) behind++;
    if (measuring && t1 < measuredUntil) {
      commandMs.push(t1 - t0);
      windowAt(t1)?.command.push(t1 - t0);
      if (read.status === 200) (windowAt(t1)?.lag ?? lagMs).push(t2 - t1);
    }
    return id;
  }

  // Pending follow-up commands (start, succeed) of created records, served before new creates.
  const followUps: Array<() => Promise<unknown>> = [];
  function next(): Promise<unknown> {
    const f = followUps.shift();
    if (f) return f();
    const who = tokens[sent % tokens.length]!;
    const base = `${API_PREFIX}/publishing-records`;
    return step('POST', `${base}/`, who, {
      content_id: 1 + sent,
      site_id: who.account * 10,
      sector_id: 1,
      destination: 'webhook',
      metadata: { n: sent },
    }).then((id) => {
      if (!id) return;
      followUps.push(() =>
        step('POST', `${base}/${id}/start`, who, {}).then(() => {
          followUps.push(() =>
            step('POST', `${base}/${id}/succeed`, who, { external_url: `https://blog.example.com/${id}` }),
          );
        }),
      );
    });
  }

  console.log(
    `# ${RATE} commands/s for ${SECONDS} s (after ${WARMUP_SECONDS} s warm-up); each followed by a min_position read`,
  );
  const started = performance.now();
  let total = (WARMUP_SECONDS + SECONDS) * RATE;
  // With BENCH_REBUILD_EVENTS the load goes on until the rebuilds, started after BENCH_SECONDS, end.
  let rebuilds: Promise<void> | null = null;
  async function runRebuilds(): Promise<void> {
    for (const variant of REBUILD_VARIANTS) {
      const window = { variant, from: performance.now(), to: Number.POSITIVE_INFINITY, lag: [], command: [], code: 0 };
      windows.push(window);
      window.code = await runRebuild(db.url, variant);
      window.to = performance.now();
    }
    measuredUntil = performance.now();
    total = sent;
  }
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = (performance.now() - started) / 1000;
      measuring = elapsed >= WARMUP_SECONDS;
      if (REBUILD_EVENTS && !rebuilds && elapsed >= WARMUP_SECONDS + SECONDS) {
        total = Number.POSITIVE_INFINITY;
        rebuilds = runRebuilds();
      }
      const due = Math.min(total, Math.floor(elapsed * RATE));
      while (sent < due) {
        sent++;
        const p = next()
          .catch(() => {
            failed++;
          })
          .then(() => {
            inflight.delete(p);
          });
        inflight.add(p);
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(inflight);
  const elapsed = (performance.now() - started) / 1000;

  const f = (xs: number[], q: number) => quantile(xs, q).toFixed(1);
  console.log(
    `\ncommands sent ${sent} in ${elapsed.toFixed(1)} s (${Math.round(sent / elapsed)}/s), failed ${failed}, read-backs past the wait bound ${behind}`,
  );
  console.log(`command latency: p50 ${f(commandMs, 0.5)} ms, p99 ${f(commandMs, 0.99)} ms`);
  console.log(
    `response → visible in the read API: p50 ${f(lagMs, 0.5)} ms, p95 ${f(lagMs, 0.95)} ms, p99 ${f(lagMs, 0.99)} ms, max ${f(lagMs, 1)} ms (target p99 ≤ 50 ms; ${lagMs.length} samples)`,
  );
  await rebuilds;
  for (const w of windows) {
    console.log(
      `during the rebuild of ${REBUILD_EVENTS}+ events${w.variant ? ` with ${w.variant}` : ''} (${((w.to - w.from) / 1000).toFixed(1)} s, exit ${w.code}): p50 ${f(w.lag, 0.5)} ms, p95 ${f(w.lag, 0.95)} ms, p99 ${f(w.lag, 0.99)} ms, max ${f(w.lag, 1)} ms (target p99 ≤ 250 ms; ${w.lag.length} samples); command latency p50 ${f(w.command, 0.5)} ms, p99 ${f(w.command, 0.99)} ms`,
    );
  }
  agent.destroy();
  await readApi.stop();
  await projector.stop();
  await commandApi.stop();
  await db.stop();
}

/** Waits until the projector has projected the whole (seeded) log, so lag is measured from a live projector. */
async function caughtUp(url: string): Promise<void> {
  const store = createPostgresEventStore({ connectionString: url });
  const head = await store.headPosition();
  console.log('# waiting for the projector to catch up with the seeded log…');
  for (;;) {
    const { rows } = await store.pool.query<{ position: string | null }>(
      "SELECT position FROM read_model.projection_checkpoints WHERE name = 'read_models'",
    );
    if (comparePositions(rows[0]?.position ?? null, head) >= 0) break;
    await sleep(1000);
  }
  await store.close();
}

/** `pnpm projector:rebuild` in its own process, with `variant`'s settings (`A=1 B=2`); resolves with its exit code. */
function runRebuild(url: string, variant: string): Promise<number> {
  console.log(`# rebuilding the read models from ${REBUILD_EVENTS}+ events while the load goes on… ${variant}`);
  const settings = Object.fromEntries(
    variant
      .split(/\s+/)
      .filter((kv) => kv.includes('='))
      .map((kv) => kv.split(/=(.*)/s).slice(0, 2) as [string, string]),
  );
  const child = fork(path.join(root, 'services/projector/src/rebuild-cli.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn', ...settings },
    stdio: 'inherit',
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

await main();
