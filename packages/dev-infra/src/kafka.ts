import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { errorMessage } from '@publisher/coordination';
import { publishCdsArchive } from './kafka-cds.ts';
import { KafkaInfraError } from './kafka-errors.ts';
import { type KafkaLaunchPlan, logTail, type PrepareKafkaOptions, prepareKafka, spawnKafka } from './kafka-launch.ts';
import { waitForKafka } from './kafka-ready.ts';

export interface StartKafkaOptions extends Omit<PrepareKafkaOptions, 'dataDir' | 'dumpCds'> {
  /** Data directory, kept between runs; a temp directory removed at process exit when omitted. */
  dataDir?: string;
  /** How long to wait for the broker to accept clients (default 90 s). */
  timeoutMs?: number;
}

/** A running (or stopped, restartable) local broker owned by this process. */
export interface KafkaHandle {
  /** Bootstrap servers for clients, e.g. `127.0.0.1:40123`; the same across restarts. */
  readonly brokers: string;
  readonly port: number;
  readonly dataDir: string;
  /** The broker's log4j output. */
  readonly logFile: string;
  /** The JVM's pid while it runs. */
  readonly pid: number | undefined;
  /** True from a successful start until stop/kill, or until the JVM dies by itself. */
  readonly running: boolean;
  /** Clean shutdown (SIGTERM, then SIGKILL after 30 s); keeps the data. Safe to call twice. */
  stop(): Promise<void>;
  /** Crash it (SIGKILL) for fault tests; keeps the data. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same data and waits until clients are served. */
  restart(): Promise<void>;
}

/**
 * Starts a real single-node Apache Kafka broker (KRaft, broker+controller in one JVM) on 127.0.0.1
 * from Maven Central jars cached under `.cache/kafka`, and resolves once a kafkajs admin can list
 * and create topics. The JVM dies with this process even on SIGKILL (a watchdog notices the closed
 * pipe), so tests never leave an orphan broker behind.
 *
 * @example
 * const kafka = await startKafka();
 * t.teardown(kafka.stop);
 * const client = new Kafka({ brokers: [kafka.brokers] });
 * // fault test: same broker, same port, same data
 * await kafka.stop();
 * await kafka.restart();
 */
export async function startKafka(opts: StartKafkaOptions = {}): Promise<KafkaHandle> {
  const temporary = opts.dataDir === undefined;
  const dataDir = path.resolve(opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'publisher-kafka-')));
  const log = opts.log ?? (() => {});
  let plan = await prepareKafka({ ...opts, dataDir, dumpCds: true });
  let proc: RunningBroker | undefined;

  const launch = async () => {
    proc = await launchAndWait(plan, opts.timeoutMs, log, temporary ? dataDir : undefined);
  };
  const onExit = () => {
    proc?.child.kill('SIGKILL');
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  try {
    await launch();
  } catch (err) {
    process.off('exit', onExit);
    onExit();
    throw err;
  }

  const halt = async (signal: 'SIGTERM' | 'SIGKILL') => {
    const current = proc;
    proc = undefined;
    if (!current) return;
    await current.halt(signal);
    log(`Kafka on ${plan.brokers} stopped (${signal})`);
  };
  return {
    brokers: plan.brokers,
    port: plan.state.port,
    dataDir,
    logFile: path.join(dataDir, 'server.log'),
    get pid() {
      return proc?.child.pid;
    },
    get running() {
      // False too when the JVM died on its own (crash, OOM) since the last start.
      return proc !== undefined && proc.child.exitCode === null && proc.child.signalCode === null;
    },
    stop: () => halt('SIGTERM'),
    kill: () => halt('SIGKILL'),
    restart: async () => {
      await halt('SIGTERM');
      plan = await prepareKafka({ ...opts, dataDir, port: plan.state.port, dumpCds: true });
      await launch();
    },
  };
}

interface RunningBroker {
  child: ChildProcess;
  halt(signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

async function launchAndWait(
  plan: KafkaLaunchPlan,
  timeoutMs: number | undefined,
  log: (line: string) => void,
  removeOnOrphan: string | undefined,
): Promise<RunningBroker> {
  const started = Date.now();
  const child = spawnKafka(plan);
  const guard = watchdog(child.pid ?? 0, removeOnOrphan);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const aborter = new AbortController();
  child.once('exit', (code, signal) =>
    aborter.abort(new KafkaInfraError('KAFKA_EXITED', `Kafka exited during start (code ${code}, signal ${signal})`)),
  );
  const halt = async (signal: 'SIGTERM' | 'SIGKILL') => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    guard.kill('SIGKILL');
    await publishCdsArchive(plan.cdsDumpFile);
  };
  try {
    await waitForKafka(plan.brokers, { timeoutMs, signal: aborter.signal });
  } catch (err) {
    await halt('SIGKILL');
    const tail = await logTail(plan.dataDir);
    const code = err instanceof KafkaInfraError ? err.code : 'KAFKA_START_TIMEOUT';
    throw new KafkaInfraError(code, `${errorMessage(err)}\n${tail}`, { cause: err });
  }
  log(`Kafka ${plan.state.version} ready on ${plan.brokers} in ${Date.now() - started} ms (pid ${child.pid})`);
  return { child, halt };
}

/**
 * A tiny shell that holds the read end of a pipe from this process: when this process dies for any
 * reason, even SIGKILL, the pipe closes, `read` sees EOF and the shell stops the broker (SIGTERM,
 * SIGKILL after 30 s) and removes a temporary data directory. On a normal stop the owner kills the
 * watchdog itself.
 */
function watchdog(pid: number, removeDir: string | undefined): ChildProcess {
  const script = [
    'while read -r _; do :; done',
    `kill -TERM ${pid} 2>/dev/null`,
    'i=0',
    `while kill -0 ${pid} 2>/dev/null && [ $i -lt 150 ]; do sleep 0.2; i=$((i+1)); done`,
    `kill -KILL ${pid} 2>/dev/null`,
    // The directory travels as $1, never through the script text.
    'if [ -n "$1" ]; then rm -rf -- "$1"; fi',
  ].join('; ');
  const args = ['-c', script, 'kafka-watchdog', removeDir ?? ''];
  const guard = spawn('sh', args, { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  guard.unref();
  (guard.stdin as unknown as Socket).unref();
  return guard;
}
