import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres, startKafka } from '@publisher/dev-infra';
import { createPostgresEventStore } from '@publisher/event-store';
import { createTestDatabase } from '@publisher/testing';
import pg from 'pg';
import { appendLifecycle, inParallel } from '../test/helpers/fixtures.ts';
const pgh = await startEmbeddedPostgres({ dataDir: mkdtempSync(path.join(os.tmpdir(), 'prof-pg-')) });
process.env.DATABASE_URL = pgh.url;
const kafka = await startKafka({});
const db = await createTestDatabase('prof');
const store = createPostgresEventStore({ connectionString: db.url });
await store.migrate();
await inParallel(5000, 8, async (i) => { await appendLifecycle(store, randomUUID(), { account_id: 1, site_id: 1 + (i % 100), sector_id: 1 }); });
const head = await store.headPosition();
const t0 = Date.now();
const child = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir=/tmp/prof', '--import', 'tsx', 'services/kafka-relay/src/main.ts'], {
  env: { ...process.env, DATABASE_URL: db.url, KAFKA_BROKERS: kafka.brokers, KAFKA_RELAY_PORT: 'off', LOG_LEVEL: 'warn', RELAY_BATCH_SIZE: process.env.B ?? '1000' }, stdio: 'inherit' });
const c = new pg.Client({ connectionString: db.url }); await c.connect();
let started = 0;
for (;;) {
  const r = await c.query("select position from relay_checkpoints").catch(() => ({ rows: [] as any[] }));
  if (r.rows[0]?.position && !started) started = Date.now();
  if (r.rows[0]?.position === head) break;
  await new Promise((r) => setTimeout(r, 10));
}
console.log('relayed 30000 in', Date.now() - t0, 'ms; after first checkpoint', Date.now() - started);
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
await c.end(); await store.close(); await db.drop(); await kafka.stop(); await pgh.stop();
