import closeWithGrace from 'close-with-grace';

/** The logger calls shutdown makes (pino's and Fastify's loggers fit). */
export interface ShutdownLogger {
  info(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

/**
 * On the first SIGINT/SIGTERM (or an uncaught error) runs `close`, then exits (0, or 1 after an
 * error); exits with 1 when `close` takes longer than `graceMs` or a second signal arrives. The one
 * shutdown rule for every process: the APIs (through `closeGracefully`), the projector, the relay and
 * the worker.
 * @example
 * closeOnSignal(logger, 10_000, async () => { await relay.close(); });
 */
export function closeOnSignal(
  logger: ShutdownLogger,
  graceMs: number,
  close: () => Promise<void>,
): { uninstall: () => void } {
  const handle = closeWithGrace(
    { delay: graceMs, logger: { error: (message: unknown) => logger.error({ err: message }, 'shutdown failed') } },
    async ({ signal, err }) => {
      if (err) logger.error({ err }, 'closing after an uncaught error');
      else logger.info({ signal }, 'closing gracefully');
      await close();
      logger.info('closed');
    },
  );
  return { uninstall: handle.uninstall };
}
