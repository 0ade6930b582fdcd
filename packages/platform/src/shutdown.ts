import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';

/**
 * On SIGINT/SIGTERM (or an uncaught error) closes the app: the server stops accepting connections,
 * in-flight requests finish (new ones on kept-alive connections get a 503 envelope), then the
 * app's onClose hooks run and `afterClose` releases what the app does not own (pools, stores).
 * Exits anyway after `graceMs`. Works on an app that is already listening.
 * @example
 * await app.listen({ port, host });
 * closeGracefully(app, config.shutdownGraceMs, async () => { await store.close(); await pool.end(); });
 */
export function closeGracefully(
  app: FastifyInstance,
  graceMs: number,
  afterClose: () => Promise<void> = async () => {},
): { uninstall: () => void } {
  const logger = { error: (message: unknown) => app.log.error({ err: message }, 'shutdown failed') };
  const handle = closeWithGrace({ delay: graceMs, logger }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'closing after an uncaught error');
    else app.log.info({ signal }, 'closing gracefully');
    await app.close();
    await afterClose();
    app.log.info('closed');
  });
  return { uninstall: handle.uninstall };
}
