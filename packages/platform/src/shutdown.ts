import closeWithGrace from 'close-with-grace';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';

/**
 * On the first SIGINT/SIGTERM (or an uncaught error) runs `close`, then exits (0, or 1 after an
 * error); exits with 1 when `close` takes longer than `graceMs` or a second signal arrives. The one
 * shutdown rule for every process: the APIs (through `closeGracefully`), the projector, the relay and
 * the worker.
 * @example
 * closeOnSignal(logger, 10_000, async () => { await relay.close(); });
 */
export function closeOnSignal(
  logger: Pick<FastifyBaseLogger, 'info' | 'error'>,
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

/**
 * `closeOnSignal` for an app: the server stops accepting connections, in-flight requests finish
 * (new ones on kept-alive connections get a 503 envelope), then the app's onClose hooks run and
 * `afterClose` releases what the app does not own (pools, stores). Works on an app that is already
 * listening.
 * @example
 * await app.listen({ port, host });
 * closeGracefully(app, config.shutdownGraceMs, async () => { await store.close(); await pool.end(); });
 */
export function closeGracefully(
  app: FastifyInstance,
  graceMs: number,
  afterClose: () => Promise<void> = async () => {},
): { uninstall: () => void } {
  return closeOnSignal(app.log, graceMs, async () => {
    await app.close();
    await afterClose();
  });
}
