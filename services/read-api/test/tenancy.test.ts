import t from 'tap';
import { type Claims, startStack } from './e2e-helpers.ts';

/*
 * Cross-tenant isolation through every read endpoint: accounts 1 and 2 write records that share
 * sites, sectors, contents and destinations; a user of one account never sees the other's, through
 * filters, counts and pagination included.
 */
const stack = await startStack(t);
const { command, read } = stack;
const A: Claims = { account_id: 1, role: 'editor' };
const B: Claims = { account_id: 2, role: 'editor' };

type Rec = { id: string; account_id: number; site_id: number; status: string };
const records: Record<number, Rec[]> = { 1: [], 2: [] };
const deployments: Record<number, Rec[]> = { 1: [], 2: [] };
let lastPosition = '';

for (const who of [A, B]) {
  const n = who === A ? 7 : 5;
  for (let i = 0; i < n; i++) {
    const res = await command('POST', '/publishing-records/', who, {
      content_id: 100 + (i % 3),
      site_id: 1 + (i % 2),
      sector_id: 9,
      destination: i % 2 ? 'webhook' : 'wordpress',
    });
    const rec = res.json().data as Rec;
    if (i % 3 === 0)
      lastPosition = String(
        (await command('POST', `/publishing-records/${rec.id}/start`, who, {})).headers['x-position'],
      );
    else lastPosition = String(res.headers['x-position']);
    records[who.account_id]!.push(rec);
  }
  for (const site of [1, 2]) {
    const res = await command('POST', '/deployments/', who, { site_id: site });
    deployments[who.account_id]!.push(res.json().data as Rec);
    lastPosition = String(res.headers['x-position']);
  }
}
// Account 2 alone deploys site 7.
const only = await command('POST', '/deployments/', B, { site_id: 7 });
lastPosition = String(only.headers['x-position']);
deployments[2]!.push(only.json().data as Rec);
// Everything projected before the tests look (a loaded machine may take longer than one wait).
for (let tries = 0; (await read(`/deployments/?min_position=${lastPosition}`, A)).statusCode !== 200; tries++) {
  if (tries === 12) throw new Error(`position ${lastPosition} not projected after ${tries} waits`);
}

/** Every id a user gets by walking all pages of a list. */
async function walk(url: string, as: Claims): Promise<{ ids: string[]; counts: number[] }> {
  const ids: string[] = [];
  const counts: number[] = [];
  let next: string | null = `${url}${url.includes('?') ? '&' : '?'}page_size=2`;
  while (next) {
    const res = await read(next, as);
    if (res.statusCode !== 200) throw new Error(`${next}: ${res.statusCode} ${res.body}`);
    const body = res.json();
    ids.push(...body.results.map((r: Rec) => r.id));
    counts.push(body.count);
    next = body.next ? new URL(body.next).pathname.replace('/api/v1/publisher', '') + new URL(body.next).search : null;
  }
  return { ids, counts };
}

const idsOf = (rs: Rec[]) => rs.map((r) => r.id).sort();

t.test('lists: filters, counts and every page show only the own account', async (t) => {
  for (const who of [A, B]) {
    const own = records[who.account_id]!;
    const cases: Array<[string, (r: Rec & Record<string, unknown>) => boolean]> = [
      ['', () => true],
      ['site_id=1', (r) => r.site_id === 1],
      ['sector_id=9', () => true],
      ['content_id=100', (r) => r.content_id === 100],
      ['destination=webhook', (r) => r.destination === 'webhook'],
      ['status=publishing', (r) => r.status === 'publishing'],
      ['created_after=2000-01-01T00:00:00Z', () => true],
      ['updated_before=2999-01-01T00:00:00Z', () => true],
    ];
    for (const [filter, keep] of cases) {
      const listed = await walk(`/publishing-records/${filter ? `?${filter}` : ''}`, who);
      const current = await Promise.all(
        own.map(async (r) => (await read(`/publishing-records/${r.id}`, who)).json().data),
      );
      const expected = idsOf(current.filter(keep));
      t.same(listed.ids.sort(), expected, `account ${who.account_id} ${filter || 'no filter'}: exactly its own`);
      t.ok(
        listed.counts.every((c) => c === expected.length),
        `account ${who.account_id} ${filter || 'no filter'}: count ${expected.length} on every page`,
      );
    }
    const deps = await walk('/deployments/', who);
    t.same(deps.ids.sort(), idsOf(deployments[who.account_id]!), `account ${who.account_id}: own deployments`);
    const site1 = await walk('/deployments/?site_id=1', who);
    t.equal(site1.ids.length, 1);
  }
});

t.test("by id: another account's records and deployments are 404", async (t) => {
  for (const [who, other] of [
    [A, 2],
    [B, 1],
  ] as const) {
    for (const r of records[other]!) {
      const res = await read(`/publishing-records/${r.id}`, who);
      t.equal(res.statusCode, 404, `record of account ${other}`);
      t.notMatch(res.body, /"account_id"/, 'nothing of the record leaks in the body');
    }
    for (const d of deployments[other]!) t.equal((await read(`/deployments/${d.id}`, who)).statusCode, 404);
  }
});

t.test('per-site view: only the own deployments of a shared site; a foreign-only site is 404', async (t) => {
  const a1 = (await read('/sites/1/deployment-status', A)).json().data;
  t.match(a1, { account_id: 1, deployments_count: 1, last_deployment: { deployment_id: deployments[1]![0]!.id } });
  const b1 = (await read('/sites/1/deployment-status', B)).json().data;
  t.match(b1, { account_id: 2, deployments_count: 1, last_deployment: { deployment_id: deployments[2]![0]!.id } });
  t.equal((await read('/sites/7/deployment-status', A)).statusCode, 404);
  t.equal((await read('/sites/7/deployment-status', B)).statusCode, 200);
});

t.test('account_id filter: refused for tenants, honoured for privileged roles', async (t) => {
  for (const url of [
    '/publishing-records/?account_id=2',
    '/deployments/?account_id=2',
    '/sites/7/deployment-status?account_id=2',
  ]) {
    t.equal((await read(url, A)).statusCode, 403, url);
  }
  const support: Claims = { account_id: 99, role: 'support' };
  t.equal((await walk('/publishing-records/', support)).ids.length, 12, 'support sees every account');
  t.same(
    (await walk('/publishing-records/?account_id=2', support)).ids.sort(),
    idsOf(records[2]!),
    'and narrows to one',
  );
  t.equal((await read(`/publishing-records/${records[1]![0]!.id}`, support)).statusCode, 200);
});

t.test('site_ids claim: a user restricted to site 2 sees only site 2', async (t) => {
  const narrow: Claims = { account_id: 1, role: 'viewer', site_ids: [2] };
  const listed = await walk('/publishing-records/', narrow);
  const expected = records[1]!.filter((r) => r.site_id === 2);
  t.same(listed.ids.sort(), idsOf(expected));
  t.equal((await walk('/publishing-records/?site_id=1', narrow)).ids.length, 0, 'a filter cannot widen it');
  t.equal((await read(`/publishing-records/${records[1]!.find((r) => r.site_id === 1)!.id}`, narrow)).statusCode, 404);
  t.equal((await read('/sites/1/deployment-status', narrow)).statusCode, 404);
  t.equal((await walk('/deployments/', narrow)).ids.length, 1);
});
