import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Creates a fresh, uniquely named database on the server named by DATABASE_URL (which `pnpm test`
 * sets to the embedded server it started) so each test file is isolated from the others.
 *
 * @example
 * const db = await createTestDatabase('event_store');
 * t.teardown(db.drop);
 * const pool = new pg.Pool({ connectionString: db.url });
 */
export async function createTestDatabase(
  prefix = 'test',
): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('DATABASE_URL is not set: run the tests with `pnpm test`, which starts PostgreSQL');
  const name = `${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        // A pool's end() resolves before its connections have closed (pg-pool drops them from its
        // list, then ends them): dropped WITH (FORCE) at once, a database terminates sessions that
        // are still closing, and their clients raise an uncaught 57P01 in the test. Sessions going
        // away get a moment; FORCE then ends only the ones a test left open.
        for (let waited = 0; waited < 1000; waited += 20) {
          const { rows } = await c.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
            [name],
          );
          if (rows[0]?.n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
