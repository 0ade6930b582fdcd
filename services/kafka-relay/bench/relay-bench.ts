/**
 * `pnpm bench:relay` — figures, not a test.
 *
 * 1. Throughput: a backlog of BENCH_EVENTS (default 200 000) publishing-record events is written
 *    to the event store, then a relay starts and drains it to Kafka; events/s = backlog / time from
 *    the relay's start until its checkpoint reaches the last event.
 * 2. Latency: the command API and a relay (each its own process, as deployed) take BENCH_RATE
 *    creates/s (default 200) for BENCH_SECONDS (default 20) from this process, whose kafkajs
 *    consumer receives the events; per command, latency = consumer receipt − HTTP response.
 *
 * BENCH_FAST_RECORD_ENCODER=false runs the throughput relay with kafkajs' own record encoder.
 *
 * PostgreSQL: DATABASE_URL or an embedded server; Kafka: KAFKA_BROKERS or a broker of its own.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { PUBLISHING_RECORDS_TOPIC } from '@publisher/contracts';
import { sleep } from '@publisher/coordination';
import { freePort, postgresFromEnv, startKafka, waitForTopics } from '@publisher/dev-infra';
import { createPostgresEventStore } from '@publisher/event-store';
import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { LOG_LEVELS } from '@publisher/platform/config';
import { envVar, readEnv } from '@publisher/platform/env';
import { createTestDatabase, signTestToken } from '@publisher/testing';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { relayDefaults } from '../src/config.ts';
import { start } from '../src/relay.ts';
import { appendLifecycle, inParallel } from '../test/helpers/fixtures.ts';

/** This bench's settings (see the head of this file); a value it does not accept stops it. */
const BENCH_VARIABLES = {
  BENCH_EVENTS: envVar.integer(200_000, 1, 1_000_000_000),
  /** The throughput relay's batch size (RELAY_BATCH_SIZE). */
  BENCH_BATCH_SIZE: envVar.integer(relayDefaults.batchSize, 1, 20_000),
  BENCH_RATE: envVar.integer(200, 1, 1_000_000),
  BENCH_SECONDS: envVar.integer(20, 1, 86_400),
  /** `false`: the throughput relay encodes records with kafkajs' own encoder (to compare side by side). */
  BENCH_FAST_RECORD_ENCODER: envVar.boolean(true),
  BENCH_SKIP_THROUGHPUT: envVar.boolean(false),
  BENCH_SKIP_LATENCY: envVar.boolean(false),
  /** The latency relay's LOG_LEVEL. */
  BENCH_RELAY_LOG_LEVEL: envVar.oneOf(LOG_LEVELS, 'warn'),
};
const settings = readEnv(BENCH_VARIABLES, process.env);
const {
  BENCH_EVENTS: EVENTS,
  BENCH_BATCH_SIZE: BATCH,
  BENCH_RATE: RATE,
  BENCH_SECONDS: SECONDS,
  BENCH_FAST_RECORD_ENCODER: FAST_RECORD_ENCODER,
} = settings;
const here = path.dirname(fileURLToPath(import.meta.url));
const mainScript = path.resolve(here, '../src/main.ts');
const commandApiScript = path.resolve(here, '../../command-api/src/server.ts');
const stops: Array<() => Promise<unknown> | unknown> = [];
const log = (line: string) => console.log(`# ${line}`);

async function infrastructure(): Promise<{ adminUrl: string; brokers: string }> {
  // Made even when DATABASE_URL is set (the helper decides), and removed at the end either way.
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'relay-bench-pg-'));
  const pg = await postgresFromEnv({ dataDir });
  stops.push(async () => {
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const adminUrl = pg.url;
  process.env.DATABASE_URL = adminUrl;
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
    fastRecordEncoder: FAST_RECORD_ENCODER,
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
    await sleep(5);
  }
  const seconds = (Date.now() - t0) / 1000;
  const steady = (all - firstCount) / ((Date.now() - firstAt) / 1000);
  const used = process.cpuUsage(cpu);
  const encoder = relay.state.recordEncoder;
  await relay.close();
  await store.close();
  console.log(
    `relay throughput: ${Math.round(all / seconds)} events/s (${all} events in ${seconds.toFixed(2)} s from start, ` +
      `${Math.round(steady)} events/s after the first batch; batch ${BATCH}; ${encoder} record encoder; ` +
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
      STATUS_ENABLED: 'false',
      RELAY_NAME: 'latency',
      LOG_LEVEL: settings.BENCH_RELAY_LOG_LEVEL,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  stops.push(() => relay.kill('SIGTERM'));

  // The command API runs as its own process too, so the load it takes does not delay this process's consumer.
  const port = await freePort();
  const api = spawn(process.execPath, ['--import', 'tsx', commandApiScript], {
    env: {
      ...process.env,
      DATABASE_URL: dbUrl,
      COMMAND_API_PORT: String(port),
      RATE_LIMIT_MAX: '1000000',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  stops.push(() => api.kill('SIGTERM'));
  const url = `http://127.0.0.1:${port}/api/v1/publisher/publishing-records/`;
  for (let ready = false; !ready; ) {
    ready = await fetch(`http://127.0.0.1:${port}/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (!ready) await sleep(200);
  }
  const token = signTestToken({ sub: 'bench', account_id: 1, role: 'editor' }, { key: DEVELOPMENT_JWT_SECRET });

  const responded = new Map<string, number>();
  const received = new Map<string, number>();
  // The producer stamps each message when the relay sends it (wall clock, same machine): it splits
  // the latency into "relay picked it up and sent it" and "broker → consumer".
  const sentAt = new Map<string, number>();
  const clockOffset = Date.now() - performance.now();
  const kafka = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `bench-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await waitForTopics(brokers, [prefix + PUBLISHING_RECORDS_TOPIC], { timeoutMs: 120_000 }); // the relay creates it
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
        sentAt.set(key, Number(message.timestamp) - clockOffset);
      }
    },
  });
  await joined;
  // Warm-up: the relay and the consumer are live once one command makes the round trip. A consumer
  // starting at the latest offset misses what is produced while it still resolves that offset, so
  // the warm-up command is repeated until one arrives (a single one could leave the bench waiting forever).
  while (received.size === 0) {
    await command(url, token, responded);
    for (let i = 0; i < 25 && received.size === 0; i++) await sleep(20);
  }
  responded.clear();
  received.clear();

  log(`latency: ${RATE} creates/s for ${SECONDS} s`);
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const total = RATE * SECONDS;
  const t0 = performance.now();
  const inflight: Promise<void>[] = [];
  let failures = 0;
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inflight.push(command(url, token, responded).catch(() => void failures++));
  }
  await Promise.all(inflight);
  const deadline = Date.now() + 30_000;
  while (received.size < responded.size && Date.now() < deadline) await sleep(50);
  const ids = [...responded.keys()].filter((id) => received.has(id));
  const overall = summary(ids.map((id) => received.get(id)! - responded.get(id)!));
  const relayPart = summary(ids.map((id) => sentAt.get(id)! - responded.get(id)!));
  const kafkaPart = summary(ids.map((id) => received.get(id)! - sentAt.get(id)!));
  console.log(
    `command → consumer latency over ${ids.length}/${responded.size} commands (${failures} failed): ${overall}`,
  );
  loopDelay.disable();
  console.log(
    `  bench process event-loop delay: p50 ${(loopDelay.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms`,
  );
  console.log(`  of which response → relay send: ${relayPart}; relay send → consumer: ${kafkaPart}`);
  await consumer.disconnect();
}

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  return `p50 ${pct(50).toFixed(1)} ms, p95 ${pct(95).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`;
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
  const prefix = `bench-${randomUUID().slice(0, 8)}.`;
  // Each part on its own database: the latency relay must not start behind the throughput backlog.
  if (!settings.BENCH_SKIP_THROUGHPUT) {
    const db = await createTestDatabase('relay_bench');
    stops.push(db.drop);
    await throughput(db.url, brokers, prefix);
  }
  if (!settings.BENCH_SKIP_LATENCY) {
    const db = await createTestDatabase('relay_bench_latency');
    stops.push(db.drop);
    await latency(db.url, brokers, `${prefix}latency.`);
  }
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  for (const stop of stops.reverse()) await Promise.resolve(stop()).catch(() => {});
}
