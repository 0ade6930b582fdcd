import closeWithGrace from 'close-with-grace';

/** The logger calls shutdown makes (pino's and Fastify's loggers fit). */
export interface ShutdownLogger {
  info(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

/**
 * How long after the signal that started a stop another SIGINT/SIGTERM counts as a copy of it.
 * Ctrl-C signals the terminal's whole process group, so a service run by a supervisor (`pnpm start`,
 * a shell script) gets the signal from the terminal and the supervisor's forwarded one milliseconds
 * later; a person pressing Ctrl-C again because a stop hangs does so seconds later. The supervisor
 * cannot tell a group's signal from its own, so the service tells them apart by time.
 */
export const REPEATED_SIGNAL_MS = 2000;

/** The signals a person or a process manager stops a service with; the others stay close-with-grace's. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
type StopSignal = (typeof STOP_SIGNALS)[number];

/**
 * On the first SIGINT/SIGTERM (or another terminating signal, or an uncaught error) runs `close`,
 * then exits (0, or 1 after an error); exits with 1 when `close` takes longer than `graceMs` or a
 * second signal arrives. A SIGINT/SIGTERM within REPEATED_SIGNAL_MS of the first is the same stop
 * and only noted. The one shutdown rule for every process (`runService` in
 * `@publisher/telemetry` installs it for each service).
 * @example
 * closeOnSignal(logger, 10_000, async () => { await relay.close(); });
 */
export function closeOnSignal(
  logger: ShutdownLogger,
  graceMs: number,
  close: () => Promise<void>,
): { uninstall: () => void } {
  let stoppingSince: number | undefined;
  let firstSignal: StopSignal | undefined;
  // close-with-grace exits at any second signal; SIGINT/SIGTERM are handled here so that a copy of
  // the first can be told from a second request. Its timeout and error handling stay in charge.
  const handle = closeWithGrace(
    {
      delay: graceMs,
      skip: [...STOP_SIGNALS],
      logger: { error: (message: unknown) => logger.error({ err: message }, 'shutdown failed') },
    },
    async ({ signal, err }) => {
      stoppingSince ??= Date.now();
      if (err) logger.error({ err }, 'closing after an uncaught error');
      else logger.info({ signal: signal ?? firstSignal }, 'closing gracefully');
      await close();
      logger.info('closed');
    },
  );
  const onStopSignal = (signal: StopSignal) => {
    if (stoppingSince === undefined) {
      firstSignal = signal;
      handle.close();
      return;
    }
    if (Date.now() - stoppingSince < REPEATED_SIGNAL_MS) {
      logger.info({ signal }, 'already closing (the signal repeated at once: one stop)');
      return;
    }
    logger.error({ err: `second ${signal}, exiting` }, 'shutdown failed');
    process.exit(1);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onStopSignal);
  return {
    uninstall() {
      handle.uninstall();
      for (const signal of STOP_SIGNALS) process.removeListener(signal, onStopSignal);
    },
  };
}
