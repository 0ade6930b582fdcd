import { readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorCode, errorMessage } from '@publisher/coordination';
import { kafkaPaths, readKafkaState } from './kafka-config.ts';
import { KafkaInfraError } from './kafka-errors.ts';
import { repoRoot } from './kafka-install.ts';
import { isPortFree, logTail, prepareKafka, spawnKafka } from './kafka-launch.ts';
import { waitForKafka } from './kafka-ready.ts';

/** The port a fresh `pnpm kafka:start` tries first (Kafka's usual one), before any free port. */
const DEFAULT_KAFKA_PORT = 9092;

export interface KafkaDaemonOptions {
  /** Default `<repo>/.data/kafka` (or KAFKA_DATA_DIR). */
  dataDir?: string;
  /** Default: the port this data directory used last, else 9092 when free, else any free port. */
  port?: number;
  timeoutMs?: number;
  log?: (line: string) => void;
}

export interface KafkaDaemonInfo {
  brokers: string;
  pid: number;
  dataDir: string;
  /** True when a broker was already running and was reused. */
  alreadyRunning: boolean;
}

function defaultKafkaDataDir(): string {
  return path.resolve(process.env.KAFKA_DATA_DIR ?? path.join(repoRoot, '.data', 'kafka'));
}

/**
 * Starts a broker that outlives this process (`pnpm kafka:start`): pid in `<dataDir>/kafka.pid`, logs
 * in `<dataDir>/server.log`. Idempotent: if the broker of this data directory already runs, it only
 * waits until it serves clients and returns its address.
 *
 * @example
 * const { brokers } = await startKafkaDaemon(); // '127.0.0.1:9092'
 */
export async function startKafkaDaemon(opts: KafkaDaemonOptions = {}): Promise<KafkaDaemonInfo> {
  const dataDir = path.resolve(opts.dataDir ?? defaultKafkaDataDir());
  const running = await runningDaemon(dataDir);
  if (running) {
    await waitForKafka(running.brokers, { timeoutMs: opts.timeoutMs });
    return { ...running, dataDir, alreadyRunning: true };
  }
  const previous = await readKafkaState(dataDir);
  const port = opts.port ?? (previous || !(await isPortFree(DEFAULT_KAFKA_PORT)) ? undefined : DEFAULT_KAFKA_PORT);
  const plan = await prepareKafka({ dataDir, port, log: opts.log });
  const child = spawnKafka(plan);
  const pid = child.pid ?? 0;
  await writeFile(kafkaPaths(dataDir).pid, `${pid}\n`);
  const aborter = new AbortController();
  child.once('exit', (code, signal) =>
    aborter.abort(new KafkaInfraError('KAFKA_EXITED', `Kafka exited during start (code ${code}, signal ${signal})`)),
  );
  try {
    await waitForKafka(plan.brokers, { timeoutMs: opts.timeoutMs, signal: aborter.signal });
  } catch (err) {
    await stopPid(pid);
    await rm(kafkaPaths(dataDir).pid, { force: true });
    const code = err instanceof KafkaInfraError ? err.code : 'KAFKA_START_TIMEOUT';
    throw new KafkaInfraError(code, `${errorMessage(err)}\n${await logTail(dataDir)}`, { cause: err });
  }
  child.removeAllListeners('exit');
  return { brokers: plan.brokers, pid, dataDir, alreadyRunning: false };
}

/**
 * Stops the broker started by `startKafkaDaemon` for this data directory (`pnpm kafka:stop`):
 * SIGTERM, SIGKILL after 30 s. Resolves false when none was running. Keeps the data.
 */
export async function stopKafkaDaemon(opts: { dataDir?: string } = {}): Promise<boolean> {
  const dataDir = path.resolve(opts.dataDir ?? defaultKafkaDataDir());
  const running = await runningDaemon(dataDir);
  if (running) await stopPid(running.pid);
  await rm(kafkaPaths(dataDir).pid, { force: true });
  return running !== undefined;
}

/** The broker of this data directory when its pid file names a live broker process, else undefined. */
async function runningDaemon(dataDir: string): Promise<{ pid: number; brokers: string } | undefined> {
  const files = kafkaPaths(dataDir);
  const pid = Number((await readFile(files.pid, 'utf8').catch(() => '')).trim());
  const state = await readKafkaState(dataDir);
  if (!pid || !state || !alive(pid)) return undefined;
  // A pid file can outlive its process and the pid be reused: make sure it is this directory's broker.
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  if (cmdline !== undefined && !(cmdline.includes('kafka.Kafka') && cmdline.includes(files.properties))) {
    return undefined;
  }
  return { pid, brokers: `127.0.0.1:${state.port}` };
}

async function stopPid(pid: number, graceMs = 30_000): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  while (alive(pid)) await sleep(50);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return errorCode(err) === 'EPERM';
  }
  // A zombie answers signal 0 until its parent reaps it; where no init reaps, it would look alive forever.
  const stat = readStat(pid);
  return !stat || !/^\d+ \(.*\) Z/.test(stat);
}

function readStat(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
}
