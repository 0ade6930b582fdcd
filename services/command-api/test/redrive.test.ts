import t from 'tap';
import { API, type Claims, createRecord, editor, startApi, type TestApi } from './helpers.ts';

const support: Claims = { account_id: 99, role: 'support', sub: 'support-anna' };
const stream = (id: string) => `publishing_record-${id}`;

async function failedRecord(api: TestApi, as: Claims = editor) {
  const record = await createRecord(api, as);
  for (const [path, payload] of [
    ['start', undefined],
    ['fail', { error: 'destination answered 502' }],
  ] as const) {
    const res = await api.call({ method: 'POST', url: `${API}/publishing-records/${record.id}/${path}`, payload, as });
    if (res.statusCode !== 200) throw new Error(`${path}: ${res.statusCode} ${res.body}`);
  }
  return record;
}

const redrive = (api: TestApi, id: string, action: string, payload: unknown, as: Claims = support, headers = {}) =>
  api.call({
    method: 'POST',
    url: `${API}/publishing-records/${id}/${action}`,
    payload: payload as object,
    as,
    headers,
  });

t.test('republish is recorded in the record’s stream and lists the events the relay re-sends', async (t) => {
  const api = await startApi(t);
  const record = await failedRecord(api);
  const before = await api.store.readStream(stream(record.id));
  const current = (await api.call({ method: 'POST', url: `${API}/publishing-records/${record.id}/retry` })).json().data;

  const res = await redrive(
    api,
    record.id,
    'republish',
    { reason: 'consumer analytics lost its offsets, INC-7' },
    support,
    {
      'x-correlation-id': 'support-session-1',
    },
  );
  t.equal(res.statusCode, 202);
  const body = res.json();
  const events = await api.store.readStream(stream(record.id));
  const request = events.at(-1)!;
  t.equal(events.length, before.length + 2, 'one event recorded (after the retry)');
  t.match(request, {
    type: 'PublishingRecordRepublishRequested',
    data: { record_id: record.id, reason: 'consumer analytics lost its offsets, INC-7' },
    metadata: {
      actor: { user_id: 'support-anna', role: 'support' },
      tenant: { account_id: 1, site_id: 3, sector_id: 5 },
      correlation_id: 'support-session-1',
      request_id: body.request_id,
    },
  });
  t.match(body.data, {
    dry_run: false,
    action: 'republish',
    event: {
      id: request.id,
      type: 'PublishingRecordRepublishRequested',
      data: { reason: 'consumer analytics lost its offsets, INC-7' },
    },
    replay: { replay_id: request.data.replay_id },
  });
  t.match(body.data.effect, /re-sends 4 events of publishing record .* replay-id /);
  t.same(
    body.data.replay.events.map((e: { event_id: string }) => e.event_id),
    events.slice(0, -1).map((e) => e.id),
    'every earlier event, in stream order, with its original id',
  );
  t.same(body.data.record, { ...current, revision: 4 }, 'the record is unchanged apart from its revision');
  t.equal(res.headers.etag, '"4"');
  t.equal(res.headers['x-position'], request.position);

  // A second republish does not re-send the first request (it is never published).
  const again = await redrive(api, record.id, 'republish', { reason: 'once more' });
  t.equal(again.json().data.replay.events.length, 4);
});

t.test('dry runs answer what would happen and change nothing', async (t) => {
  const api = await startApi(t);
  const record = await failedRecord(api);
  const pending = await createRecord(api);
  const count = await api.eventCount();
  const stored = await api.store.readStream(stream(record.id));

  const republish = await redrive(api, record.id, 'republish', { reason: 'check first', dry_run: true });
  t.equal(republish.statusCode, 200);
  t.match(republish.json().data, {
    dry_run: true,
    action: 'republish',
    event: { id: null, type: 'PublishingRecordRepublishRequested', data: { reason: 'check first' } },
    replay: { replay_id: null },
    record: { status: 'failed', revision: 3 },
  });
  t.notOk('replay_id' in republish.json().data.event.data, 'no placeholder replay id is shown');
  t.same(
    republish.json().data.replay.events.map((e: { event_id: string }) => e.event_id),
    stored.map((e) => e.id),
  );
  t.match(republish.json().data.effect, /^would have the relay re-send 3 events/);
  t.notOk(republish.headers['x-position'], 'no position: nothing was appended');

  const redeliver = await redrive(api, record.id, 'redeliver', { reason: 'check first', dry_run: true });
  t.equal(redeliver.statusCode, 200);
  t.match(redeliver.json().data, {
    dry_run: true,
    action: 'redeliver',
    event: { id: null, type: 'PublishingRedeliveryRequested' },
    record: { status: 'pending', attempts: 1 },
  });
  t.match(redeliver.json().data.effect, /^would make .* pending again .* \(attempt 2\); nothing was recorded$/);

  // A dry run of something refused is refused the same way.
  const refused = await redrive(api, pending.id, 'redeliver', { reason: 'x', dry_run: true });
  t.equal(refused.statusCode, 409);

  t.equal(await api.eventCount(), count, 'no event stored');
  t.same(await api.store.readStream(stream(record.id)), stored, 'the stream is untouched');
});

t.test('redeliver makes a failed record pending again; anything else is a clear 409', async (t) => {
  const api = await startApi(t);
  const record = await failedRecord(api);
  const res = await redrive(api, record.id, 'redeliver', { reason: 'destination fixed, ticket 42' });
  t.equal(res.statusCode, 202);
  t.match(res.json().data, {
    action: 'redeliver',
    record: { status: 'pending', attempts: 1, error_message: 'destination answered 502', revision: 3 },
  });
  t.notOk(res.json().data.replay);
  const last = (await api.store.readStream(stream(record.id))).at(-1)!;
  t.match(last, {
    type: 'PublishingRedeliveryRequested',
    data: { reason: 'destination fixed, ticket 42' },
    metadata: { actor: { role: 'support' } },
  });

  const count = await api.eventCount();
  const again = await redrive(api, record.id, 'redeliver', { reason: 'twice' });
  t.equal(again.statusCode, 409);
  t.match(again.json(), {
    code: 'ILLEGAL_TRANSITION',
    error: 'cannot redeliver a publishing record that is pending',
  });
  t.equal(await api.eventCount(), count);
});

t.test('deleted, unknown and stale records', async (t) => {
  const api = await startApi(t);
  const record = await failedRecord(api);
  t.equal((await api.call({ method: 'DELETE', url: `${API}/publishing-records/${record.id}` })).statusCode, 200);
  t.equal(
    (await redrive(api, record.id, 'redeliver', { reason: 'x' })).statusCode,
    404,
    'no redelivery of a deleted record',
  );
  const republish = await redrive(api, record.id, 'republish', { reason: 'a consumer missed the deletion' });
  t.equal(
    republish.statusCode,
    202,
    'a deleted record can be republished (its consumers may have missed the deletion)',
  );
  t.equal(republish.json().data.replay.events.at(-1).type, 'PublishingRecordDeleted');

  const unknown = await redrive(api, '6f1d7c4e-0d5b-4a3e-9f2a-1b2c3d4e5f60', 'republish', { reason: 'x' });
  t.equal(unknown.statusCode, 404);
  t.match(unknown.json(), { code: 'RECORD_NOT_FOUND' });

  const other = await failedRecord(api);
  const stale = await redrive(api, other.id, 'redeliver', { reason: 'x' }, support, { 'if-match': '"1"' });
  t.equal(stale.statusCode, 412);
  t.equal((await redrive(api, other.id, 'redeliver', { reason: 'x' }, support, { 'if-match': '"2"' })).statusCode, 202);
});

t.test('bad bodies are 400s and store nothing', async (t) => {
  const api = await startApi(t);
  const record = await failedRecord(api);
  const count = await api.eventCount();
  for (const payload of [
    undefined,
    {},
    { reason: '' },
    { reason: '   ' },
    { reason: '\u200b\u200b' },
    { reason: '\u202e\u2066 ' },
    { reason: 'x'.repeat(1001) },
    { reason: 7 },
    { reason: 'x', dry_run: 'yes' },
    { reason: 'x', force: true },
  ]) {
    for (const action of ['republish', 'redeliver']) {
      const res = await redrive(api, record.id, action, payload);
      t.equal(res.statusCode, 400, `${action} ${JSON.stringify(payload)?.slice(0, 40)}`);
      t.match(res.json(), { success: false, code: String });
    }
  }
  t.equal(await api.eventCount(), count);
  const invisible = await redrive(api, record.id, 'redeliver', { reason: '\u200b' });
  t.same(invisible.json().errors, { reason: ['must have a visible character'] });
  for (const reason of ['INC-7', '#', 'מחיקה שגויה', '✓', '7']) {
    const res = await redrive(api, record.id, 'redeliver', { reason, dry_run: true });
    t.equal(res.statusCode, 200, `${reason}: a reason`);
  }
});

t.test('roles: support and privileged roles on any account, writers redeliver their own, viewers never', async (t) => {
  const api = await startApi(t);
  const owner: Claims = { account_id: 1, role: 'editor' };
  const roles = ['viewer', 'editor', 'admin', 'owner', 'support', 'developer', 'system_bot'] as const;
  const privileged = new Set(['support', 'developer', 'system_bot']);
  const writers = new Set(['editor', 'admin', 'owner']);
  for (const role of roles) {
    for (const account of [1, 2]) {
      const me: Claims = { account_id: account, role, sub: `${role}-${account}` };
      const own = account === 1;
      for (const action of ['republish', 'redeliver'] as const) {
        const record = await failedRecord(api, owner);
        const count = await api.eventCount();
        const res = await redrive(api, record.id, action, { reason: 'role matrix' }, me);
        const expected = privileged.has(role)
          ? 202
          : action === 'redeliver' && writers.has(role)
            ? own
              ? 202
              : 404
            : 403;
        t.equal(res.statusCode, expected, `${role} of ${own ? 'the same' : 'another'} account: ${action}`);
        if (expected === 403) t.match(res.json(), { code: 'ROLE_FORBIDDEN' });
        if (expected === 404) t.match(res.json(), { code: 'RECORD_NOT_FOUND' });
        if (expected !== 202) t.equal(await api.eventCount(), count, 'nothing stored');
      }
    }
  }
  // A site-restricted token cannot reach a record on another site (404, as for every command).
  const record = await failedRecord(api, owner);
  const restricted = await redrive(api, record.id, 'redeliver', { reason: 'x' }, { ...support, site_ids: [4] });
  t.equal(restricted.statusCode, 404);
});

t.test('deployments can be republished, by support, with a dry run', async (t) => {
  const api = await startApi(t);
  const deploy = await api.call({ method: 'POST', url: `${API}/deploy`, payload: { site_id: 3 } });
  const id = deploy.json().data.id as string;
  await api.call({ method: 'POST', url: `${API}/deployments/${id}/start` });
  const count = await api.eventCount();
  const dry = await api.call({
    method: 'POST',
    url: `${API}/deployments/${id}/republish`,
    payload: { reason: 'cdn team', dry_run: true },
    as: support,
  });
  t.equal(dry.statusCode, 200);
  t.equal(dry.json().data.replay.events.length, 2);
  t.equal(await api.eventCount(), count);

  const res = await api.call({
    method: 'POST',
    url: `${API}/deployments/${id}/republish`,
    payload: { reason: 'cdn team' },
    as: support,
  });
  t.equal(res.statusCode, 202);
  t.match(res.json().data, {
    record: { id, status: 'deploying', revision: 2 },
    event: { type: 'DeploymentRepublishRequested' },
  });
  const viewer = await api.call({
    method: 'POST',
    url: `${API}/deployments/${id}/republish`,
    payload: { reason: 'x' },
    as: { account_id: 1, role: 'viewer' },
  });
  t.equal(viewer.statusCode, 403);
  const otherEditor = await api.call({
    method: 'POST',
    url: `${API}/deployments/${id}/republish`,
    payload: { reason: 'x' },
    as: { account_id: 1, role: 'owner' },
  });
  t.equal(otherEditor.statusCode, 403, 'account writers do not republish');
});

t.test('a record id in upper case is the same record for reads, commands and re-drives', async (t) => {
  const api = await startApi(t);
  const record = await failedRecord(api);
  const upper = record.id.toUpperCase();
  const read = await api.call({ method: 'GET', url: `${API}/publishing-records/${upper}` });
  t.equal(read.statusCode, 200, 'read');
  t.equal(read.json().data.id, record.id, 'answered with the id as the API hands it out');
  const retried = await api.call({ method: 'POST', url: `${API}/publishing-records/${upper}/retry` });
  t.equal(retried.statusCode, 200, 'command');
  t.equal(retried.json().data.revision, 3, 'appended to the record’s own stream');
  const republished = await redrive(api, upper, 'republish', { reason: 'pasted from a ticket', dry_run: true });
  t.equal(republished.statusCode, 200, 're-drive');
});
