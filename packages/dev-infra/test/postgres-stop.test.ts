/**
 * Stopping an embedded PostgreSQL that a signal to the whole process group (Ctrl-C in a terminal)
 * has stopped already: `pnpm start` stops PostgreSQL last, after the services.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { startEmbeddedPostgres } from '../src/postgres.ts';

t.test('stop() returns at once when the server has already exited', async (t) => {
  const dataDir = path.join('.data', `pg-stop-test-${process.pid}`);
  const pg = await startEmbeddedPostgres({ dataDir });
  // The postmaster's pid is the first line of its pid file; SIGINT is PostgreSQL's fast shutdown.
  const pid = Number((await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  process.kill(pid, 'SIGINT');
  const gone = async () => {
    for (;;) {
      try {
        process.kill(pid, 0);
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await gone();
  let timer: NodeJS.Timeout | undefined;
  const stopped = await Promise.race([
    pg.stop().then(() => 'stopped'),
    new Promise((r) => {
      timer = setTimeout(() => r('still waiting after 5 s'), 5000);
    }),
  ]);
  clearTimeout(timer);
  t.equal(stopped, 'stopped');
});
