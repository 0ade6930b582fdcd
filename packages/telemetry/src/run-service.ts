import { closeOnSignal, errorMessage, isEntryPoint, runIfEntryPoint } from '@publisher/coordination';
import { ConfigError, changedSettings, type EnvSpec } from '@publisher/platform/env';
import { loggerOptions } from '@publisher/platform/logger';
import { type Logger, pino } from 'pino';
import type { TelemetryConfig } from './config.ts';
import { startTracing } from './tracing.ts';

/** What the runner reads from every service's configuration. */
export interface ServiceConfig {
  logLevel: string;
  shutdownGraceMs: number;
  telemetry: TelemetryConfig;
}

export interface ServiceDefinition<C extends ServiceConfig> {
  /** The `service` of its log lines; its spans' `service.name` is `publisher-<name>`. */
  name: string;
  /** Its declared variables, for the start-up line. */
  variables: EnvSpec;
  /** Reads its configuration (a bad value throws a ConfigError before anything starts). */
  load(env: NodeJS.ProcessEnv): C;
  /** Starts the service; `close` runs on the first SIGINT/SIGTERM. */
  start(config: C, logger: Logger): Promise<{ close(): Promise<void> }>;
  /**
   * The AsyncLocalStorage context manager (`startTracing`'s `asyncContext`): only for a service whose
   * spans are started deep inside work that cannot pass the context along (the worker).
   */
  asyncContext?: boolean;
}

/**
 * The start every service makes, in one order: configuration, logger, the `configuration` line
 * (before anything can fail on a database or a broker, so a failed start still shows what it was
 * given), tracing, the service itself, and `closeOnSignal` closing it and then tracing within
 * SHUTDOWN_GRACE_MS. A failed start logs `start failed` (fatal, with the error) and exits 1.
 */
async function startService<C extends ServiceConfig>(
  service: ServiceDefinition<C>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const config = service.load(env);
  const logger = pino(loggerOptions(config, service.name));
  logger.info({ config: changedSettings(service.variables, env) }, 'configuration');
  const { telemetry } = config;
  const tracing = telemetry.tracingEnabled
    ? startTracing({
        service: `publisher-${service.name}`,
        endpoint: telemetry.otlpEndpoint,
        asyncContext: service.asyncContext ?? false,
      })
    : null;
  const running = await service.start(config, logger).catch((err: unknown) => {
    // A failed start is one more line of the service's log, with its stack, for whatever collects it
    // (pino writes it synchronously). Tracing is not flushed: an unreachable collector would hold the exit.
    logger.fatal({ err }, 'start failed');
    process.exit(1);
  });
  closeOnSignal(logger, config.shutdownGraceMs, async () => {
    await running.close();
    await tracing?.shutdown().catch(() => {});
  });
}

/**
 * A service's entry point: `startService` from the process environment when the calling module
 * (`url`, its `import.meta.url`) is the file the process was started with. A bad setting ends the
 * process with its message and exit code 2; a failed start, with a `start failed` log line and 1.
 * @example
 * runService(import.meta.url, { name: 'kafka-relay', variables: RELAY_VARIABLES, load: loadRelayConfig, start });
 */
export function runService<C extends ServiceConfig>(url: string, service: ServiceDefinition<C>): void {
  runIfEntryPoint(url, () =>
    startService(service).catch((err: unknown) => {
      exitOnConfigError(service.name, err);
      throw err;
    }),
  );
}

/**
 * A command-line tool's entry point (the projector's rebuild and admin CLIs): runs `main` when the
 * calling module is the file the process was started with, and exits 0 once it is done. A bad setting
 * ends it as it ends a service (one line, exit code 2); any other failure with its message and 1.
 * @example
 * runTool(import.meta.url, 'projector:rebuild', () => runRebuild());
 */
export function runTool(url: string, name: string, main: () => Promise<unknown>): void {
  if (!isEntryPoint(url)) return;
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      exitOnConfigError(name, err);
      console.error(errorMessage(err));
      process.exit(1);
    },
  );
}

/** A mistyped setting is the operator's to fix: its message (naming the variable), not a stack; exit 2. */
function exitOnConfigError(name: string, err: unknown): void {
  if (!(err instanceof ConfigError)) return;
  console.error(`${name}: ${err.message}`);
  process.exit(2);
}
