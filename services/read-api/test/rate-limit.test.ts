/**
 * The read API's per-account rate limit: every counted answer says how much of the window is left,
 * and a request past the limit is 429 with Retry-After, for that account only.
 */
import { createReadModelConnection, migrateReadModel, savePublishingRecords } from '@publisher/read-model';
import { createTestDatabase } from '@publisher/testing';
import t from 'tap';
import { buildApp } from '../src/app.ts';
import { auth, config, recordRow } from './helpers.ts';

const database = await createTestDatabase('read_api_rate');
t.teardown(database.drop);
const rm = createReadModelConnection({ connectionString: database.url });
t.teardown(rm.close);
await migrateReadModel(rm.pool);
const record = recordRow({ account_id: 4 });
await savePublishingRecords(rm.db, [record]);
const app = await buildApp(
  { config: config(database.url, { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' }) },
  { logger: false },
);
t.teardown(() => app.close());

const get = (url: string, headers: Record<string, string>) => app.inject({ method: 'GET', url, headers });
const base = '/api/v1/publisher';

t.test('three requests per window per account, then 429 with Retry-After', async (t) => {
  const urls = [`${base}/publishing-records/`, `${base}/publishing-records/${record.id}`, `${base}/deployments/`];
  const remaining = [];
  for (const url of urls) {
    const res = await get(url, auth(4));
    t.equal(res.statusCode, 200, url);
    t.equal(res.headers['x-ratelimit-limit'], '3');
    const reset = Number(res.headers['x-ratelimit-reset']);
    t.ok(reset >= 1 && reset <= 60, `x-ratelimit-reset ${reset} is within the window`);
    remaining.push(res.headers['x-ratelimit-remaining']);
  }
  t.same(remaining, ['2', '1', '0'], 'lists and single records count alike');
  const refused = await get(`${base}/publishing-records/`, auth(4));
  t.equal(refused.statusCode, 429);
  t.match(refused.json(), { success: false, code: 'RATE_LIMITED', request_id: String });
  const retryAfter = Number(refused.headers['retry-after']);
  t.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter} s`);
  t.equal(refused.headers['x-ratelimit-remaining'], '0');
  t.equal((await get(`${base}/sites/10/deployment-status`, auth(4, 'editor'))).statusCode, 429, 'every user of it');

  const other = await get(`${base}/publishing-records/`, auth(5));
  t.equal(other.statusCode, 200, 'another account has its own budget');
  t.equal(other.headers['x-ratelimit-remaining'], '2');
  const health = await app.inject({ method: 'GET', url: '/health' });
  t.equal(health.statusCode, 200, 'health probes are not limited');
  t.equal(health.headers['x-ratelimit-limit'], undefined);
});
