/**
 * The audit read model against the real PostgreSQL: saving is idempotent, the search is
 * tenant-scoped in SQL, each filter narrows, pages go newest first with keyset cursors both ways,
 * counts stop at the cap (a search by tenant and site alone sums the counts a trigger keeps), an
 * account's search by each filter reads its page from an index in page order, and the snapshot's record listing sees records created by a time.
 */

import { randomUUID } from 'node:crypto';
import type { TenantScope } from '@publisher/platform';
import { createTestDatabase } from '@publisher/testing';
import t from 'tap';
import { AUDIT_COUNT_CAP, auditEventDocument } from '../src/audit-events.ts';
import { BatchedReader } from '../src/batched-reader.ts';
import {
  type AuditEventDocument,
  type AuditEventRow,
  copyAuditEvents,
  countsSql,
  createReadModelConnection,
  listRecordsCreatedBy,
  migrateReadModel,
  type RowSource,
  searchAuditEvents,
} from '../src/index.ts';

const database = await createTestDatabase('audit_events');
t.teardown(database.drop);
const conn = createReadModelConnection({ connectionString: database.url });
t.teardown(conn.close);
const { db, pool, reader } = conn;
await migrateReadModel(pool);

let seq = 0;
const position = () => {
  seq += 1;
  return `${'0'.repeat(15)}1-${seq.toString(16).padStart(16, '0')}`;
};

function auditRow(over: Partial<AuditEventRow> = {}): AuditEventRow {
  const record = randomUUID();
  return {
    event_id: randomUUID(),
    position: position(),
    type: 'PublishingStarted',
    aggregate: 'publishing_record',
    record_id: record,
    revision: 1,
    account_id: 1,
    site_id: 10,
    sector_id: 100,
    actor_user_id: 'ann',
    actor_role: 'editor',
    correlation_id: 'corr-0',
    occurred_at: '2024-05-01T10:00:00.000Z',
    recorded_at: '2024-05-01T10:00:00.010Z',
    ...over,
  };
}

/** Appends rows as the projector does (COPY, in a transaction of its own here). */
async function save(rows: readonly AuditEventRow[]): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await copyAuditEvents(client, rows);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}

/** A page's events as the rows they came from (their JSON read back, the actor flattened). */
function rowsOf(page: { rows: readonly AuditEventDocument[] }): AuditEventRow[] {
  return page.rows.map((r) => {
    const { actor, ...rest } = JSON.parse(r.document) as Omit<AuditEventRow, 'actor_user_id' | 'actor_role'> & {
      actor: { user_id: string | null; role: string | null };
    };
    return { ...rest, actor_user_id: actor.user_id, actor_role: actor.role };
  });
}
const ids = (rows: readonly AuditEventDocument[]) => rowsOf({ rows }).map((r) => r.event_id);
const account = (account_id: number, site_ids: number[] | null = null): TenantScope => ({ account_id, site_ids });
const anyAccount: TenantScope = { account_id: 'any', site_ids: null };

t.test('an audit document is the row as JSON, fields in the row’s order, the actor nested', async (t) => {
  const odd = 'quote " back\\slash \u0000 \u001f tab\t line\n ünï 🚀 lone \ud800 \u2028';
  for (const row of [
    auditRow(),
    auditRow({ type: odd, aggregate: odd, position: odd, event_id: odd, actor_user_id: odd, actor_role: odd }),
    auditRow({ correlation_id: odd, record_id: null, account_id: null, site_id: null, sector_id: null }),
    auditRow({ actor_user_id: null, actor_role: null, correlation_id: null, revision: 0 }),
  ]) {
    const { actor_user_id, actor_role, correlation_id, occurred_at, recorded_at, ...head } = row;
    const expected = JSON.stringify({
      ...head,
      actor: { user_id: actor_user_id, role: actor_role },
      correlation_id,
      occurred_at,
      recorded_at,
    });
    t.equal(auditEventDocument(row), expected);
  }
});

t.test('rows round-trip, text escaped; an event stored twice fails the batch and stores nothing', async (t) => {
  const row = auditRow({ account_id: 50, sector_id: null, correlation_id: 'tab\there, new\nline, back\\slash' });
  await save([row]);
  const fresh = auditRow({ account_id: 50 });
  await t.rejects(save([fresh, { ...row, type: 'Changed' }]), { code: '23505' }, 'a unique violation');
  const page = await searchAuditEvents(reader, account(50), { page_size: 10 });
  t.same(rowsOf(page), [row], 'stored once, as saved; nothing of the failed batch');
  t.equal(page.count, 1);
});

t.test('every field reaches the JSON escaped or as null, whatever its text, as JSON.stringify writes it', async (t) => {
  const odd = (f: string) =>
    `${f}: quote " back\\slash tab\t nl\n cr\r \b \f \u0001 \u001f \u007f \u2028 é 😀 </script> {"x":1}`;
  const rows = [
    auditRow({
      account_id: 56,
      type: odd('type'),
      aggregate: odd('aggregate'),
      actor_user_id: odd('actor'),
      actor_role: odd('role'),
      correlation_id: odd('correlation'),
      occurred_at: '2024-05-01T10:00:00.001Z',
    }),
    auditRow({
      account_id: 56,
      record_id: null,
      site_id: null,
      sector_id: null,
      actor_user_id: null,
      actor_role: null,
      correlation_id: null,
      occurred_at: '2024-05-01T10:00:00.002Z',
    }),
  ];
  await save(rows);
  const page = await searchAuditEvents(reader, account(56), { page_size: 10 });
  t.same(rowsOf(page), [...rows].reverse(), 'each document parses back to its row');
  t.same(
    page.rows.map((r) => Object.keys(JSON.parse(r.document) as object)),
    Array(2).fill([
      ...Object.keys(rows[0] as object)
        .filter((k) => !k.startsWith('actor_'))
        .slice(0, 9),
      'actor',
      'correlation_id',
      'occurred_at',
      'recorded_at',
    ]),
    'fields in the row’s order, the actor nested',
  );
  t.same(
    page.rows.map((r) => r.document),
    [...rows].reverse().map(({ actor_user_id, actor_role, correlation_id, occurred_at, recorded_at, ...head }) =>
      JSON.stringify({
        ...head,
        actor: { user_id: actor_user_id, role: actor_role },
        correlation_id,
        occurred_at,
        recorded_at,
      }),
    ),
    'each document is its row as JSON, the actor nested',
  );
});

t.test('tenancy is applied in SQL: an account, its sites, or any account', async (t) => {
  const a = auditRow({ account_id: 60, site_id: 1, occurred_at: '2024-05-02T00:00:01.000Z' });
  const b = auditRow({ account_id: 60, site_id: 2, occurred_at: '2024-05-02T00:00:02.000Z' });
  const c = auditRow({ account_id: 61, site_id: 1, occurred_at: '2024-05-02T00:00:03.000Z' });
  const untenanted = auditRow({ account_id: null, site_id: null, occurred_at: '2024-05-02T00:00:04.000Z' });
  await save([a, b, c, untenanted]);
  const window = { from: '2024-05-02T00:00:00.000Z', to: '2024-05-03T00:00:00.000Z' };
  const search = (scope: TenantScope) => searchAuditEvents(reader, scope, { filters: window, page_size: 10 });
  t.same(ids((await search(account(60))).rows), [b.event_id, a.event_id], 'own account, newest first');
  t.same(ids((await search(account(60, [2]))).rows), [b.event_id], 'only the token’s sites');
  t.same(ids((await search(account(60, []))).rows), [], 'an empty site list sees nothing');
  t.same(
    ids((await search(anyAccount)).rows),
    [untenanted.event_id, c.event_id, b.event_id, a.event_id],
    'any account sees every event, untenanted ones too',
  );
});

t.test('each filter narrows the search', async (t) => {
  const at = (s: number) => `2024-05-03T00:00:${String(s).padStart(2, '0')}.000Z`;
  const record = randomUUID();
  const base = { account_id: 70, occurred_at: at(1) };
  const rows = [
    auditRow({ ...base, site_id: 1 }),
    auditRow({ ...base, site_id: 2, occurred_at: at(2) }),
    auditRow({ ...base, record_id: record, occurred_at: at(3) }),
    auditRow({ ...base, actor_user_id: 'bob', occurred_at: at(4) }),
    auditRow({ ...base, correlation_id: 'corr-x', occurred_at: at(5) }),
    auditRow({ ...base, type: 'PublishingFailed', occurred_at: at(6) }),
  ];
  await save(rows);
  const [site1, site2, ofRecord, byBob, correlated, failed] = rows.map((r) => r.event_id);
  const search = async (filters: Parameters<typeof searchAuditEvents>[2]['filters']) =>
    ids((await searchAuditEvents(reader, account(70), { filters, page_size: 10 })).rows);
  t.same(await search({ site_id: 2 }), [site2]);
  t.same(await search({ record_id: record }), [ofRecord]);
  t.same(await search({ actor: 'bob' }), [byBob]);
  t.same(await search({ correlation_id: 'corr-x' }), [correlated]);
  t.same(await search({ type: 'PublishingFailed' }), [failed]);
  t.same(await search({ from: at(2), to: at(4) }), [ofRecord, site2], 'from inclusive, to exclusive');
  t.same(await search({ site_id: 10, type: 'PublishingStarted', from: at(4) }), [correlated, byBob], 'combined');
  t.same(await search({ site_id: 1 }), [site1]);
});

t.test('pages go newest first (time, then log position) and walk both ways by cursor', async (t) => {
  const sameTime = '2024-05-04T00:00:00.000Z';
  // Ten events at one instant (ordered by position), and five later ones.
  const rows = [
    ...Array.from({ length: 10 }, () => auditRow({ account_id: 80, occurred_at: sameTime })),
    ...Array.from({ length: 5 }, (_, i) =>
      auditRow({ account_id: 80, occurred_at: `2024-05-04T00:00:0${i + 1}.000Z` }),
    ),
  ];
  await save(rows.slice().reverse());
  const expected = [...rows.slice(10).reverse(), ...rows.slice(0, 10).reverse()].map((r) => r.event_id);

  const forward: string[] = [];
  let page = await searchAuditEvents(reader, account(80), { page_size: 4 });
  t.equal(page.count, 15);
  t.equal(page.has_newer, false, 'the first page has no previous page');
  const pages = [page];
  while (page.has_older) {
    const last = page.rows.at(-1) as AuditEventDocument;
    page = await searchAuditEvents(reader, account(80), {
      page_size: 4,
      cursor: { direction: 'older', occurred_at: last.occurred_at, position: last.position },
    });
    t.equal(page.has_newer, true, 'a page after a cursor has a previous page');
    pages.push(page);
  }
  for (const p of pages) forward.push(...ids(p.rows));
  t.same(forward, expected, 'next pages cover every event once, newest first');
  t.same(
    pages.map((p) => p.rows.length),
    [4, 4, 4, 3],
  );

  const backward: string[][] = [];
  page = pages.at(-1) as typeof page;
  backward.unshift(ids(page.rows));
  while (page.has_newer) {
    const first = page.rows[0] as AuditEventDocument;
    page = await searchAuditEvents(reader, account(80), {
      page_size: 4,
      cursor: { direction: 'newer', occurred_at: first.occurred_at, position: first.position },
    });
    backward.unshift(ids(page.rows));
  }
  t.same(backward.flat(), expected, 'previous pages walk back to the first, each page newest first');
  t.equal(backward.length, 4);
});

t.test('the count stops at the cap', async (t) => {
  const rows = Array.from({ length: AUDIT_COUNT_CAP + 5 }, () => auditRow({ account_id: 90 }));
  await save(rows);
  const page = await searchAuditEvents(reader, account(90), { page_size: 3 });
  t.equal(page.count, AUDIT_COUNT_CAP);
  t.equal(page.rows.length, 3);
  t.equal(page.has_older, true);
});

/** The audit events of every account and site (0: none), as the counts table should hold them. */
async function countsByGrouping(schema = 'read_model'): Promise<Record<string, number>> {
  const { rows } = await pool.query(
    `SELECT coalesce(account_id, 0) AS a, coalesce(site_id, 0) AS s, count(*)::int AS n
       FROM ${schema}.audit_events GROUP BY 1, 2`,
  );
  return Object.fromEntries(rows.map((r) => [`${r.a}:${r.s}`, r.n]));
}

async function countsTable(schema = 'read_model'): Promise<Record<string, number>> {
  const { rows } = await pool.query(
    `SELECT account_id AS a, site_id AS s, events::int AS n FROM ${schema}.audit_counts`,
  );
  return Object.fromEntries(rows.map((r) => [`${r.a}:${r.s}`, r.n]));
}

t.test('a search by tenant and site alone counts from the counts kept by the trigger, equal to counting', async (t) => {
  const rows = Array.from({ length: 300 }, (_, i) =>
    auditRow({
      account_id: i % 13 === 0 ? null : 400 + (i % 3),
      site_id: i % 11 === 0 ? null : 1 + (i % 4),
      type: `Type${i % 2}`,
    }),
  );
  // Several statements, and one that fails: its rows and their counts go together.
  await save(rows.slice(0, 100));
  await save(rows.slice(100, 101));
  await t.rejects(save([...rows.slice(101, 150), rows[0]!]), { code: '23505' });
  await save(rows.slice(101));
  t.same(await countsTable(), await countsByGrouping(), 'the counts table equals a count of the audit table');

  const counted = async (scope: TenantScope, site_id?: number) => {
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM audit_events
        WHERE ($1::int IS NULL OR account_id = $1) AND ($2::int[] IS NULL OR site_id = any($2))
          AND ($3::int IS NULL OR site_id = $3)`,
      [scope.account_id === 'any' ? null : scope.account_id, scope.site_ids, site_id ?? null],
    );
    return Math.min(rows[0].n, AUDIT_COUNT_CAP);
  };
  const scopes = [
    account(400),
    account(401, [2, 3]),
    account(402, []),
    account(499),
    anyAccount,
    { account_id: 'any', site_ids: [1] } as const,
  ];
  for (const scope of scopes) {
    for (const site_id of [undefined, 1, 4]) {
      const page = await searchAuditEvents(reader, scope, { filters: { site_id }, page_size: 5 });
      t.equal(page.count, await counted(scope, site_id), `${JSON.stringify(scope)}, site ${site_id}`);
    }
  }
  const typed = await searchAuditEvents(reader, account(400), { filters: { site_id: 1, type: 'Type1' }, page_size: 5 });
  const { rows: expected } = await pool.query(
    `SELECT count(*)::int AS n FROM audit_events WHERE account_id = 400 AND site_id = 1 AND type = 'Type1'`,
  );
  t.equal(typed.count, expected[0].n, 'another filter counts its matches');
});

t.test('rows written with the trigger off are counted by countsSql (a rebuild); deletes uncount', async (t) => {
  const schema = 'audit_counts_rebuild';
  await migrateReadModel(pool, { schema, indexes: false });
  t.teardown(() => pool.query(`DROP SCHEMA ${schema} CASCADE`));
  await pool.query(`ALTER TABLE ${schema}.audit_events DISABLE TRIGGER audit_events_count`);
  const target = createReadModelConnection({ connectionString: database.url, schema, max: 2 });
  t.teardown(target.close);
  const rows = Array.from({ length: 50 }, (_, i) =>
    auditRow({ account_id: i % 7 === 0 ? null : 500 + (i % 2), site_id: i % 5 === 0 ? null : 7 }),
  );
  const client = await target.pool.connect();
  try {
    await copyAuditEvents(client, rows.slice(0, 20));
    await copyAuditEvents(client, rows.slice(20));
  } finally {
    client.release();
  }
  t.same(await countsTable(schema), {}, 'the trigger is off');
  await pool.query(countsSql(schema));
  t.same(await countsTable(schema), await countsByGrouping(schema), 'countsSql counts every row once');
  t.equal(Object.keys(await countsByGrouping(schema)).length, 6, 'accounts 500, 501 and none × site 7 and none');

  await pool.query(`ALTER TABLE ${schema}.audit_events ENABLE TRIGGER audit_events_count`);
  await pool.query(`DELETE FROM ${schema}.audit_events WHERE account_id = 500 OR site_id IS NULL`);
  const left = Object.entries(await countsTable(schema)).filter(([, n]) => n !== 0);
  t.same(Object.fromEntries(left), await countsByGrouping(schema), 'a delete uncounts');
  await pool.query(`TRUNCATE ${schema}.audit_events`);
  t.same(await countsTable(schema), {}, 'a truncate empties the counts');
});

interface PlanNode {
  'Node Type': string;
  Plans?: PlanNode[];
}
const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

t.test('an account’s search by each filter reads its page from an index in page order', async (t) => {
  // 20 accounts, 7 sites, 9 types and 49 actors, each acting in every account: enough rows for the
  // planner to choose by cost, as it would on a real log.
  const rows = Array.from({ length: 4000 }, (_, i) =>
    auditRow({
      account_id: 200 + (i % 20),
      site_id: 1 + (i % 7),
      actor_user_id: `actor-${i % 49}`,
      type: `Type${i % 9}`,
      correlation_id: `corr-${i}`,
      occurred_at: new Date(Date.UTC(2024, 6, 1) + i * 1000).toISOString(),
    }),
  );
  await save(rows);
  await pool.query('ANALYZE audit_events');
  const cases: Array<[string, Parameters<typeof searchAuditEvents>[2]['filters'], string, boolean]> = [
    ['no filter', {}, 'audit_events_account_time', true],
    ['site', { site_id: 3 }, 'audit_events_account_site_time', true],
    ['type', { type: 'Type2' }, 'audit_events_account_type_time', false],
    ['actor', { actor: 'actor-3' }, 'audit_events_account_actor_time', false],
  ];
  for (const [name, filters, index, fromCounts] of cases) {
    // The statement the reader sends, planned as the reader's connections plan it (generic plans).
    const sent: Array<{ text: string; values: unknown[] }> = [];
    const spy: RowSource = {
      stream: async (statement) => {
        sent.push(statement);
      },
    };
    await searchAuditEvents(new BatchedReader(spy), account(205), { filters, page_size: 20 });
    const client = await pool.connect();
    let plan: PlanNode;
    try {
      await client.query('SET plan_cache_mode = force_generic_plan');
      const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${sent[0]?.text}`, sent[0]?.values);
      await client.query('RESET plan_cache_mode');
      plan = rows[0]['QUERY PLAN'][0].Plan;
    } finally {
      client.release();
    }
    const text = JSON.stringify(plan);
    t.ok(text.includes(`"Index Name":"${index}"`), `${name}: the page reads ${index}`);
    // Only the batch's few result rows are ordered (by request); under each LIMIT, rows come in index order.
    const limited = nodes(plan).filter((n) => n['Node Type'] === 'Limit');
    t.ok(
      limited.length > 0 && limited.every((n) => n.Plans?.[0]?.['Node Type'] !== 'Sort'),
      `${name}: nothing is sorted under a LIMIT`,
    );
    t.equal(
      text.includes('"Relation Name":"audit_counts"'),
      fromCounts,
      `${name}: counted from audit_counts: ${fromCounts}`,
    );
  }
});

t.test('records created by a time: first events only, by record id, paged, scoped', async (t) => {
  const [r1, r2, r3, r4] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()].sort();
  const create = (record: string, occurred_at: string, over: Partial<AuditEventRow> = {}) =>
    auditRow({ account_id: 100, record_id: record, revision: 0, occurred_at, type: 'Created', ...over });
  await save([
    create(r1 as string, '2024-05-05T00:00:00.000Z', { aggregate: 'deployment' }),
    create(r2 as string, '2024-05-05T00:00:01.000Z'),
    auditRow({ account_id: 100, record_id: r2 as string, revision: 1, occurred_at: '2024-05-05T00:00:02.000Z' }),
    create(r3 as string, '2024-05-05T00:00:03.000Z'),
    create(r4 as string, '2024-05-05T00:00:01.000Z', { account_id: 101 }),
    auditRow({
      account_id: 100,
      record_id: null,
      revision: 0,
      aggregate: 'site_deployments',
    }),
  ]);
  const at = '2024-05-05T00:00:02.000Z';
  const first = await listRecordsCreatedBy(db, account(100), { as_of: at, limit: 1 });
  t.same(first, { records: [{ aggregate: 'deployment', record_id: r1 }], count: 2 });
  const second = await listRecordsCreatedBy(db, account(100), { as_of: at, limit: 1, after: r1 });
  t.same(second, { records: [{ aggregate: 'publishing_record', record_id: r2 }], count: 2 });
  const third = await listRecordsCreatedBy(db, account(100), { as_of: at, limit: 1, after: r2 });
  t.same(third.records, [], 'r3 was created later; r4 is another account’s; the ledger stream has no record');
});
