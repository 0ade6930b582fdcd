/**
 * `pnpm exec tsx services/command-api/bench/telemetry-in-process.ts`: the command API's CPU per
 * command with telemetry on (metrics, tracing without an exporter) and off, in one process. Figures,
 * not a test.
 *
 * Why beside `BENCH_TELEMETRY=compare pnpm bench:commands`: on a shared 2-core machine the two
 * servers of that bench see different load in their turns, which swings their ratios by more than
 * the 5 % being judged. Here both apps (one per setting, sharing nothing but PostgreSQL) take turns
 * in blocks of BENCH_CYCLES record life cycles per connection (7 commands each, BENCH_CONNECTIONS
 * concurrent, through `inject`: no sockets), tracing started before each "on" block and shut down
 * after it; the process's own CPU per command is compared block by block. What one process shares
 * between the two settings (prom-client's default process metrics, once created) is not measured.
 *
 * Env: BENCH_BLOCKS (8 per setting), BENCH_CYCLES (60), BENCH_CONNECTIONS (32); DATABASE_URL, else
 * an embedded PostgreSQL.
 */

import { API_PREFIX as API } from '@publisher/contracts';
import { postgresFromEnv } from '@publisher/dev-infra';
import { median } from '@publisher/dev-infra/bench-stats';
import { createPostgresEventStore } from '@publisher/event-store';
import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { envVar, readEnv } from '@publisher/platform/env';
import { ServiceMetrics, startTracing } from '@publisher/telemetry';
import { signTestToken } from '@publisher/testing';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { loadCommandApiConfig } from '../src/config.ts';
import { appendBatchObserver } from '../src/metrics.ts';

/** This bench's settings (see the head of this file); a value it does not accept stops it. */
const BENCH_VARIABLES = {
  BENCH_BLOCKS: envVar.integer(8, 1, 1000),
  BENCH_CYCLES: envVar.integer(60, 1, 1_000_000),
  BENCH_CONNECTIONS: envVar.integer(32, 1, 10_000),
};
const {
  BENCH_BLOCKS: blocks,
  BENCH_CYCLES: cycles,
  BENCH_CONNECTIONS: connections,
} = readEnv(BENCH_VARIABLES, process.env);
const metadata = { title: 'A reasonably sized post title', tags: ['news', 'tech'], words: 1200 };
const token = signTestToken(
  { sub: 'bench', account_id: 1, role: 'system_bot' },
  { key: DEVELOPMENT_JWT_SECRET, expiresInSeconds: 3600 },
);
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

type Setting = 'on' | 'off';

async function commandApi(url: string, setting: Setting) {
  const pool = new pg.Pool({ connectionString: url, max: 20 });
  const metrics = setting === 'on' ? new ServiceMetrics('command_api') : null;
  const store = createPostgresEventStore({ pool, onAppendBatch: appendBatchObserver(metrics) });
  await store.migrate();
  const enabled = String(setting === 'on');
  const config = loadCommandApiConfig({
    LOG_LEVEL: 'silent',
    RATE_LIMIT_MAX: '1000000000',
    METRICS_ENABLED: enabled,
    TRACING_ENABLED: enabled,
  });
  const app = await buildApp({ store, pool, config, metrics }, { logger: false });
  return {
    app,
    close: async () => {
      await app.close();
      await store.close();
      await pool.end();
    },
  };
}

/** The bench's life cycle: create → start → fail → retry → patch → start → succeed. */
async function lifeCycle(app: FastifyInstance): Promise<void> {
  const created = await app.inject({
    method: 'POST',
    url: `${API}/publishing-records/`,
    headers,
    payload: JSON.stringify({
      content_id: 7,
      site_id: 3,
      sector_id: 5,
      destination: 'webhook',
      destination_config: { url: 'https://hooks.example.com/publisher', format: 'json' },
      metadata,
    }),
  });
  const id = created.json().data.id as string;
  const steps: Array<['POST' | 'PATCH', string, object?]> = [
    ['POST', '/start'],
    ['POST', '/fail', { error: 'destination timed out after 30 s' }],
    ['POST', '/retry'],
    ['PATCH', '', { metadata: { ...metadata, retried: true } }],
    ['POST', '/start'],
    ['POST', '/succeed', { external_url: 'https://blog.example.com/posts/1', external_id: 'post-1' }],
  ];
  for (const [method, suffix, body] of steps) {
    const res = await app.inject({
      method,
      url: `${API}/publishing-records/${id}${suffix}`,
      headers,
      ...(body && { payload: JSON.stringify(body) }),
    });
    if (res.statusCode >= 300) throw new Error(`${method} ${suffix}: ${res.statusCode} ${res.body}`);
  }
}

/** CPU µs per command of one block. */
async function block(app: FastifyInstance, setting: Setting, perConnection: number): Promise<number> {
  const tracing = setting === 'on' ? startTracing({ service: 'bench', asyncContext: false }) : null;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      for (let i = 0; i < perConnection; i++) await lifeCycle(app);
    }),
  );
  const used = process.cpuUsage(before);
  await tracing?.shutdown();
  return (used.user + used.system) / (connections * perConnection * 7);
}

const postgres = await postgresFromEnv();
const apps = { on: await commandApi(postgres.url, 'on'), off: await commandApi(postgres.url, 'off') };
try {
  for (const setting of ['on', 'off'] as const) await block(apps[setting].app, setting, 10); // warm-up
  const cpu: Record<Setting, number[]> = { on: [], off: [] };
  for (let i = 0; i < blocks; i++) {
    // Alternating which goes first, so drift within a pair hits both alike.
    for (const setting of i % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
      cpu[setting].push(await block(apps[setting].app, setting, cycles));
    }
  }
  const pairs = cpu.on.map((on, i) => on / (cpu.off[i] ?? Number.NaN));
  console.log(
    `CPU per command, telemetry on / off: ${median(cpu.on).toFixed(1)} / ${median(cpu.off).toFixed(1)} µs = ` +
      `${((100 * median(cpu.on)) / median(cpu.off)).toFixed(1)} %; block by block: median ` +
      `${(100 * median(pairs)).toFixed(1)} % (${pairs.map((p) => `${(100 * p).toFixed(0)} %`).join(', ')})`,
  );
} finally {
  await apps.on.close();
  await apps.off.close();
  await postgres.stop();
}
