/**
 * `pnpm exec tsx packages/telemetry/bench/request-cost.ts`: what the HTTP telemetry costs one request,
 * in one process. Figures, not a test.
 *
 * 1. The duration histogram's observation: prom-client's `observe(labels, v)` and a `labels(…)`
 *    child's `observe(v)` beside a `SeriesHistogram` series' `observe(v)`, in ns.
 * 2. The whole plugin: two Fastify apps answering the same ~11 kB JSON (a cached list page's size)
 *    over keep-alive HTTP, one with `fastifyTelemetry` (metrics on, tracing on without an exporter:
 *    the services' default) and one without; BENCH_CONNECTIONS (16) concurrent requests in blocks of
 *    BENCH_REQUESTS (20,000), the apps taking turns for BENCH_BLOCKS (8) blocks each. The process's CPU
 *    per request (client and both servers: what differs is the plugin) is compared block by block.
 *    Requests carry no `traceparent`, as most reads do.
 */
import http from 'node:http';
import { API_PREFIX } from '@publisher/contracts';
import { median } from '@publisher/dev-infra/bench-stats';
import { envVar, readEnv } from '@publisher/platform/env';
import Fastify from 'fastify';
import client from 'prom-client';
import { fastifyTelemetry, SECONDS_BUCKETS, ServiceMetrics, startTracing } from '../src/index.ts';

/** This bench's settings (see the head of this file); a value it does not accept stops it. */
const BENCH_VARIABLES = {
  BENCH_REQUESTS: envVar.integer(20_000, 1, 1_000_000_000),
  BENCH_BLOCKS: envVar.integer(8, 1, 1000),
  BENCH_CONNECTIONS: envVar.integer(16, 1, 10_000),
};
const {
  BENCH_REQUESTS: REQUESTS,
  BENCH_BLOCKS: BLOCKS,
  BENCH_CONNECTIONS: CONNECTIONS,
} = readEnv(BENCH_VARIABLES, process.env);
const ROUTE = `${API_PREFIX}/publishing-records/`;

function nsPerCall(work: (i: number) => void, calls = 1_000_000): number {
  for (let i = 0; i < calls / 10; i++) work(i);
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) work(i);
  return Number(process.hrtime.bigint() - start) / calls;
}

function observations(): void {
  const labelNames = ['method', 'route', 'status_class'] as const;
  const labels = { method: 'GET', route: ROUTE, status_class: '2xx' };
  const registry = new client.Registry();
  const prom = new client.Histogram({
    name: 'a',
    help: 'a',
    labelNames,
    buckets: SECONDS_BUCKETS,
    registers: [registry],
  });
  const child = prom.labels(labels);
  const series = new ServiceMetrics('read_api').seriesHistogram('b', 'b', labelNames).series(labels);
  const value = (i: number) => (i % 200) / 10_000;
  const rows = {
    'prom-client observe(labels, v)': () =>
      median([1, 2, 3].map(() => nsPerCall((i) => prom.observe(labels, value(i))))),
    'prom-client labels(…).observe(v)': () => median([1, 2, 3].map(() => nsPerCall((i) => child.observe(value(i))))),
    'SeriesHistogram series.observe(v)': () => median([1, 2, 3].map(() => nsPerCall((i) => series.observe(value(i))))),
  };
  console.log('| observation | ns |\n|---|---|');
  for (const [name, measure] of Object.entries(rows)) console.log(`| ${name} | ${measure().toFixed(0)} |`);
}

async function server(telemetry: boolean): Promise<{ port: number; close: () => Promise<void> }> {
  const body = JSON.stringify({ success: true, results: 'x'.repeat(11_000) });
  const app = Fastify({ logger: false });
  if (telemetry) await app.register(fastifyTelemetry, { metrics: new ServiceMetrics('read_api'), serveMetrics: false });
  app.get(ROUTE, async (_request, reply) => reply.type('application/json').send(body));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { port: (app.server.address() as { port: number }).port, close: () => app.close() };
}

async function block(port: number, agent: http.Agent): Promise<number> {
  const one = () =>
    new Promise<void>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: `${ROUTE}?page_size=20`, agent }, (res) => {
          res.resume();
          res.on('end', resolve);
        })
        .on('error', reject);
    });
  let sent = 0;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (sent++ < REQUESTS) await one();
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / REQUESTS;
}

async function requests(): Promise<void> {
  const tracing = startTracing({ service: 'bench', asyncContext: false });
  const on = await server(true);
  const off = await server(false);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const cpu = { on: [] as number[], off: [] as number[] };
  await block(on.port, agent); // warm-up
  await block(off.port, agent);
  for (let i = 0; i < BLOCKS; i++) {
    // Alternating which goes first, so drift within a pair hits both alike.
    for (const setting of i % 2 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      cpu[setting].push(await block(setting === 'on' ? on.port : off.port, agent));
    }
  }
  const diffs = cpu.on.map((x, i) => x - cpu.off[i]!);
  console.log(`\n${BLOCKS} blocks of ${REQUESTS} requests, ${CONNECTIONS} connections; process CPU per request (µs)`);
  console.log(`with telemetry    ${cpu.on.map((x) => x.toFixed(1)).join(' ')}  median ${median(cpu.on).toFixed(1)}`);
  console.log(`without           ${cpu.off.map((x) => x.toFixed(1)).join(' ')}  median ${median(cpu.off).toFixed(1)}`);
  console.log(`telemetry's cost  median of the blocks' differences ${median(diffs).toFixed(2)} µs per request`);
  agent.destroy();
  await on.close();
  await off.close();
  await tracing.shutdown();
}

observations();
await requests();
