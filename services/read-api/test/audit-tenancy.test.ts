/**
 * Tenancy of the support reads on the whole stack: for every new route, ordinary users of another
 * account get a 404 (or only their own account's data), support and privileged roles read it and
 * each such read lands in that account's access log, which only its admins and owners can list.
 */

import { AuditEvent, ListEnvelope, SnapshotEntry } from '@publisher/contracts';
import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { signTestToken } from '@publisher/testing';
import type { LightMyRequestResponse } from 'fastify';
import t from 'tap';
import { Compile } from 'typebox/compile';
import { type Claims, startStack } from './e2e-helpers.ts';

// Audit events and snapshot entries are pre-rendered JSON (JsonDocument): answers are checked against the documented schemas.
const auditPage = Compile(ListEnvelope(AuditEvent));
const snapshotPage = Compile(ListEnvelope(SnapshotEntry));

const stack = await startStack(t);
const { command, read } = stack;
const position = (res: LightMyRequestResponse) => String(res.headers['x-position']);

const owner1: Claims = { account_id: 1, role: 'owner' };
const editor1: Claims = { account_id: 1, role: 'editor' };
const admin1: Claims = { account_id: 1, role: 'admin' };
const viewer1: Claims = { account_id: 1, role: 'viewer' };
const editor1site4: Claims = { account_id: 1, role: 'editor', site_ids: [4] };
const editor2: Claims = { account_id: 2, role: 'editor' };
const admin2: Claims = { account_id: 2, role: 'admin' };
const viewer2: Claims = { account_id: 2, role: 'viewer' };
const support: Claims = { account_id: 99, role: 'support' };
const developer: Claims = { account_id: 98, role: 'developer' };
const bot: Claims = { account_id: 97, role: 'system_bot' };

// Account 1's records, and one of account 2 for contrast.
const record = await command('POST', '/publishing-records/', editor1, {
  content_id: 1,
  site_id: 3,
  sector_id: 5,
  destination: 'webhook',
});
const recordId: string = record.json().data.id;
const deployment = await command('POST', '/deployments/', editor1, { site_id: 3 });
const deploymentId: string = deployment.json().data.id;
const other = await command('POST', '/publishing-records/', editor2, {
  content_id: 2,
  site_id: 8,
  sector_id: 5,
  destination: 'webhook',
});
const created = new Date(Date.now() + 1000).toISOString();
// Everything projected before the first read (the audit search reads the read model).
await read(`/publishing-records/${other.json().data.id}`, editor2, { 'x-min-position': position(other) });
await read(`/deployments/${deploymentId}`, editor1, { 'x-min-position': position(deployment) });

/** Every new route, each reading account 1's data. */
const routes: Array<{ name: string; url: string }> = [
  { name: 'publishing-record history', url: `/publishing-records/${recordId}/history` },
  { name: 'deployment history', url: `/deployments/${deploymentId}/history` },
  { name: 'publishing-record as_of', url: `/publishing-records/${recordId}?as_of=${encodeURIComponent(created)}` },
  { name: 'publishing-record as_of_revision', url: `/publishing-records/${recordId}?as_of_revision=0` },
  { name: 'deployment as_of', url: `/deployments/${deploymentId}?as_of=${encodeURIComponent(created)}` },
  { name: 'audit events of account 1', url: '/audit/events?account_id=1' },
  { name: 'snapshot of account 1', url: `/audit/snapshot?account_id=1&as_of=${encodeURIComponent(created)}` },
];

async function accessLog(as: Claims): Promise<Array<Record<string, unknown>>> {
  const res = await read('/audit/access-log?page_size=100', as);
  t.equal(res.statusCode, 200, 'access log readable');
  return res.json().results;
}

t.test('ordinary users of another account: 404 for a record, 403 naming the account, and nothing logged', async (t) => {
  for (const as of [editor2, admin2, viewer2, editor1site4]) {
    for (const { name, url } of routes) {
      const res = await read(url, as);
      const who = `${as.role} of account ${as.account_id}${as.site_ids ? ' (site 4)' : ''}`;
      if (url.startsWith('/audit/')) {
        if (as.account_id === 1) {
          // Their own account, another site: they see none of site 3's events or records.
          t.equal(res.statusCode, 200, `${name}, ${who}`);
          t.same(res.json().results, [], `${name}, ${who}: nothing of site 3`);
        } else {
          t.equal(res.statusCode, 403, `${name}, ${who}`);
          t.match(res.json(), { success: false, code: 'ROLE_FORBIDDEN', errors: { 'querystring.account_id': Array } });
        }
      } else {
        t.equal(res.statusCode, 404, `${name}, ${who}`);
        t.match(res.json(), { success: false, code: 'RECORD_NOT_FOUND' }, `${name}, ${who}`);
      }
    }
  }
  const own = (await read('/audit/events', editor2)).json();
  t.ok(own.results.length > 0, 'account 2 searching its own audit sees its events');
  t.ok(
    own.results.every((e: { account_id: number }) => e.account_id === 2),
    'and only those',
  );
  t.same(await accessLog(owner1), [], 'nothing recorded in account 1’s log');
});

t.test('the account’s own users read it all, unrecorded', async (t) => {
  for (const as of [editor1, viewer1, admin1]) {
    for (const { name, url } of routes) t.equal((await read(url, as)).statusCode, 200, `${name}, ${as.role}`);
  }
  t.same(await accessLog(owner1), [], 'reads of one’s own account are not recorded');
});

t.test('support and privileged roles read any account; every read is recorded in its access log', async (t) => {
  for (const as of [support, developer, bot]) {
    for (const { name, url } of routes) {
      const res = await read(url, as);
      t.equal(res.statusCode, 200, `${name}, ${as.role}`);
      if (url.startsWith('/audit/events')) t.ok(auditPage.Check(res.json()), 'audit page matches its schema');
      if (url.startsWith('/audit/snapshot')) {
        t.ok(snapshotPage.Check(res.json()), 'snapshot page matches its schema');
        t.equal(res.json().results.length, 2, 'the record and the deployment');
      }
    }
  }
  const log = await accessLog(admin1);
  t.equal(log.length, routes.length * 3, 'one entry per read');
  const expected = (as: Claims) =>
    [
      { action: 'history', record_kind: 'publishing_record', record_id: recordId, site_id: 3 },
      { action: 'history', record_kind: 'deployment', record_id: deploymentId, site_id: 3 },
      { action: 'as_of', record_kind: 'publishing_record', record_id: recordId, query: { as_of: created } },
      { action: 'as_of', record_kind: 'publishing_record', record_id: recordId, query: { as_of_revision: 0 } },
      { action: 'as_of', record_kind: 'deployment', record_id: deploymentId, query: { as_of: created } },
      { action: 'audit_search', record_kind: null, record_id: null, query: { account_id: 1 } },
      { action: 'snapshot', record_kind: null, query: { account_id: 1, as_of: created } },
    ].map((entry) => ({
      ...entry,
      account_id: 1,
      reader: { user_id: `u-${as.account_id}-${as.role}`, role: as.role, account_id: as.account_id },
      request_id: String,
      at: String,
    }));
  t.match(log, [...expected(support), ...expected(developer), ...expected(bot)].reverse(), 'newest first');
  t.equal(new Set(log.map((e) => e.request_id)).size, log.length, 'each with its own request id');
  t.same(await accessLog(owner1), log, 'the owner sees the same log');
  t.same(await accessLog(admin2), [], 'another account’s admin sees none of it');
});

t.test('a privileged search across accounts is recorded for each account it returned', async (t) => {
  const before = (await accessLog(admin2)).length;
  const res = await read(`/audit/events?type=PublishingRecordCreated&page_size=100`, support);
  const accounts = new Set(res.json().results.map((e: { account_id: number }) => e.account_id));
  t.same([...accounts].sort(), [1, 2], 'the search spans both accounts');
  const log2 = await accessLog(admin2);
  t.equal(log2.length, before + 1);
  t.match(log2[0], { action: 'audit_search', account_id: 2, query: { type: 'PublishingRecordCreated' } });
  t.match((await accessLog(owner1))[0], { action: 'audit_search', account_id: 1 });
});

t.test('an entry records what was read, not how fresh it had to be (min_position)', async (t) => {
  const first = await read('/audit/events?account_id=2', support);
  const position = String(first.headers['x-read-position']);
  t.ok(position, 'a projected position to ask for');
  await read(`/audit/events?account_id=2&min_position=${position}`, support);
  await read('/audit/events?account_id=2', support, { 'x-min-position': position });
  const [byHeader, byQuery, plain] = await accessLog(admin2);
  for (const entry of [byHeader, byQuery, plain]) t.same(entry?.query, { account_id: 2, page_size: 20 });
});

t.test('a platform token of no account reads any account; its reads are recorded with no reader account', async (t) => {
  const platform = {
    authorization: `Bearer ${signTestToken({ sub: 'scheduler', role: 'system_bot' }, { key: DEVELOPMENT_JWT_SECRET })}`,
  };
  const res = await read(`/publishing-records/${recordId}/history`, editor1, platform);
  t.equal(res.statusCode, 200);
  t.match((await accessLog(owner1))[0], {
    action: 'history',
    record_id: recordId,
    reader: { user_id: 'scheduler', role: 'system_bot', account_id: null },
  });
  t.equal((await read('/audit/access-log', editor1, platform)).statusCode, 403, 'and it reads no access log');
});

t.test('only the account’s admins and owners list its access log', async (t) => {
  for (const as of [editor1, viewer1, support, developer, bot]) {
    const res = await read('/audit/access-log', as);
    t.equal(res.statusCode, 403, `${as.role}`);
    t.match(res.json(), { success: false, code: 'ROLE_FORBIDDEN' });
  }
  t.equal((await read('/audit/access-log', { account_id: 1, role: 'owner', site_ids: [4] })).statusCode, 200);
  t.same(
    (await read('/audit/access-log', { account_id: 1, role: 'owner', site_ids: [4] }))
      .json()
      .results.filter((e: { site_id: number | null }) => e.site_id === 3),
    [],
    'a site-restricted owner sees the reads of its sites only',
  );
});

t.test('no route changes or erases the access log', async (t) => {
  const before = await accessLog(owner1);
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
    const res = await stack.readRaw({ method, url: '/audit/access-log', as: owner1 });
    t.equal(res.statusCode, 405, `${method} /audit/access-log`);
    t.match(res.json(), { success: false, code: 'METHOD_NOT_ALLOWED' });
    t.equal(res.headers.allow, 'GET, HEAD');
  }
  t.same(await accessLog(owner1), before);
});

t.test('audit search pages by cursor through next and previous links', async (t) => {
  const url = (link: string) => new URL(link).pathname.replace('/api/v1/publisher', '') + new URL(link).search;
  const all = (await read('/audit/events?account_id=1&page_size=100', support)).json();
  const first = (await read('/audit/events?account_id=1&page_size=2', support)).json();
  t.equal(first.count, all.count);
  t.equal(first.previous, null);
  const second = (await read(url(first.next), support)).json();
  t.same(
    [...first.results, ...second.results].map((e: { event_id: string }) => e.event_id),
    all.results.slice(0, 4).map((e: { event_id: string }) => e.event_id),
  );
  const back = (await read(url(second.previous), support)).json();
  t.same(back.results, first.results, 'previous leads back to the first page');
});

t.test('bad input to the audit routes is a 400 in the envelope', async (t) => {
  for (const url of [
    '/audit/events?cursor=garbage',
    `/audit/events?cursor=${Buffer.from('["o",1,2]').toString('base64url')}`,
    `/audit/events?cursor=${Buffer.from('["o","2024-13-45T00:00:00.000Z","0000000000000001-0000000000000001"]').toString('base64url')}`,
    `/audit/events?cursor=${Buffer.from('["o","2024-05-01T00:00:00.000Z","x\');drop"]').toString('base64url')}`,
    `/audit/access-log?cursor=${Buffer.from('["o",-1]').toString('base64url')}`,
    `/audit/snapshot?account_id=1&as_of=2024-05-01T00:00:00Z&cursor=${Buffer.from('["o","not-a-uuid"]').toString('base64url')}`,
    '/audit/events?page_size=101',
    '/audit/events?from=last-week',
    '/audit/events?from=2024-05-02T00:00:00Z&to=2024-05-01T00:00:00Z',
    '/audit/events?record_id=42',
    '/audit/events?site_id=0',
    `/audit/events?actor=${'x'.repeat(201)}`,
    '/audit/events?unknown=1',
    '/audit/access-log?cursor=nope',
    '/audit/snapshot?account_id=1',
    '/audit/snapshot?account_id=1&as_of=soon',
  ]) {
    const as = url.startsWith('/audit/access-log') ? owner1 : support;
    const res = await read(url, as);
    t.equal(res.statusCode, 400, url);
    t.match(res.json(), { success: false, code: 'VALIDATION', errors: Object }, url);
  }
  const swapped = await read('/audit/events?from=2024-05-02T00:00:00Z&to=2024-05-01T00:00:00Z', support);
  t.same(swapped.json().errors, { 'querystring.from': ['must not be later than to'] }, 'a swapped range says so');
  const unnamed = await read(`/audit/snapshot?as_of=${encodeURIComponent(created)}`, support);
  t.match([unnamed.statusCode, unnamed.json().errors], [400, { 'querystring.account_id': Array }]);
});
