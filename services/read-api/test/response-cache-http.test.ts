/**
 * The response cache through HTTP, on a real PostgreSQL with the real checkpoint watcher (LISTEN):
 * what a caller sees stays what a query would return at the announced checkpoint, per tenant.
 */
import {
  type CheckpointNotice,
  compareAndSetCheckpoint,
  createReadModelConnection,
  migrateReadModel,
  type PublishingRecordRow,
  savePublishingRecords,
  type WithDocument,
} from '@publisher/read-model';
import { createTestDatabase, waitUntil } from '@publisher/testing';
import t from 'tap';
import { buildApp } from '../src/app.ts';
import { auth, config, notifyCheckpoint, recordRow } from './helpers.ts';

const database = await createTestDatabase('read_api_cache');
t.teardown(database.drop);
const rm = createReadModelConnection({ connectionString: database.url });
t.teardown(rm.close);
await migrateReadModel(rm.pool);
const app = await buildApp({ config: config(database.url) }, { logger: false });
t.teardown(() => app.close());
const uncachedApp = await buildApp({ config: config(database.url, { READ_API_CACHE_MB: '0' }) }, { logger: false });
t.teardown(() => uncachedApp.close());

const base = '/api/v1/publisher/publishing-records';
/** How long, and how often, the waits below poll the cache's stats. */
const patience = { timeoutMs: 5000, intervalMs: 10 };
const get = (url: string, headers: Record<string, string> = auth(1), target = app) =>
  target.inject({ method: 'GET', url, headers });
const stats = async (target = app) =>
  (await target.inject({ method: 'GET', url: '/status', headers: auth(1, 'developer') })).json().data as {
    position: string | null;
    response_cache: { position: string | null; entries: number; hits: number; misses: number };
  };

let position: string | null = null;
let seq = 0;
/** What the projector does: rows and checkpoint in one transaction, the notice on commit. */
async function project(rows: WithDocument<PublishingRecordRow>[], accounts: number[] | undefined): Promise<string> {
  const next = `00000000000000a0-${(++seq).toString(16).padStart(16, '0')}`;
  await rm.db.transaction().execute(async (trx) => {
    await savePublishingRecords(trx, rows);
    if (!(await compareAndSetCheckpoint(trx, 'read_models', position, next))) throw new Error('checkpoint moved');
    const notice: CheckpointNotice = { schema: 'read_model', name: 'read_models', position: next };
    if (accounts) notice.accounts = accounts;
    await notifyCheckpoint(trx, notice);
  });
  position = next;
  // The notice travels on the watcher's own session: wait until the app has it.
  await waitUntil('the notice', async () => (await stats()).response_cache.position === next, patience);
  return next;
}

const mine = recordRow({ account_id: 1, site_id: 11, revision: 1 });
const theirs = recordRow({ account_id: 2, site_id: 21, revision: 1 });
await project([mine, theirs], [1, 2]);

/** Account `account`'s list page, as its viewer sees it (the pages the cache holds). */
const listOf = (account: number) => get(`${base}/`, auth(account));
const resultOf = (res: Awaited<ReturnType<typeof get>>, id: string) =>
  res.json().results.find((r: { id: string }) => r.id === id);

t.test('repeated reads are answered from the cache, each with its own request id', async (t) => {
  const before = await stats();
  const answers = [];
  for (let i = 0; i < 3; i++) answers.push(await listOf(1));
  const after = await stats();
  t.equal(after.response_cache.hits - before.response_cache.hits, 1, 'admitted on the second miss, hit on the third');
  t.equal(after.response_cache.entries, before.response_cache.entries + 1);
  for (const res of answers) {
    t.equal(res.statusCode, 200);
    t.match(res.headers['content-type'], /^application\/json/);
    t.equal(res.headers['x-read-position'], position);
    t.equal(res.json().request_id, res.headers['x-request-id'], 'the request id spliced in is this request’s');
    t.same(res.json().results, (await get(`${base}/`, auth(1), uncachedApp)).json().results);
  }
  t.equal(new Set(answers.map((r) => r.json().request_id)).size, 3);
  const custom = await get(`${base}/`, { ...auth(1), 'x-request-id': 'my-"quoted"-id' });
  t.equal(custom.json().request_id, 'my-"quoted"-id', 'escaped into valid JSON');
});

t.test('single-record reads are not cached; If-None-Match still answers 304', async (t) => {
  const before = await stats();
  for (let i = 0; i < 3; i++) {
    const res = await get(`${base}/${mine.id}`);
    t.equal(res.statusCode, 200);
    t.equal(res.headers.etag, '"1"');
    t.equal(res.headers['x-read-position'], position);
    t.equal(res.json().request_id, res.headers['x-request-id']);
  }
  const revalidated = await get(`${base}/${mine.id}`, { ...auth(1), 'if-none-match': '"1"' });
  t.equal(revalidated.statusCode, 304, 'If-None-Match against the current ETag');
  t.equal(revalidated.body, '');
  t.match((await stats()).response_cache, {
    entries: before.response_cache.entries,
    hits: before.response_cache.hits,
    misses: before.response_cache.misses,
  });
});

t.test('a cached response never reaches another tenant or a narrower token', async (t) => {
  for (let i = 0; i < 3; i++) await get(`${base}/${mine.id}`);
  for (let i = 0; i < 3; i++) await get(`${base}/`);
  t.equal((await get(`${base}/${mine.id}`, auth(2))).statusCode, 404, 'another account');
  t.equal((await get(`${base}/${mine.id}`, auth(1, 'editor', [12]))).statusCode, 404, 'a site it may not see');
  const theirList = (await get(`${base}/`, auth(2))).json();
  t.same(
    theirList.results.map((r: { id: string }) => r.id),
    [theirs.id],
  );
  const narrowed = (await get(`${base}/`, auth(1, 'editor', [12]))).json();
  t.equal(narrowed.count, 0);
  const admin = (await get(`${base}/?account_id=2`, auth(1, 'support'))).json();
  t.same(
    admin.results.map((r: { id: string }) => r.id),
    [theirs.id],
    'account_id narrows a privileged read',
  );
});

t.test('a change announced for an account replaces its cached answers and keeps the others', async (t) => {
  for (let i = 0; i < 3; i++) {
    await listOf(1);
    await listOf(2);
    await get(`${base}/`, auth(1, 'support'));
  }
  const published = recordRow({ ...mine, status: 'published', external_url: 'https://x.test/p', revision: 2 });
  await project([published], [1]);
  t.equal(resultOf(await listOf(1), mine.id).status, 'published', 'the changed account is read anew');
  const all = await get(`${base}/`, auth(1, 'support'));
  t.equal(resultOf(all, mine.id).status, 'published', 'cross-account list too');

  const before = await stats();
  const other = await listOf(2);
  t.equal(other.statusCode, 200);
  t.equal((await stats()).response_cache.hits, before.response_cache.hits + 1, "account 2's entry was kept");
  t.equal(other.headers['x-read-position'], position, 'and it carries the current position');
});

t.test('a notice without accounts (a rebuild) drops every entry', async (t) => {
  for (let i = 0; i < 3; i++) await listOf(2);
  t.ok((await stats()).response_cache.entries > 0);
  const renamed = recordRow({ ...theirs, metadata: { rebuilt: true } });
  await project([renamed], undefined);
  t.equal((await stats()).response_cache.entries, 0);
  t.same(resultOf(await listOf(2), theirs.id).metadata, { rebuilt: true });
});

t.test('a checkpoint moved without a notice is trusted for cached answers only after a grace period', async (t) => {
  for (let i = 0; i < 3; i++) await listOf(1);
  t.ok((await stats()).response_cache.entries > 0);
  const announced = position;
  const next = `00000000000000b0-${(++seq).toString(16).padStart(16, '0')}`;
  await rm.db.transaction().execute(async (trx) => {
    await savePublishingRecords(trx, [recordRow({ ...mine, attempts: 5, revision: 3 })]);
    t.ok(await compareAndSetCheckpoint(trx, 'read_models', position, next));
  });
  position = next;
  t.equal((await stats()).position, next, 'polling sees the new checkpoint');
  const cached = await listOf(1);
  t.equal(cached.headers['x-read-position'], announced, 'a cached answer names the position it is current at');
  const fresh = await get(`${base}/?min_position=${next}`);
  t.equal(resultOf(fresh, mine.id).attempts, 5, 'read-your-writes reads past the cache');
  t.equal(fresh.headers['x-read-position'], next);
  await waitUntil('the unannounced checkpoint', async () => (await stats()).response_cache.position === next, patience);
  t.match((await stats()).response_cache, { position: next, entries: 0 }, 'unannounced: everything dropped');
  t.equal(resultOf(await listOf(1), mine.id).attempts, 5);
});

t.test('read-your-writes requests bypass the cache; READ_API_CACHE_MB=0 turns it off', async (t) => {
  const before = await stats();
  for (let i = 0; i < 3; i++) {
    const res = await get(`${base}/?min_position=${position}`, auth(2));
    t.equal(res.statusCode, 200);
  }
  const after = await stats();
  t.equal(after.response_cache.entries, before.response_cache.entries);
  t.equal(
    after.response_cache.hits + after.response_cache.misses,
    before.response_cache.hits + before.response_cache.misses,
  );
  for (let i = 0; i < 3; i++) t.equal((await get(`${base}/`, auth(1), uncachedApp)).statusCode, 200);
  t.match((await stats(uncachedApp)).response_cache, { entries: 0, hits: 0 });
});
