/**
 * The access log against the real PostgreSQL: entries are listed newest first within the scope,
 * page both ways, and the database itself refuses to change or erase them; the group-commit writer
 * resolves each read once its entries are committed, and one bad entry fails only its own read.
 */

import { randomUUID } from 'node:crypto';
import type { TenantScope } from '@publisher/platform';
import { createTestDatabase } from '@publisher/testing';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import t from 'tap';
import { recordAccess } from '../src/access-log.ts';
import type { ReadModelDatabase } from '../src/database.ts';
import {
  type AccessLogEntry,
  accessLogWriter,
  createReadModelConnection,
  listAccessLog,
  migrateReadModel,
} from '../src/index.ts';

const database = await createTestDatabase('access_log');
t.teardown(database.drop);
const conn = createReadModelConnection({ connectionString: database.url });
t.teardown(conn.close);
const { db, pool } = conn;
await migrateReadModel(pool);

function entry(over: Partial<AccessLogEntry> = {}): AccessLogEntry {
  return {
    account_id: 1,
    site_id: 10,
    reader_user_id: 'sam',
    reader_role: 'support',
    reader_account_id: 99,
    action: 'history',
    record_kind: 'publishing_record',
    record_id: randomUUID(),
    query: { page_size: 20 },
    request_id: `req-${randomUUID()}`,
    ...over,
  };
}

const scope = (account_id: number, site_ids: number[] | null = null): TenantScope => ({ account_id, site_ids });

t.test('entries are listed newest first, with who, what, when and the request', async (t) => {
  const older = entry({ account_id: 5, action: 'history' });
  const newer = entry({
    account_id: 5,
    site_id: null,
    action: 'audit_search',
    record_kind: null,
    record_id: null,
    query: { actor: 'ann', from: '2024-05-01T00:00:00Z' },
  });
  await recordAccess(db, [older]);
  await recordAccess(db, [newer, entry({ account_id: 6 })]);
  const page = await listAccessLog(db, scope(5), { page_size: 10 });
  t.equal(page.count, 2, 'another account’s entries are not listed');
  t.match(page.rows, [
    { ...newer, id: Number, at: /^\d{4}-\d\d-\d\dT/ },
    { ...older, id: Number, at: /^\d{4}-\d\d-\d\dT/ },
  ]);
  t.ok((page.rows[0]?.id ?? 0) > (page.rows[1]?.id ?? 0));
  t.ok((page.rows[0]?.at ?? '') >= (page.rows[1]?.at ?? ''), 'the later read has the later time');
});

t.test('a token restricted to sites sees the reads of those sites only', async (t) => {
  await recordAccess(db, [
    entry({ account_id: 7, site_id: 1 }),
    entry({ account_id: 7, site_id: 2 }),
    entry({ account_id: 7, site_id: null }),
  ]);
  const page = await listAccessLog(db, scope(7, [2]), { page_size: 10 });
  t.same(
    page.rows.map((r) => r.site_id),
    [2],
  );
});

t.test('pages walk older and back by cursor', async (t) => {
  const entries = Array.from({ length: 5 }, (_, i) => entry({ account_id: 8, request_id: `r${i}` }));
  for (const e of entries) await recordAccess(db, [e]);
  const p1 = await listAccessLog(db, scope(8), { page_size: 2 });
  t.same(
    p1.rows.map((r) => r.request_id),
    ['r4', 'r3'],
  );
  t.same([p1.has_newer, p1.has_older], [false, true]);
  const p2 = await listAccessLog(db, scope(8), {
    page_size: 2,
    cursor: { direction: 'older', id: p1.rows[1]?.id ?? 0 },
  });
  const p3 = await listAccessLog(db, scope(8), {
    page_size: 2,
    cursor: { direction: 'older', id: p2.rows[1]?.id ?? 0 },
  });
  t.same(
    [...p2.rows, ...p3.rows].map((r) => r.request_id),
    ['r2', 'r1', 'r0'],
  );
  t.same([p3.has_newer, p3.has_older], [true, false]);
  const back = await listAccessLog(db, scope(8), {
    page_size: 2,
    cursor: { direction: 'newer', id: p3.rows[0]?.id ?? 0 },
  });
  t.same(
    back.rows.map((r) => r.request_id),
    ['r2', 'r1'],
  );
  t.same([back.has_newer, back.has_older], [true, true]);
});

t.test(
  'the writer commits reads arriving during an INSERT together, each resolved once its entries are in',
  async (t) => {
    let inserts = 0;
    const counted = new Kysely<ReadModelDatabase>({
      dialect: new PostgresDialect({ pool }),
      log: (e) => {
        if (e.level === 'query' && e.query.sql.startsWith('insert')) inserts++;
      },
    });
    const record = accessLogWriter(counted);
    const entries = Array.from({ length: 20 }, (_, i) =>
      entry({ account_id: 20, record_id: null, request_id: `batch-${i}` }),
    );
    await Promise.all(entries.map((e) => record([e])));
    t.equal(inserts, 2, 'the first alone, the 19 that came while it was out in one more');
    const page = await listAccessLog(db, scope(20), { page_size: 100 });
    t.same(
      page.rows.map((r) => r.request_id).sort(),
      entries.map((e) => e.request_id).sort(),
      'every read is recorded',
    );
    await record([]);
    t.equal(inserts, 2, 'nothing to record writes nothing');
  },
);

t.test('an entry PostgreSQL refuses fails its own read only, not the reads batched with it', async (t) => {
  const record = accessLogWriter(db);
  const good = [entry({ account_id: 21 }), entry({ account_id: 21 })];
  // jsonb refuses \u0000: a query string an edge let through must not fail its neighbours' reads.
  const bad = entry({ account_id: 21, query: { actor: 'a\u0000b' } });
  const first = record([entry({ account_id: 21 })]);
  const results = await Promise.allSettled([record([good[0]!]), record([bad]), record([good[1]!])]);
  await first;
  t.same(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  t.match((results[1] as PromiseRejectedResult).reason, { code: '22P05' });
  const page = await listAccessLog(db, scope(21), { page_size: 100 });
  t.equal(page.count, 3, 'the good reads and the first are recorded, the refused one is not');
});

t.test('a database that cannot be reached fails every waiting read', async (t) => {
  const broken = createReadModelConnection({ connectionString: 'postgres://nobody@127.0.0.1:1/none', max: 1 });
  t.teardown(broken.close);
  const record = accessLogWriter(broken.db);
  const results = await Promise.allSettled([record([entry()]), record([entry()]), record([entry()])]);
  t.same(
    results.map((r) => r.status),
    ['rejected', 'rejected', 'rejected'],
  );
});

t.test('the database refuses to edit or erase the log, whoever asks', async (t) => {
  await recordAccess(db, [entry({ account_id: 9 })]);
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  t.teardown(() => client.end());
  for (const statement of [
    'UPDATE audit_trail.access_log SET reader_user_id = $$someone else$$ WHERE account_id = 9',
    'DELETE FROM audit_trail.access_log WHERE account_id = 9',
    'TRUNCATE audit_trail.access_log',
  ]) {
    await t.rejects(client.query(statement), { code: '42501', message: /append-only/ }, statement);
  }
  const page = await listAccessLog(db, scope(9), { page_size: 10 });
  t.match(page.rows, [{ reader_user_id: 'sam' }], 'the entry is still there, unchanged');
});

t.test('migrating again keeps the log and its guards', async (t) => {
  await recordAccess(db, [entry({ account_id: 11 })]);
  await migrateReadModel(pool);
  await migrateReadModel(pool, { schema: 'read_model_rebuild', indexes: false });
  t.equal((await listAccessLog(db, scope(11), { page_size: 10 })).count, 1);
  await t.rejects(pool.query('DELETE FROM audit_trail.access_log'), { code: '42501' });
});
