/**
 * Publisher's services as real processes for the multi-instance tests: each service's real entry
 * bundled once per test file with the bundler `pnpm start` uses (a bundle boots in a fraction of
 * the CPU tsx needs, which matters with ten processes on a 2-core machine), then started as often
 * as the test needs, each on its own free loopback port, and stopped (or SIGKILLed) by pid.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { bundleOnce, freePort, SERVICE_ENTRIES } from '@publisher/dev-infra';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type ServiceName = 'command-api' | 'read-api' | 'projector' | 'kafka-relay' | 'publishing-worker';

/** The variable naming each service's HTTP port, and the path answering 200 once it is ready. */
const PORTS: Record<ServiceName, { variable: string; ready: string }> = {
  'command-api': { variable: 'COMMAND_API_PORT', ready: '/ready' },
  'read-api': { variable: 'READ_API_PORT', ready: '/ready' },
  projector: { variable: 'PROJECTOR_PORT', ready: '/ready' },
  'kafka-relay': { variable: 'KAFKA_RELAY_PORT', ready: '/health' },
  'publishing-worker': { variable: 'PUBLISHING_WORKER_PORT', ready: '/health' },
};

export interface Bundles {
  file(name: ServiceName): string;
  remove(): void;
}

/**
 * Bundles the named services. Each bundle goes to a scratch directory under its service's
 * node_modules/.cache, from where the relay's `createRequire` finds kafkajs's internals.
 */
export async function bundleServices(names: readonly ServiceName[]): Promise<Bundles> {
  const files = new Map<ServiceName, string>();
  const dirs: string[] = [];
  await Promise.all(
    names.map(async (name) => {
      const entry = SERVICE_ENTRIES.find((e) => e.name === name);
      if (!entry) throw new Error(`no service entry named ${name}`);
      const cache = path.join(root, 'services', name, 'node_modules', '.cache');
      mkdirSync(cache, { recursive: true });
      const dir = mkdtempSync(path.join(cache, 'scale-test-'));
      dirs.push(dir);
      const file = path.join(dir, `${name}.mjs`);
      await bundleOnce(path.join(root, entry.source), file);
      files.set(name, file);
    }),
  );
  return {
    file: (name) => {
      const file = files.get(name);
      if (!file) throw new Error(`${name} was not bundled`);
      return file;
    },
    remove: () => {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ServiceProcess {
  name: ServiceName;
  /** A label for messages, e.g. `command-api#2`. */
  label: string;
  child: ChildProcess;
  pid: number;
  url: string;
  /** Settles with the exit code or signal. */
  exited: Promise<number | NodeJS.Signals | null>;
  alive(): boolean;
  kill(signal?: NodeJS.Signals): Promise<number | NodeJS.Signals | null>;
}

let started = 0;

/**
 * Starts a bundled service with `env` on a free port and waits until it is ready (the readiness
 * path answers 200; `waitReady: false` returns at once, e.g. for a standby whose /ready waits).
 */
export async function startService(
  bundles: Bundles,
  name: ServiceName,
  env: NodeJS.ProcessEnv,
  options: { waitReady?: boolean; readyTimeoutMs?: number } = {},
): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--enable-source-maps', bundles.file(name)], {
    cwd: root,
    env: {
      ...process.env,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      ...env,
      [PORTS[name].variable]: String(port),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  const url = `http://127.0.0.1:${port}`;
  const proc: ServiceProcess = {
    name,
    label: `${name}#${++started}`,
    child,
    pid: child.pid!,
    url,
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
    kill: async (signal = 'SIGTERM') => {
      if (proc.alive()) child.kill(signal);
      return exited;
    },
  };
  if (options.waitReady ?? true) {
    const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
    while (
      !(await fetch(`${url}${PORTS[name].ready}`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (!proc.alive()) throw new Error(`${proc.label} exited before it was ready`);
      if (Date.now() > deadline) {
        await proc.kill('SIGKILL');
        throw new Error(`${proc.label} was not ready in time`);
      }
      await sleep(100);
    }
  }
  return proc;
}
