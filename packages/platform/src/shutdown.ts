import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';

/**
 * On SIGINT/SIGTERM (or an uncaught error) closes the app: the server stops accepting connections,
 * in-flight requests finish (new ones on kept-alive connections get a 503 envelope), then the
 * app's onClose hooks release pools and stores. Exits anyway after `graceMs`.
 * @example
 * await app.listen({ port, host });
 * closeGracefully(app, config.shutdownGraceMs);
 */
export function closeGracefully(app: FastifyInstance, graceMs: number): { uninstall: () => void } {
  const handle = closeWithGrace({ delay: graceMs }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'closing after an uncaught error');
    else app.log.info({ signal }, 'closing gracefully');
    await app.close();
  });
  app.addHook('onClose', async () => handle.uninstall());
  return { uninstall: handle.uninstall };
}
