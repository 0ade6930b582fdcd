import { closeOnSignal } from '@publisher/coordination';
import type { FastifyInstance } from 'fastify';

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
