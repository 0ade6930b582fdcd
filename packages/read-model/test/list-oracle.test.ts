import type { TenantScope } from '@publisher/platform';
import { createTestDatabase } from '@publisher/testing';
import t from 'tap';
import {
  createReadModelConnection,
  listPublishingRecordDocuments,
  migrateReadModel,
  PUBLISHING_RECORD_ORDER_FIELDS,
  type PublishingRecordFilters,
  savePublishingRecords,
} from '../src/index.ts';
import { idsOf, recordRow } from './helpers.ts';

/*
 * Every filter × every ordering, walked by cursor while rows are inserted between pages, against
 * plain SQL over the same table: no row that existed before the walk is skipped, none comes
 * twice, the order is the SQL's, and nothing outside the scope shows.
 */

const database = await createTestDatabase('read_model_oracle');
t.teardown(database.drop);
const conn = createReadModelConnection({ connectionString: database.url });
t.teardown(conn.close);
await migrateReadModel(conn.pool);

const statuses = ['pending', 'publishing', 'published', 'failed'] as const;
let n = 0;
/** A row of account 1 (or `account`), its fields spread over the filters' values. */
const row = (account = 1) => {
  n++;
  const status = statuses[n % 4]!;
  return recordRow({
    account_id: account,
    site_id: 11 + (n % 3),
    status,
    destination: n % 2 ? 'webhook' : 'wordpress',
    content_id: 100 + (n % 5),
    published_at: status === 'published' ? `2024-0${1 + (n % 9)}-01T00:00:00.000Z` : null,
    deleted: n % 17 === 0,
  });
};
await savePublishingRecords(conn.db, [
  ...Array.from({ length: 40 }, () => row()),
  ...Array.from({ length: 10 }, () => row(2)),
]);

/** The filters as SQL over the table, the oracle's WHERE. */
function oracleWhere(scope: TenantScope, f: PublishingRecordFilters): [string, unknown[]] {
  const where = ['NOT deleted', 'account_id = $1'];
  const values: unknown[] = [scope.account_id];
  const add = (sql: string, v: unknown) => {
    values.push(v);
    where.push(sql.replace('?', `$${values.length}`));
  };
  if (scope.site_ids !== null) add('site_id = any(?::int[])', scope.site_ids);
  if (f.site_id !== undefined) add('site_id = ?', f.site_id);
  if (f.status !== undefined) add('status = any(?::text[])', f.status);
  if (f.destination !== undefined) add('destination = ?', f.destination);
  if (f.content_id !== undefined) add('content_id = ?', f.content_id);
  if (f.created_after !== undefined) add('created_at >= ?', f.created_after);
  return [where.join(' AND '), values];
}

const filterSets: PublishingRecordFilters[] = [
  {},
  { status: ['failed', 'published'] },
  { site_id: 12 },
  { destination: 'webhook' },
  { content_id: 102 },
  { created_after: '2024-05-01T00:00:10.000Z' },
];
const scopes: TenantScope[] = [
  { account_id: 1, site_ids: null },
  { account_id: 1, site_ids: [11, 13] },
];
const orderings = PUBLISHING_RECORD_ORDER_FIELDS.flatMap((f) => [f, `-${f}` as const]);

for (const scope of scopes)
  for (const filters of filterSets)
    t.test(`scope ${JSON.stringify(scope)} filters ${JSON.stringify(filters)}`, async (t) => {
      const [where, values] = oracleWhere(scope, filters);
      for (const ordering of orderings) {
        const field = ordering.replace('-', '');
        const dir = ordering.startsWith('-') ? 'DESC' : 'ASC';
        const oracle = async () =>
          (
            await conn.pool.query<{ id: string }>(
              `SELECT id FROM publishing_records WHERE ${where} ORDER BY ${field} ${dir} NULLS LAST, id ${dir}`,
              values,
            )
          ).rows.map((r) => r.id);
        const before = await oracle();
        const walked: string[] = [];
        let cursor: string | undefined;
        for (let page = 0; ; page++) {
          const found = await listPublishingRecordDocuments(conn.reader, scope, filters, {
            page_size: 6,
            ordering,
            ...(cursor === undefined ? {} : { cursor }),
          });
          walked.push(...idsOf(found));
          if (page === 0) t.equal(found.count, before.length, `${ordering}: the count is the SQL's`);
          // A row of this account and of another one arrive between the first pages.
          if (page < 2) await savePublishingRecords(conn.db, [row(), row(2)]);
          if (found.next === null) break;
          if (!('cursor' in found.next)) throw new Error('a next link is a cursor');
          cursor = found.next.cursor;
        }
        const after = await oracle();
        t.equal(new Set(walked).size, walked.length, `${ordering}: no row twice`);
        t.same(
          before.filter((id) => !walked.includes(id)),
          [],
          `${ordering}: every row that was there before the walk`,
        );
        t.same(
          walked,
          after.filter((id) => walked.includes(id)),
          `${ordering}: in the SQL's order, only rows the SQL selects`,
        );
      }
    });
