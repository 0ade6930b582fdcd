import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { cdsPlan, removeStaleCdsDumps } from './kafka-cds.ts';
import {
  jvmArgs,
  type KafkaState,
  kafkaPaths,
  log4j2Config,
  newClusterId,
  readKafkaState,
  serverProperties,
  writeKafkaState,
} from './kafka-config.ts';
import { KafkaInfraError } from './kafka-errors.ts';
import { checkJava, ensureKafkaLibs, javaBin, KAFKA_VERSION } from './kafka-install.ts';
import { freePort } from './postgres.ts';

const run = promisify(execFile);

export interface PrepareKafkaOptions {
  dataDir: string;
  /** Broker port; default: the port this data directory used last, else a free one. */
  port?: number;
  /** Extra or overriding server.properties entries. */
  config?: Record<string, string | number | boolean>;
  /** Extra JVM flags, appended after the defaults (a later -Xmx wins). */
  jvmArgs?: string[];
  /** May this JVM write the class-data archive at exit (only when it will be stopped by its owner). */
  dumpCds?: boolean;
  cacheDir?: string;
  log?: (line: string) => void;
}

/** Everything needed to exec the broker: resolved jars, written config, formatted storage. */
export interface KafkaLaunchPlan {
  dataDir: string;
  state: KafkaState;
  brokers: string;
  command: string;
  args: string[];
  /** The CDS archive this JVM writes at exit, to publish with `publishCdsArchive` once it is gone. */
  cdsDumpFile?: string;
}

/**
 * Makes a data directory ready to run a broker: resolves the jars (cached), picks ports (reusing the
 * directory's previous ones when free), writes server.properties and log4j2.xml, and formats the
 * KRaft storage on first use. Running it again on the same directory keeps the data and cluster id.
 */
export async function prepareKafka(opts: PrepareKafkaOptions): Promise<KafkaLaunchPlan> {
  const log = opts.log ?? (() => {});
  await checkJava();
  const libs = await ensureKafkaLibs({ cacheDir: opts.cacheDir, log });
  const dataDir = path.resolve(opts.dataDir);
  const files = kafkaPaths(dataDir);
  await mkdir(dataDir, { recursive: true });

  const previous = await readKafkaState(dataDir);
  const port = opts.port ?? (previous && (await isPortFree(previous.port)) ? previous.port : await freePort());
  if (!(await isPortFree(port))) {
    throw new KafkaInfraError('KAFKA_PORT_IN_USE', `port ${port} on 127.0.0.1 is already in use`);
  }
  let controllerPort =
    previous && previous.controllerPort !== port && (await isPortFree(previous.controllerPort))
      ? previous.controllerPort
      : await freePort();
  while (controllerPort === port) controllerPort = await freePort();
  const state: KafkaState = {
    version: KAFKA_VERSION,
    clusterId: previous?.clusterId ?? newClusterId(),
    port,
    controllerPort,
  };
  await writeKafkaState(dataDir, state);
  await writeFile(files.properties, serverProperties(dataDir, state, opts.config));
  await writeFile(files.log4j, log4j2Config(files.serverLog));

  const jvm = jvmArgs(files.log4j, opts.jvmArgs);
  const classpath = ['-cp', `${libs}${path.sep}*`];
  if (!existsSync(files.meta)) {
    // A storage directory without meta.properties is a format that never finished: start over.
    await rm(files.storage, { recursive: true, force: true });
    const started = Date.now();
    try {
      await run(
        javaBin(),
        [...jvm, ...classpath, 'kafka.tools.StorageTool', 'format', '-t', state.clusterId, '-c', files.properties],
        { timeout: 120_000 },
      );
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      throw new KafkaInfraError('KAFKA_FORMAT_FAILED', `formatting ${files.storage} failed: ${e.stdout}${e.stderr}`, {
        cause: err,
      });
    }
    log(`formatted KRaft storage in ${files.storage} (cluster ${state.clusterId}) in ${Date.now() - started} ms`);
  }
  await removeStaleCdsDumps(libs);
  const cds = cdsPlan(libs, opts.dumpCds ?? false);
  return {
    dataDir,
    state,
    brokers: `127.0.0.1:${port}`,
    command: javaBin(),
    args: [...jvm, ...cds.args, ...classpath, 'kafka.Kafka', files.properties],
    cdsDumpFile: cds.dumpFile,
  };
}

/**
 * Spawns the broker in its own process group with stdout/stderr appended to `stdout.log` (log4j
 * writes the real log to `server.log`), so neither a terminal's Ctrl-C nor a closed pipe reaches it:
 * only its owner stops it.
 */
export function spawnKafka(plan: KafkaLaunchPlan): ChildProcess {
  const out = openSync(kafkaPaths(plan.dataDir).stdoutLog, 'a');
  try {
    const child = spawn(plan.command, plan.args, { cwd: plan.dataDir, detached: true, stdio: ['ignore', out, out] });
    child.unref();
    return child;
  } finally {
    closeSync(out);
  }
}

/** True when nothing listens on 127.0.0.1:`port`. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** The last lines of the broker's logs, attached to start failures. */
export async function logTail(dataDir: string, lines = 30): Promise<string> {
  const files = kafkaPaths(dataDir);
  const parts: string[] = [];
  for (const file of [files.stdoutLog, files.serverLog]) {
    const text = await readFile(file, 'utf8').catch(() => '');
    const tail = text.trimEnd().split('\n').slice(-lines).join('\n');
    if (tail) parts.push(`--- ${path.basename(file)} ---\n${tail}`);
  }
  return parts.join('\n');
}
