import type { TenantScope } from '@publisher/platform';
import { createTestDatabase } from '@publisher/testing';
import pg from 'pg';
import t from 'tap';
import { BatchedReader, RequestParams, type RowSource } from '../src/batched-reader.ts';
import {
  createReadModelConnection,
  findDeploymentDocument,
  findPublishingRecordDocument,
  listDeploymentDocuments,
  listPublishingRecordDocuments,
  migrateReadModel,
} from '../src/index.ts';

/*
 * How PostgreSQL runs the list statements: generic plans (planned once per statement, not per
 * batch) and, for each ordering that has an index, a page read in index order (no sort of an
 * account's rows, whatever its size).
 */

const database = await createTestDatabase('read_model_plans');
t.teardown(database.drop);
const conn = createReadModelConnection({ connectionString: database.url });
t.teardown(conn.close);
await migrateReadModel(conn.pool);
const scope: TenantScope = { account_id: 1, site_ids: null };

t.test("the batched reader's statements run generic plans; Kysely's pool keeps PostgreSQL's choice", async (t) => {
  const params = new RequestParams();
  params.add(1, 'int');
  const [row] = await conn.reader.run<{ mode: string }>("current_setting('plan_cache_mode') AS mode", '', params);
  t.equal(row?.mode, 'force_generic_plan');
  const { rows } = await conn.pool.query<{ mode: string }>("SELECT current_setting('plan_cache_mode') AS mode");
  t.equal(rows[0]?.mode, 'auto');
});

/** The statement a list call sends, planned as a generic plan would be, as EXPLAIN's JSON. */
async function planOf(list: (reader: BatchedReader) => Promise<unknown>): Promise<PlanNode> {
  const sent: Array<{ text: string; values: unknown[] }> = [];
  const spy: RowSource = {
    stream: async (statement) => {
      sent.push(statement);
    },
  };
  // Only the statement matters: the spy answers no rows, which a list may refuse to read.
  await list(new BatchedReader(spy)).catch(() => undefined);
  const { text, values } = sent[0]!;
  const client = new pg.Client({ connectionString: database.url, options: '-c search_path=read_model' });
  await client.connect();
  try {
    // Without sequential scans, an ordering no index provides shows as a Sort over the rows.
    await client.query('SET plan_cache_mode = force_generic_plan; SET enable_seqscan = off');
    const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (FORMAT JSON) ${text}`,
      values,
    );
    return rows[0]!['QUERY PLAN'][0].Plan;
  } finally {
    await client.end();
  }
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/**
 * The node under the page's Limit that reads the page's rows, past an Incremental Sort (which
 * sorts only rows that tie on the index's order: versions of one site, unique, tie on nothing).
 */
function pageReader(node: PlanNode): PlanNode | undefined {
  if (node['Node Type'] === 'Limit') {
    let reader = node.Plans?.[0];
    while (reader?.['Node Type'] === 'Incremental Sort') reader = reader.Plans?.[0];
    return reader;
  }
  for (const child of node.Plans ?? []) {
    const found = pageReader(child);
    if (found) return found;
  }
  return undefined;
}

const recordOrders = {
  created_at: 'publishing_records_account_created',
  '-created_at': 'publishing_records_account_created',
  updated_at: 'publishing_records_account_updated',
  '-updated_at': 'publishing_records_account_updated',
  '-published_at': 'publishing_records_account_published',
} as const;
for (const [ordering, index] of Object.entries(recordOrders)) {
  t.test(`publishing records ${ordering}: the page is read in index order`, async (t) => {
    const plan = await planOf((reader) =>
      listPublishingRecordDocuments(reader, scope, {}, { page_size: 20, ordering: ordering as never }),
    );
    const node = pageReader(plan);
    t.match(node, { 'Node Type': /^Index Scan/, 'Index Name': index }, JSON.stringify(plan));
    t.notMatch(plan['Node Type'], /Sort/, 'answers in the requests’ order without sorting them');
  });
}

const deploymentOrders = {
  created_at: 'deployments_account_created',
  '-created_at': 'deployments_account_created',
  '-updated_at': 'deployments_account_updated',
  '-deployed_at': 'deployments_account_deployed',
} as const;
for (const [ordering, index] of Object.entries(deploymentOrders)) {
  t.test(`deployments ${ordering}: the page is read in index order`, async (t) => {
    const plan = await planOf((reader) =>
      listDeploymentDocuments(reader, scope, {}, { page_size: 20, ordering: ordering as never }),
    );
    t.match(pageReader(plan), { 'Node Type': /^Index Scan/, 'Index Name': index }, JSON.stringify(plan));
    t.notMatch(plan['Node Type'], /Sort/, 'answers in the requests’ order without sorting them');
  });
}

t.test('a site’s deployments by version: the (account, site, version) index', async (t) => {
  const plan = await planOf((reader) =>
    listDeploymentDocuments(reader, scope, { site_id: 3 }, { page_size: 20, ordering: '-version' }),
  );
  t.match(pageReader(plan), { 'Node Type': /^Index Scan/, 'Index Name': 'deployments_account_site_version' });
});

t.test('records by id: answered in the requests’ order without sorting them', async (t) => {
  const id = '00000000-0000-4000-8000-000000000001';
  for (const find of [findPublishingRecordDocument, findDeploymentDocument]) {
    const plan = await planOf((reader) => find(reader, scope, id));
    t.match(plan, { 'Node Type': 'Nested Loop' }, JSON.stringify(plan));
  }
});
