/**
 * Documents — stored by the projector with each row, or rendered by PostgreSQL for rows written
 * before the column existed — against the TypeScript path — load the row, `representation(row)`,
 * `JSON.stringify` — for the same stored rows: same bytes, and where bytes cannot match (numbers
 * PostgreSQL spells differently, read-time rendering only) the same JSON value, keys in the same order.
 */
import { createTestDatabase } from '@publisher/testing';
import t from 'tap';
import {
  compactJson,
  createReadModelConnection,
  deploymentRepresentation,
  jsonbOrdered,
  listDeploymentDocuments,
  listDeployments,
  listPublishingRecordDocuments,
  listPublishingRecords,
  loadDeploymentDocuments,
  loadDeployments,
  loadPublishingRecordDocuments,
  loadPublishingRecords,
  migrateReadModel,
  publishingRecordRepresentation,
  saveDeployments,
  savePublishingRecords,
} from '../src/index.ts';
import { deploymentRow, recordRow } from './helpers.ts';

const database = await createTestDatabase('read_model_documents');
t.teardown(database.drop);
const conn = createReadModelConnection({ connectionString: database.url });
t.teardown(conn.close);
const { db, pool } = conn;
await migrateReadModel(pool);

/** Clears rows' stored documents: rows written before migration 2 have none. */
async function forgetDocuments(table: 'publishing_records' | 'deployments', ids: readonly string[]): Promise<void> {
  await pool.query(`UPDATE read_model.${table} SET document = NULL WHERE id = any($1::uuid[])`, [ids]);
}

const awkward = 'q"uote \\ back\nline\ttab \u0001 \u001f del\u007f é 漢字 😀 \u2028 a: b, c';

t.test('compactJson drops whitespace between tokens, never inside strings', async (t) => {
  t.equal(compactJson('{"a": [1, "b c"], "d": {"e": null}}'), '{"a":[1,"b c"],"d":{"e":null}}');
  t.equal(compactJson('{"k": "x\\" : y, z"}'), '{"k":"x\\" : y, z"}', 'an escaped quote does not end the string');
  t.equal(compactJson('{"k": "ends in backslash\\\\", "n": 1}'), '{"k":"ends in backslash\\\\","n":1}');
  t.equal(compactJson('{"a":1}'), '{"a":1}', 'compact input comes back as is');
  t.equal(compactJson(' \n\t{ }\r'), '{}');
  // Random documents, spread out with indentation, come back as JSON.stringify writes them.
  const pieces = ['"', '\\', ' ', ': ', ', ', 'a', '\n', '{', ']', 'é', '\\"'];
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const text = () => Array.from({ length: random(8) }, () => pieces[random(pieces.length)]).join('');
  const value = (depth: number): unknown => {
    const kind = random(depth > 2 ? 3 : 5);
    if (kind === 0) return text();
    if (kind === 1) return random(1000) - 500;
    if (kind === 2) return [null, true, false][random(3)];
    if (kind === 3) return Array.from({ length: random(4) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: random(4) }, () => [text(), value(depth + 1)]));
  };
  let same = 0;
  for (let i = 0; i < 500; i++) {
    const v = { root: value(0) };
    if (compactJson(JSON.stringify(v, null, i % 2 ? 2 : '\t')) === JSON.stringify(v)) same++;
  }
  t.equal(same, 500, '500 random documents');
});

for (const stored of [true, false]) {
  const how = stored ? 'stored' : 'rendered at read time';
  t.test(`publishing records: a document (${how}) is the JSON of the representation of the same row`, async (t) => {
    const rows = [
      recordRow(),
      recordRow({
        status: 'published',
        external_url: 'https://blog.test/p?a=1&b="2"',
        external_id: awkward,
        attempts: 3,
        revision: 7,
        published_at: '2024-05-02T10:00:00.999Z',
      }),
      recordRow({ status: 'failed', error_message: awkward, deleted: true }),
      recordRow({
        destination: 'wordpress',
        destination_config: {
          nested: { list: [1, -2, 0.5, true, false, null, 'x, y: z', [], {}] },
          'key with space': 1,
        },
        metadata: { [awkward]: awkward, longer_key_first: 1, k: { deep: { deeper: ['a', { b: 'c' }] } } },
      }),
    ];
    await savePublishingRecords(db, rows);
    const ids = rows.map((r) => r.id);
    if (!stored) {
      await forgetDocuments('publishing_records', ids);
      // Sub-millisecond timestamps, as PostgreSQL may hold them: both paths truncate to milliseconds.
      await pool.query(
        `UPDATE read_model.publishing_records SET created_at = '2024-05-01 10:00:00.123987+00',
           updated_at = '2024-05-01 10:00:01.9999+00', published_at = '1999-12-31 23:59:59.000001+00' WHERE id = $1`,
        [rows[1]!.id],
      );
    }
    const [docs, loaded] = await Promise.all([
      loadPublishingRecordDocuments(pool, ids),
      loadPublishingRecords(db, ids),
    ]);
    t.equal(docs.size, rows.length, 'every row has a document, deleted ones included');
    for (const row of rows) {
      const doc = docs.get(row.id)!;
      t.equal(
        doc.json,
        JSON.stringify(publishingRecordRepresentation(loaded.get(row.id)!)),
        `record ${row.id}: same bytes`,
      );
      t.same(
        { id: doc.id, account_id: doc.account_id, site_id: doc.site_id, deleted: doc.deleted, revision: doc.revision },
        { id: row.id, account_id: row.account_id, site_id: row.site_id, deleted: row.deleted, revision: row.revision },
        'with what tenancy, deletion and the ETag need',
      );
    }
    if (!stored) {
      t.match(
        docs.get(rows[1]!.id)!.json,
        /"created_at":"2024-05-01T10:00:00.123Z","updated_at":"2024-05-01T10:00:01.999Z"/,
      );
    }
    t.same(await loadPublishingRecordDocuments(pool, []), new Map(), 'no ids, no query');
  });

  t.test(`deployments: a document (${how}) is the JSON of the representation of the same row`, async (t) => {
    const rows = [
      deploymentRow(),
      deploymentRow({
        sector_id: 4,
        status: 'rolled_back',
        deployment_url: 'https://site.test/',
        error_message: awkward,
        metadata: { commit: 'abc', files: [1, 2, 3], [awkward]: { z: 1, a: 2 } },
        deployed_at: '2024-05-03T00:00:00.000Z',
        rolled_back_at: '2024-05-04T00:00:00.001Z',
      }),
    ];
    await saveDeployments(db, rows);
    const ids = rows.map((r) => r.id);
    if (!stored) await forgetDocuments('deployments', ids);
    const [docs, loaded] = await Promise.all([loadDeploymentDocuments(pool, ids), loadDeployments(db, ids)]);
    for (const row of rows) {
      const doc = docs.get(row.id)!;
      t.equal(
        doc.json,
        JSON.stringify(deploymentRepresentation(loaded.get(row.id)!)),
        `deployment ${row.id}: same bytes`,
      );
      t.equal(doc.deleted, false);
    }
  });
}

t.test('the projector stores documents: one per row written, rewritten with the row', async (t) => {
  const row = recordRow({ metadata: { b: 1, a: 2 } });
  await savePublishingRecords(db, [row]);
  const storedDocument = async (table: string, id: string) =>
    (await pool.query(`SELECT document FROM read_model.${table} WHERE id = $1`, [id])).rows[0].document;
  t.equal(
    await storedDocument('publishing_records', row.id),
    JSON.stringify(publishingRecordRepresentation({ ...row, metadata: { a: 2, b: 1 } })),
    'free-form keys in jsonb order',
  );
  await savePublishingRecords(db, [{ ...row, status: 'published', revision: 1 }]);
  t.match(await storedDocument('publishing_records', row.id), /"status":"published".*"revision":1,/, 'rewritten');
  const deployment = deploymentRow();
  await saveDeployments(db, [deployment]);
  t.equal(await storedDocument('deployments', deployment.id), JSON.stringify(deploymentRepresentation(deployment)));
});

t.test('jsonbOrdered puts keys in jsonb order: by UTF-8 length, then bytes; arrays keep theirs', async (t) => {
  t.equal(
    JSON.stringify(jsonbOrdered({ title: 'x', id: 1, é: { zz: 1, b: [{ y: 1, x: 2 }] }, ab: null })),
    '{"ab":null,"id":1,"é":{"b":[{"x":2,"y":1}],"zz":1},"title":"x"}',
  );
  t.equal(JSON.stringify(jsonbOrdered(JSON.parse('{"__proto__":1,"a":2}'))), '{"a":2,"__proto__":1}', '__proto__');
  t.equal(jsonbOrdered('text'), 'text');
  t.same(jsonbOrdered([3, 1, 2]), [3, 1, 2]);
  const inOrder = { a: 1, bb: [{ x: 1, yy: 2 }], ccc: { d: null } };
  t.equal(jsonbOrdered(inOrder), inOrder, 'a value already in order comes back as it is, not copied');
  const nested = { a: 1, b: { z: 1, y: 2 } };
  t.equal(JSON.stringify(jsonbOrdered(nested)), '{"a":1,"b":{"y":2,"z":1}}', 'reordered deep down: copied');
  t.equal(JSON.stringify(nested), '{"a":1,"b":{"z":1,"y":2}}', 'the input is left alone');
});

t.test('stored and read-time documents of random free-form JSON are the rows read back', async (t) => {
  // Keys that sort differently by characters, UTF-16 units and UTF-8 bytes; integer-like keys
  // (JavaScript objects list those first); __proto__ and the empty key.
  const keys = ['a', 'b', 'ab', 'é', 'e', 'z', '\uffff', '😀', '\ue000', '漢', '1', '10', '01', '2', '__proto__', ''];
  let seed = 11;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const object = (depth: number): Record<string, unknown> =>
    Object.fromEntries(Array.from({ length: random(6) }, () => [keys[random(keys.length)]!, value(depth)]));
  const value = (depth: number): unknown => {
    const kind = random(depth > 2 ? 3 : 5);
    if (kind === 0) return keys[random(keys.length)];
    if (kind === 1) return random(100_000) - 50_000;
    if (kind === 2) return [null, true, false, 0.25][random(4)];
    if (kind === 3) return Array.from({ length: random(4) }, () => value(depth + 1));
    return object(depth + 1);
  };
  const rows = Array.from({ length: 200 }, () =>
    recordRow({ account_id: 77, destination_config: object(1), metadata: object(0) }),
  );
  await savePublishingRecords(db, rows);
  const ids = rows.map((r) => r.id);
  const loaded = await loadPublishingRecords(db, ids);
  const expected = (id: string) => JSON.stringify(publishingRecordRepresentation(loaded.get(id)!));
  const stored = await loadPublishingRecordDocuments(pool, ids);
  t.equal(ids.filter((id) => stored.get(id)!.json === expected(id)).length, rows.length, 'stored: same bytes');
  await forgetDocuments('publishing_records', ids);
  const rendered = await loadPublishingRecordDocuments(pool, ids);
  t.equal(ids.filter((id) => rendered.get(id)!.json === expected(id)).length, rows.length, 'rendered: same bytes');
});

t.test('numbers PostgreSQL spells its own way: stored, same bytes; rendered at read time, same value', async (t) => {
  const row = recordRow({ metadata: { big: 1e21, small: 1e-7, whole: 2.5e3 } });
  await savePublishingRecords(db, [row]);
  const ts = JSON.stringify(publishingRecordRepresentation((await loadPublishingRecords(db, [row.id])).get(row.id)!));
  t.equal((await loadPublishingRecordDocuments(pool, [row.id])).get(row.id)!.json, ts, 'the stored document');
  await forgetDocuments('publishing_records', [row.id]);
  const doc = (await loadPublishingRecordDocuments(pool, [row.id])).get(row.id)!;
  t.not(doc.json, ts, 'jsonb writes 1e21 and 1e-7 out in full');
  t.equal(JSON.stringify(JSON.parse(doc.json)), ts, 'parsed, they are the same document');
});

t.test('lists of documents: the same page, order and count as the row lists, as JSON', async (t) => {
  const account = 31;
  const rows = [];
  for (let i = 0; i < 7; i++) {
    rows.push(
      recordRow({
        account_id: account,
        site_id: 300 + (i % 2),
        status: i % 3 === 0 ? 'failed' : 'pending',
        error_message: i % 3 === 0 ? awkward : null,
        metadata: { i, note: 'x, y: z' },
        deleted: i === 5,
      }),
    );
  }
  await savePublishingRecords(db, rows);
  await saveDeployments(db, [deploymentRow({ account_id: account, site_id: 300, metadata: { a: [1, 2] } })]);
  const scope = { account_id: account, site_ids: null };
  const cases = [
    { page: 1, page_size: 20 },
    { page: 1, page_size: 3, ordering: 'created_at' as const },
    { page: 2, page_size: 3, ordering: '-updated_at' as const },
    { page: 9, page_size: 3 },
    { page: 1, page_size: 20, filters: { site_id: 301, status: ['pending' as const] } },
  ];
  for (const options of cases) {
    const [docs, plain] = await Promise.all([
      listPublishingRecordDocuments(db, scope, options),
      listPublishingRecords(db, scope, options),
    ]);
    t.equal(docs.count, plain.count, `${JSON.stringify(options)}: count`);
    t.same(
      docs.rows,
      plain.rows.map((r) => JSON.stringify(publishingRecordRepresentation(r))),
      `${JSON.stringify(options)}: same documents, same order`,
    );
  }
  const [deployments, plainDeployments] = await Promise.all([
    listDeploymentDocuments(db, scope, { page: 1, page_size: 20 }),
    listDeployments(db, scope, { page: 1, page_size: 20 }),
  ]);
  t.equal(deployments.count, 1);
  t.same(
    deployments.rows,
    plainDeployments.rows.map((r) => JSON.stringify(deploymentRepresentation(r))),
  );
});
