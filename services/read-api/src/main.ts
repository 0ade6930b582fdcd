import { fileURLToPath } from 'node:url';
import { closeGracefully } from '@publisher/platform';
import { buildApp } from './app.ts';
import { loadReadApiConfig, type ReadApiConfig } from './config.ts';

export interface RunningReadApi {
  /** `http://host:port` the API listens on. */
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the read API on `config.port` (READ_API_PORT, default 3001). Runs alone (`main`) or inside
 * `pnpm start` next to the other services.
 * @example
 * const api = await start(loadReadApiConfig(process.env));
 * await api.close();
 */
export async function start(config: ReadApiConfig): Promise<RunningReadApi> {
  if (!config.databaseUrl) throw new Error('DATABASE_URL is required (pnpm start provides an embedded PostgreSQL)');
  const app = await buildApp({ config });
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const url = address && typeof address === 'object' ? `http://${address.address}:${address.port}` : '';
  return { url, close: () => app.close() };
}

/** Runs the read API alone until SIGINT/SIGTERM (graceful: in-flight requests finish). */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = loadReadApiConfig(env);
  if (!config.databaseUrl) throw new Error('DATABASE_URL is required (pnpm start provides an embedded PostgreSQL)');
  const app = await buildApp({ config });
  closeGracefully(app, config.shutdownGraceMs);
  await app.listen({ port: config.port, host: config.host });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
