import t from 'tap';
import { postgresFromEnv } from '../src/postgres.ts';

t.test('postgresFromEnv uses DATABASE_URL when it is set, and starts nothing', async (t) => {
  // The spaces stand for a value pasted into a .env file; nothing listens on port 1.
  const pg = await postgresFromEnv({
    env: { DATABASE_URL: ' postgres://x@127.0.0.1:1/y ' },
    starting: () => t.fail('no embedded server is started'),
  });
  t.equal(pg.url, 'postgres://x@127.0.0.1:1/y');
  t.equal(pg.embedded, false);
  await t.resolves(pg.stop());
});
