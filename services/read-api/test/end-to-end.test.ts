import t from 'tap';
import { type Claims, startStack } from './e2e-helpers.ts';

const stack = await startStack(t, { READ_API_MIN_POSITION_TIMEOUT_MS: '2000' });
const { command, read } = stack;
const editor: Claims = { account_id: 1, role: 'editor' };
const position = (res: { headers: Record<string, unknown> }) => String(res.headers['x-position']);

t.test('commands → projector → read API: every transition is readable at once with min_position', async (t) => {
  const created = await command('POST', '/publishing-records/', editor, {
    content_id: 42,
    site_id: 3,
    sector_id: 5,
    destination: 'webhook',
    destination_config: { url: 'https://hooks.example.com/x' },
    metadata: { title: 'Hello' },
  });
  t.equal(created.statusCode, 201);
  const record = created.json().data;

  const seen = await read(`/publishing-records/${record.id}?min_position=${position(created)}`, editor);
  t.equal(seen.statusCode, 200, 'the create is visible immediately');
  t.same(seen.json().data, record, 'the read model equals the command response');
  t.equal(seen.headers.etag, created.headers.etag, 'same ETag on both sides');

  const list = await read(`/publishing-records/?content_id=42&min_position=${position(created)}`, editor);
  t.equal(list.json().count, 1, 'and in the list');

  let last = created;
  for (const [action, body] of [
    ['start', undefined],
    ['fail', { error: 'timeout' }],
    ['retry', undefined],
    ['start', undefined],
    ['succeed', { external_url: 'https://blog.example.com/p/1', external_id: 'p1' }],
  ] as const) {
    last = await command('POST', `/publishing-records/${record.id}/${action}`, editor, body ?? {});
    t.equal(last.statusCode, 200, action);
    const after = await read(`/publishing-records/${record.id}`, editor, { 'x-min-position': position(last) });
    t.same(after.json().data, last.json().data, `after ${action} the read model equals the command's record`);
  }
  t.match(last.json().data, { status: 'published', attempts: 2, error_message: null, revision: 5 });

  const pending = (
    await command('POST', '/publishing-records/', editor, {
      content_id: 43,
      site_id: 3,
      sector_id: 5,
      destination: 'webhook',
    })
  ).json().data;
  const patched = await command('PATCH', `/publishing-records/${pending.id}`, editor, { metadata: { v: 2 } });
  t.match((await read(`/publishing-records/${pending.id}?min_position=${position(patched)}`, editor)).json().data, {
    metadata: { v: 2 },
    revision: 1,
  });
  const deleted = await command('DELETE', `/publishing-records/${pending.id}`, editor);
  t.ok([200, 204].includes(deleted.statusCode), 'deleted');
  const gone = await read(`/publishing-records/${pending.id}?min_position=${position(deleted)}`, editor);
  t.equal(gone.statusCode, 404, 'a deleted record is gone from reads');
});

t.test('deployments and the per-site view follow the commands', async (t) => {
  const first = await command('POST', '/deployments/', editor, { site_id: 30, metadata: { commit: 'a1' } });
  t.equal(first.statusCode, 201);
  const d1 = first.json().data;
  t.equal(d1.version, 1);
  await command('POST', `/deployments/${d1.id}/start`, editor, {});
  const ok = await command('POST', `/deployments/${d1.id}/succeed`, editor, {
    deployment_url: 'https://site30.test/v1',
  });
  const view = await read(`/sites/30/deployment-status?min_position=${position(ok)}`, editor);
  t.match(view.json().data, {
    site_id: 30,
    live: { deployment_id: d1.id, version: 1, deployment_url: 'https://site30.test/v1' },
    last_deployment: { version: 1, status: 'deployed' },
  });

  const second = await command('POST', '/deploy', editor, { site_id: 30 });
  t.equal(second.statusCode, 201);
  const d2 = second.json().data;
  t.equal(d2.version, 2, 'versions increase per site');
  await command('POST', `/deployments/${d2.id}/start`, editor, {});
  const failed = await command('POST', `/deployments/${d2.id}/fail`, editor, { error: 'build broke' });
  t.match((await read(`/sites/30/deployment-status?min_position=${position(failed)}`, editor)).json().data, {
    deployments_count: 2,
    live: { version: 1 },
    last_deployment: { version: 2, status: 'failed', error_message: 'build broke' },
  });
  const rolled = await command('POST', `/deployments/${d1.id}/rollback`, editor, { reason: 'bad' });
  const after = await read(`/deployments/${d1.id}?min_position=${position(rolled)}`, editor);
  t.same(after.json().data, rolled.json().data, 'the read model equals the command response');
  t.equal((await read('/sites/30/deployment-status', editor)).json().data.live, null, 'nothing live after rollback');
  const list = await read('/deployments/?site_id=30&ordering=version', editor);
  t.same(
    list.json().results.map((d: { version: number; status: string }) => [d.version, d.status]),
    [
      [1, 'rolled_back'],
      [2, 'failed'],
    ],
  );
});

t.test(
  'a client’s own write is never called absent while an older transaction holds the readable head back',
  async (t) => {
    // An older transaction with an id, still open (as a long projector batch or another service's
    // write can be): events committed after it are in the log but not readable until it ends.
    const older = await stack.pool.connect();
    await older.query('BEGIN');
    await older.query('SELECT pg_current_xact_id()');
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      await older.query('ROLLBACK');
      older.release();
    };
    t.teardown(release);
    const created = await command('POST', '/publishing-records/', editor, {
      content_id: 45,
      site_id: 3,
      sector_id: 5,
      destination: 'webhook',
    });
    t.equal(created.statusCode, 201);
    const waiting = await read(
      `/publishing-records/${created.json().data.id}?min_position=${position(created)}`,
      editor,
    );
    t.equal(waiting.statusCode, 503, 'not projected yet: retry later');
    t.match(waiting.json(), { success: false, code: 'PROJECTION_BEHIND' });

    await release();
    const seen = await read(`/publishing-records/${created.json().data.id}?min_position=${position(created)}`, editor);
    t.equal(seen.statusCode, 200, 'read once the older transaction ends');
  },
);

t.test('audit search and snapshots read their writes with min_position or X-Min-Position', async (t) => {
  const created = await command('POST', '/publishing-records/', editor, {
    content_id: 43,
    site_id: 3,
    sector_id: 5,
    destination: 'webhook',
  });
  const id = created.json().data.id as string;
  const audit = await read(`/audit/events?record_id=${id}&min_position=${position(created)}`, editor);
  t.equal(audit.statusCode, 200);
  t.match(
    audit.json().results,
    [{ type: 'PublishingRecordCreated', record_id: id }],
    'the create is in the search at once',
  );
  t.ok(audit.headers['x-read-position'], 'with the position the read models were at');
  const started = await command('POST', `/publishing-records/${id}/start`, editor);
  const byHeader = await read(`/audit/events?record_id=${id}`, editor, { 'x-min-position': position(started) });
  t.equal(byHeader.json().count, 2, 'by header too');
  const asOf = encodeURIComponent(new Date(Date.now() + 60_000).toISOString());
  const snapshot = await read(`/audit/snapshot?as_of=${asOf}&min_position=${position(started)}`, editor);
  t.equal(snapshot.statusCode, 200);
  t.ok(
    snapshot.json().results.some((r: { data: { id: string } }) => r.data.id === id),
    'the record is in the snapshot at once',
  );
  const future = 'ffffffffffffffff-0000000000000000';
  for (const url of [`/audit/events?min_position=${future}`, `/audit/snapshot?as_of=${asOf}&min_position=${future}`]) {
    t.match((await read(url, editor)).json(), { code: 'POSITION_NOT_IN_LOG' }, url);
  }
  for (const url of ['/audit/events', `/audit/snapshot?as_of=${asOf}`]) {
    const byHeader = await read(url, editor, { 'x-min-position': future });
    t.match(byHeader.json(), { code: 'POSITION_NOT_IN_LOG' }, `${url}: the header is read too`);
  }
});

t.test('a position past the head of the log answers 400 at once; one in the log but not projected, 503', async (t) => {
  const future = 'ffffffffffffffff-0000000000000000';
  const started = Date.now();
  const res = await read(`/publishing-records/?min_position=${future}`, editor);
  t.equal(res.statusCode, 400);
  t.match(res.json(), {
    success: false,
    code: 'POSITION_NOT_IN_LOG',
    errors: { 'querystring.min_position': [String] },
  });
  t.ok(Date.now() - started < 2000, 'without holding the connection for the whole wait');

  await stack.projector.close();
  const created = await command('POST', '/publishing-records/', editor, {
    content_id: 44,
    site_id: 3,
    sector_id: 5,
    destination: 'webhook',
  });
  const behind = await read(`/publishing-records/?min_position=${position(created)}`, editor);
  t.equal(behind.statusCode, 503, 'a real position the projector has not reached');
  t.match(behind.json(), { success: false, code: 'PROJECTION_BEHIND' });
  t.equal(behind.headers['retry-after'], '1');
});
