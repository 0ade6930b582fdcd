/**
 * Issue 19 through the whole read side: a deployment updated and cancelled, a record created by a
 * privileged caller for another account, and the command API's GET answering what the read API
 * answers once projected.
 */
import t from 'tap';
import { type Claims, startStack } from './e2e-helpers.ts';

const stack = await startStack(t, { READ_API_MIN_POSITION_TIMEOUT_MS: '2000' });
const { command, read } = stack;
const editor: Claims = { account_id: 1, role: 'editor' };
const position = (res: { headers: Record<string, unknown> }) => String(res.headers['x-position']);

t.test('an updated, then cancelled deployment is read as cancelled; the site takes the next version', async (t) => {
  const created = await command('POST', '/deploy', editor, { site_id: 40, metadata: { commit: 'a1' } });
  const d = created.json().data;
  const patched = await command('PATCH', `/deployments/${d.id}`, editor, { metadata: { commit: 'b2' } });
  t.equal(patched.statusCode, 200);
  const cancelled = await command('POST', `/deployments/${d.id}/cancel`, editor, { reason: 'superseded' });
  t.equal(cancelled.statusCode, 200);

  const seen = await read(`/deployments/${d.id}?min_position=${position(cancelled)}`, editor);
  t.equal(seen.statusCode, 200);
  t.same(seen.json().data, cancelled.json().data, 'the read model equals the command response');
  t.match(seen.json().data, { status: 'cancelled', metadata: { commit: 'b2' }, revision: 2, version: 1 });
  t.equal(seen.headers.etag, '"2"');

  const fromCommandApi = await command('GET', `/deployments/${d.id}`, editor);
  t.same(fromCommandApi.json().data, seen.json().data, 'the command API folds the same representation');

  const list = await read('/deployments/?site_id=40&status=cancelled', editor);
  t.same(
    list.json().results.map((r: { id: string }) => r.id),
    [d.id],
    'the status filter knows cancelled',
  );
  const view = await read('/sites/40/deployment-status', editor);
  t.match(view.json().data, { live: null, last_deployment: { deployment_id: d.id, status: 'cancelled', version: 1 } });

  const next = await command('POST', '/deploy', editor, { site_id: 40 });
  t.equal(next.statusCode, 201, 'the site is free again');
  t.equal(next.json().data.version, 2);
  t.equal(stack.projector.status().stop, null, 'the projector applied every new event type');
});

t.test("a system_bot's record for account 5 belongs to account 5 on the read side", async (t) => {
  const bot: Claims = { account_id: 1, role: 'system_bot' };
  const created = await command('POST', '/publishing-records/', bot, {
    account_id: 5,
    content_id: 7,
    site_id: 41,
    sector_id: 2,
    destination: 'webhook',
  });
  t.equal(created.statusCode, 201, created.body);
  const id = created.json().data.id;
  const wait = `min_position=${position(created)}`;

  const owner5 = await read(`/publishing-records/${id}?${wait}`, { account_id: 5, role: 'viewer' });
  t.equal(owner5.statusCode, 200);
  t.match(owner5.json().data, { account_id: 5, site_id: 41 });
  const account1 = await read(`/publishing-records/${id}?${wait}`, editor);
  t.equal(account1.statusCode, 404, "not the bot's own account's record");
  const list5 = await read(`/publishing-records/?site_id=41&${wait}`, { account_id: 5, role: 'viewer' });
  t.equal(list5.json().count, 1);
});
