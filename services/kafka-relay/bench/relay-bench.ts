/**
 * `pnpm bench:relay` — figures, not a test.
 *
 * 1. Throughput: a backlog of BENCH_EVENTS (default 200 000) publishing-record events is written
 *    to the event store, then a relay starts and drains it to Kafka; events/s = backlog / time from
 *    the relay's start until its checkpoint reaches the last event.
 * 2. Latency: the command API (in this process) takes BENCH_RATE creates/s (default 200) for
 *    BENCH_SECONDS (default 20) while a relay (its own process, as deployed) publishes and a kafkajs
 *    consumer (this process) receives; per command, latency = consumer receipt − HTTP response.
 *
 * PostgreSQL: DATABASE_URL or an embedded server; Kafka: KAFKA_BROKERS or a broker of its own.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp, createPool, loadCommandApiConfig } from '@publisher/command-api';
import { PUBLISHING_RECORDS_TOPIC } from '@publisher/contracts';
import { startEmbeddedPostgres, startKafka } from '@publisher/dev-infra';
import { createPostgresEventStore } from '@publisher/event-store';
import { DEVELOPMENT_JWT_SECRET, signTestToken } from '@publisher/platform';
import { createTestDatabase } from '@publisher/testing';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { start } from '../src/index.ts';
import { appendLifecycle, inParallel } from '../test/helpers/fixtures.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const BATCH = Number(process.env.BENCH_BATCH_SIZE ?? 1000);
const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const mainScript = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/main.ts');
const stops: Array<() => Promise<unknown> | unknown> = [];
const log = (line: string) => console.log(`# ${line}`);

async function infrastructure(): Promise<{ adminUrl: string; brokers: string }> {
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'relay-bench-pg-'));
    const pg = await startEmbeddedPostgres({ dataDir });
    stops.push(async () => {
      await pg.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });
    adminUrl = pg.url;
    process.env.DATABASE_URL = adminUrl;
  }
  let brokers = process.env.KAFKA_BROKERS;
  if (!brokers) {
    const kafka = await startKafka({ log });
    stops.push(() => kafka.stop());
    brokers = kafka.brokers;
  }
  return { adminUrl, brokers };
}

async function throughput(dbUrl: string, brokers: string, prefix: string): Promise<void> {
  const store = createPostgresEventStore({ connectionString: dbUrl });
  await store.migrate();
  const records = Math.ceil(EVENTS / 6);
  let t0 = Date.now();
  await inParallel(records, 8, async (i) => {
    await appendLifecycle(store, randomUUID(), { account_id: 1 + (i % 10), site_id: 1 + (i % 100), sector_id: 1 });
  });
  const all = records * 6;
  log(`backlog: ${all} events in ${records} records written in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const tail = await store.headPosition();

  const cpu = process.cpuUsage();
  t0 = Date.now();
  const relay = await start({
    databaseUrl: dbUrl,
    brokers: [brokers],
    topicPrefix: prefix,
    batchSize: BATCH,
    port: null,
    logger: pino({ level: 'warn' }),
  });
  let firstAt = 0;
  let firstCount = 0;
  while (relay.state.relayedPosition !== tail) {
    if (!firstAt && relay.state.eventsRelayed > 0) {
      firstAt = Date.now();
      firstCount = relay.state.eventsRelayed;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const seconds = (Date.now() - t0) / 1000;
  const steady = (all - firstCount) / ((Date.now() - firstAt) / 1000);
  const used = process.cpuUsage(cpu);
  await relay.close();
  await store.close();
  console.log(
    `relay throughput: ${Math.round(all / seconds)} events/s (${all} events in ${seconds.toFixed(2)} s from start, ` +
      `${Math.round(steady)} events/s after the first batch; batch ${BATCH}; ` +
      `${((used.user + used.system) / 1000 / (all / 1000)).toFixed(1)} ms CPU per 1000 events)`,
  );
}

async function latency(dbUrl: string, brokers: string, prefix: string): Promise<void> {
  const relay: ChildProcess = spawn(process.execPath, ['--import', 'tsx', mainScript], {
    env: {
      ...process.env,
      DATABASE_URL: dbUrl,
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC_PREFIX: prefix,
      KAFKA_RELAY_PORT: 'off',
      RELAY_NAME: 'latency',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  stops.push(() => relay.kill('SIGTERM'));

  const config = loadCommandApiConfig({
    DATABASE_URL: dbUrl,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX: '1000000',
    COMMAND_API_PORT: '0',
  });
  const pool = createPool(config, dbUrl);
  const store = createPostgresEventStore({ pool });
  const app = await buildApp({ store, pool, config });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address() as { port: number };
  const url = `http://127.0.0.1:${address.port}/api/v1/publisher/publishing-records/`;
  const token = signTestToken({ sub: 'bench', account_id: 1, role: 'editor' }, { key: DEVELOPMENT_JWT_SECRET });

  const responded = new Map<string, number>();
  const received = new Map<string, number>();
  const kafka = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `bench-${randomUUID()}`, maxWaitTimeInMs: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic: prefix + PUBLISHING_RECORDS_TOPIC, fromBeginning: false });
  let assigned!: () => void;
  const joined = new Promise<void>((resolve) => {
    assigned = resolve;
  });
  consumer.on(consumer.events.GROUP_JOIN, () => assigned());
  await consumer.run({
    eachMessage: async ({ message }) => {
      const key = message.key?.toString();
      if (key && message.headers?.['event-type']?.toString() === 'publisher.publishing_record.created') {
        received.set(key, performance.now());
      }
    },
  });
  await joined;
  // Warm-up: the relay and the consumer are live once one command makes the round trip.
  await command(url, token, responded);
  while (received.size === 0) await new Promise((r) => setTimeout(r, 20));
  responded.clear();
  received.clear();

  log(`latency: ${RATE} creates/s for ${SECONDS} s`);
  const total = RATE * SECONDS;
  const t0 = performance.now();
  const inflight: Promise<void>[] = [];
  let failures = 0;
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inflight.push(command(url, token, responded).catch(() => void failures++));
  }
  await Promise.all(inflight);
  const deadline = Date.now() + 30_000;
  while (received.size < responded.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const latencies = [...responded]
    .map(([id, at]) => (received.get(id) ?? Number.NaN) - at)
    .filter((v) => !Number.isNaN(v));
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
  console.log(
    `command → consumer latency over ${latencies.length}/${responded.size} commands (${failures} failed): ` +
      `p50 ${pct(50).toFixed(1)} ms, p95 ${pct(95).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`,
  );
  await consumer.disconnect();
  await app.close();
  await pool.end();
}

async function command(url: string, token: string, responded: Map<string, number>): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ content_id: 1, site_id: 1, sector_id: 1, destination: 'webhook', destination_config: {} }),
  });
  const at = performance.now();
  if (res.status !== 201) throw new Error(`create answered ${res.status}`);
  const body = (await res.json()) as { data: { id: string } };
  responded.set(body.data.id, at);
}

try {
  const { brokers } = await infrastructure();
  const db = await createTestDatabase('relay_bench');
  stops.push(db.drop);
  const prefix = `bench-${randomUUID().slice(0, 8)}.`;
  if (process.env.BENCH_SKIP_THROUGHPUT !== '1') await throughput(db.url, brokers, prefix);
  if (process.env.BENCH_SKIP_LATENCY !== '1') await latency(db.url, brokers, prefix);
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  for (const stop of stops.reverse()) await Promise.resolve(stop()).catch(() => {});
}
