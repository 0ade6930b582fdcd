/**
 * History and as-of reads on the whole stack (command API → PostgreSQL event store → projector →
 * read API): a record through every status with its actors and changes, paging, a deleted record,
 * a deployment, one updated and cancelled while pending, re-drives (who asked and why), event types the
 * domain does not know, and past states equal to what the projector served at the time.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeploymentHistoryEntry, ListEnvelope, PublishingRecordHistoryEntry } from '@publisher/contracts';
import type { RecordedEvent } from '@publisher/event-store';
import type { LightMyRequestResponse } from 'fastify';
import type { Test } from 'tap';
import { Compile } from 'typebox/compile';
import { type Claims, startStack } from './e2e-helpers.ts';

// History entries are pre-rendered JSON (JsonDocument, serialized once per cached event): the
// answers are checked against the documented response schemas here.
const recordHistoryPage = Compile(ListEnvelope(PublishingRecordHistoryEntry));
const deploymentHistoryPage = Compile(ListEnvelope(DeploymentHistoryEntry));

const editor: Claims = { account_id: 1, role: 'editor' };
const admin: Claims = { account_id: 1, role: 'admin' };
const position = (res: LightMyRequestResponse) => String(res.headers['x-position']);

/**
 * The history and as-of tests, on a stack whose read API has `readEnv` (history.test.ts runs them with
 * the stream cache, history-uncached.test.ts without).
 */
export async function historySuite(t: Test, readEnv: NodeJS.ProcessEnv): Promise<void> {
  const stack = await startStack(t, readEnv);
  const { command, read } = stack;

  /** What the read model served once a command was projected, and a time after it (and before the next). */
  interface Served {
    revision: number;
    at: string;
    data: Record<string, unknown>;
  }

  async function served(id: string, res: LightMyRequestResponse, kind = 'publishing-records'): Promise<Served> {
    // 503 PROJECTION_BEHIND is the documented answer when the projector is slower than the wait
    // (a loaded CI machine): a client retries it, and so does this one.
    let current = await read(`/${kind}/${id}`, editor, { 'x-min-position': position(res) });
    for (let tries = 1; current.statusCode === 503 && tries < 6; tries++)
      current = await read(`/${kind}/${id}`, editor, { 'x-min-position': position(res) });
    t.equal(current.statusCode, 200, `projected ${kind} ${id}`);
    await sleep(5);
    const at = new Date().toISOString();
    await sleep(5);
    const data = current.json().data;
    return { revision: data.revision, at, data };
  }

  t.test('a publishing record through every status: history with actors, payloads and changes', async (t) => {
    const beforeCreate = new Date().toISOString();
    await sleep(5);
    const created = await command(
      'POST',
      '/publishing-records/',
      editor,
      {
        content_id: 42,
        site_id: 3,
        sector_id: 5,
        destination: 'webhook',
        destination_config: { url: 'https://hooks.example.com/a' },
        metadata: { title: 'v1' },
      },
      { 'x-correlation-id': 'workflow-77' },
    );
    t.equal(created.statusCode, 201);
    const id: string = created.json().data.id;
    const states: Served[] = [await served(id, created)];
    const steps: Array<[string, 'POST' | 'PATCH' | 'DELETE', string, unknown, Claims]> = [
      ['update', 'PATCH', '', { metadata: { title: 'v2' } }, admin],
      ['start', 'POST', '/start', {}, editor],
      ['fail', 'POST', '/fail', { error: 'timeout' }, editor],
      ['retry', 'POST', '/retry', {}, admin],
      ['start', 'POST', '/start', {}, editor],
      ['succeed', 'POST', '/succeed', { external_url: 'https://blog.example.com/p/1', external_id: 'p1' }, editor],
    ];
    const responses = [created];
    for (const [what, method, path, body, as] of steps) {
      const res = await command(method, `/publishing-records/${id}${path}`, as, body);
      t.equal(res.statusCode, 200, what);
      responses.push(res);
      states.push(await served(id, res));
    }
    const deleted = await command('DELETE', `/publishing-records/${id}`, admin);
    t.ok([200, 204].includes(deleted.statusCode), 'deleted');
    responses.push(deleted);

    const res = await read(`/publishing-records/${id}/history?page_size=100`, editor);
    t.equal(res.statusCode, 200);
    const body = res.json();
    t.match(body, { success: true, count: 8, next: null, previous: null, request_id: String });
    t.ok(recordHistoryPage.Check(body), 'the answer matches its documented schema');
    const history = body.results;
    t.same(
      history.map((e: { revision: number; type: string }) => [e.revision, e.type]),
      [
        [0, 'PublishingRecordCreated'],
        [1, 'PublishingRecordUpdated'],
        [2, 'PublishingStarted'],
        [3, 'PublishingFailed'],
        [4, 'PublishingRetried'],
        [5, 'PublishingStarted'],
        [6, 'PublishingSucceeded'],
        [7, 'PublishingRecordDeleted'],
      ],
      'every event, oldest first',
    );
    t.same(
      history.map((e: { actor: unknown }) => e.actor),
      [
        { user_id: 'u-1-editor', role: 'editor' },
        { user_id: 'u-1-admin', role: 'admin' },
        { user_id: 'u-1-editor', role: 'editor' },
        { user_id: 'u-1-editor', role: 'editor' },
        { user_id: 'u-1-admin', role: 'admin' },
        { user_id: 'u-1-editor', role: 'editor' },
        { user_id: 'u-1-editor', role: 'editor' },
        { user_id: 'u-1-admin', role: 'admin' },
      ],
      'who did each',
    );
    history.forEach((e: Record<string, unknown>, i: number) => {
      const response = responses[i] as LightMyRequestResponse;
      t.equal(e.position, position(response), `entry ${i}: the position its command answered`);
      t.equal(e.request_id, response.headers['x-request-id'], `entry ${i}: the request that wrote it`);
    });
    t.equal(history[0].correlation_id, 'workflow-77', 'the correlation id the client sent');
    t.equal(history[1].correlation_id, history[1].request_id, 'else the request id');
    t.equal(history[0].occurred_at, states[0]?.data.created_at);
    t.ok(history[0].occurred_at > beforeCreate && history[0].recorded_at >= history[0].occurred_at, 'times');
    t.same(history[3].data, { record_id: id, error: 'timeout', at: states[3]?.data.updated_at }, 'the payload');

    const at = (i: number) => states[i]?.data.updated_at;
    t.same(
      history.slice(1).map((e: { changes: unknown }) => e.changes),
      [
        { metadata: [{ title: 'v1' }, { title: 'v2' }], updated_at: [at(0), at(1)] },
        { status: ['pending', 'publishing'], attempts: [0, 1], updated_at: [at(1), at(2)] },
        { status: ['publishing', 'failed'], error_message: [null, 'timeout'], updated_at: [at(2), at(3)] },
        { status: ['failed', 'pending'], updated_at: [at(3), at(4)] },
        { status: ['pending', 'publishing'], attempts: [1, 2], updated_at: [at(4), at(5)] },
        {
          status: ['publishing', 'published'],
          external_url: [null, 'https://blog.example.com/p/1'],
          external_id: [null, 'p1'],
          error_message: ['timeout', null],
          published_at: [null, at(6)],
          updated_at: [at(5), at(6)],
        },
        { updated_at: [at(6), history[7].occurred_at] },
      ],
      'each event’s changes in the representation’s field names',
    );
    const createChanges = history[0].changes;
    t.same(createChanges.status, [null, 'pending'], 'the create sets every field from null');
    t.same(createChanges.metadata, [null, { title: 'v1' }]);
    t.notOk('revision' in createChanges, 'revision is not a change');
    for (let i = 0; i < 7; i++) {
      t.same(history[i].state, states[i]?.data, `state after entry ${i} is what the read model served then`);
    }

    t.equal((await read(`/publishing-records/${id}`, editor, { 'x-min-position': position(deleted) })).statusCode, 404);
    t.match(history[7], { type: 'PublishingRecordDeleted', state: { status: 'published', revision: 7 } });

    // Paging by revision, both ways.
    const p1 = (await read(`/publishing-records/${id}/history?page_size=3`, editor)).json();
    t.same([p1.count, p1.results.map((e: { revision: number }) => e.revision), p1.previous], [8, [0, 1, 2], null]);
    const url = (link: string) => new URL(link).pathname.replace('/api/v1/publisher', '') + new URL(link).search;
    const p2 = (await read(url(p1.next), editor)).json();
    const p3 = (await read(url(p2.next), editor)).json();
    t.same(
      [...p2.results, ...p3.results].map((e: { revision: number }) => e.revision),
      [3, 4, 5, 6, 7],
    );
    t.equal(p3.next, null);
    t.same(p3.results[0].changes, history[6].changes, 'a later page folds from the start all the same');
    const back = (await read(url(p3.previous), editor)).json();
    t.same(
      back.results.map((e: { revision: number }) => e.revision),
      [3, 4, 5],
    );
    const beyond = (await read(`/publishing-records/${id}/history?from_revision=50`, editor)).json();
    t.same([beyond.count, beyond.results, beyond.next], [8, [], null], 'past the end: empty, counted');
    const last = (await read(url(beyond.previous), editor)).json();
    t.same(
      last.results.map((e: { revision: number }) => e.revision),
      [0, 1, 2, 3, 4, 5, 6, 7],
      'its previous link is the last page (of the default size 20)',
    );

    // As-of, by time and by revision, equals what the read model served at that time.
    for (const [i, s] of states.entries()) {
      const byTime = await read(`/publishing-records/${id}?as_of=${encodeURIComponent(s.at)}`, editor);
      t.equal(byTime.statusCode, 200, `as_of after command ${i}`);
      t.same(byTime.json().data, s.data, `as_of after command ${i} equals what was served then`);
      t.equal(byTime.headers.etag, `"${s.revision}"`);
      const byRevision = await read(`/publishing-records/${id}?as_of_revision=${s.revision}`, editor);
      t.same(byRevision.json().data, s.data, `as_of_revision ${s.revision}`);
    }
    const notYet = await read(`/publishing-records/${id}?as_of=${encodeURIComponent(beforeCreate)}`, editor);
    t.match(notYet.json(), { success: false, code: 'RECORD_NOT_FOUND', error: /did not exist yet/ });
    t.equal(notYet.statusCode, 404);
    const gone = await read(`/publishing-records/${id}?as_of=${encodeURIComponent(new Date().toISOString())}`, editor);
    t.match([gone.statusCode, gone.json().code], [404, 'RECORD_DELETED']);
    const noSuchRevision = await read(`/publishing-records/${id}?as_of_revision=8`, editor);
    t.match([noSuchRevision.statusCode, noSuchRevision.json().error], [404, /no revision 8/]);
    const etag = String((await read(`/publishing-records/${id}?as_of_revision=2`, editor)).headers.etag);
    const notModified = await read(`/publishing-records/${id}?as_of_revision=2`, editor, { 'if-none-match': etag });
    t.equal(notModified.statusCode, 304);
    // No body and no Content-Length: a Content-Length of a body that is not there (`null`, 4 bytes)
    // breaks HTTP clients such as undici, which the support console's proxy uses (500 in the console).
    t.equal(notModified.payload, '');
    t.equal(notModified.headers['content-length'], undefined);
  });

  t.test('a deployment’s history and past states', async (t) => {
    const created = await command('POST', '/deployments/', editor, { site_id: 9, metadata: { build: 1 } });
    t.equal(created.statusCode, 201);
    const id: string = created.json().data.id;
    const states = [await served(id, created, 'deployments')];
    for (const [path, body] of [
      ['start', {}],
      ['succeed', { deployment_url: 'https://site9.example.com' }],
      ['rollback', { reason: 'broken header' }],
    ] as const) {
      const res = await command('POST', `/deployments/${id}/${path}`, editor, body);
      t.equal(res.statusCode, 200, path);
      states.push(await served(id, res, 'deployments'));
    }
    const history = (await read(`/deployments/${id}/history`, editor)).json();
    t.ok(deploymentHistoryPage.Check(history), 'the answer matches its documented schema');
    t.same(
      history.results.map((e: { type: string }) => e.type),
      ['DeploymentCreated', 'DeploymentStarted', 'DeploymentSucceeded', 'DeploymentRolledBack'],
    );
    t.same(history.results[3].changes, {
      status: ['deployed', 'rolled_back'],
      rolled_back_at: [null, states[3]?.data.rolled_back_at],
      updated_at: [states[2]?.data.updated_at, states[3]?.data.updated_at],
    });
    t.same(history.results[3].data.reason, 'broken header');
    for (const s of states) {
      const then = await read(`/deployments/${id}?as_of=${encodeURIComponent(s.at)}`, editor);
      t.same(then.json().data, s.data, `deployment as of revision ${s.revision}`);
    }
    t.equal((await read(`/publishing-records/${id}/history`, editor)).statusCode, 404, 'not a publishing record');
  });

  t.test('a deployment updated, then cancelled while pending: history entries and past states', async (t) => {
    // DeploymentUpdated and DeploymentCancelled came after the first history tests: each entry must carry
    // its actor, payload, changes and the state after it, and as-of must fold through them (it fails if
    // the read model, the history fold or as-of ignored either event).
    const created = await command('POST', '/deployments/', editor, { site_id: 10, metadata: { build: 1 } });
    t.equal(created.statusCode, 201);
    const id: string = created.json().data.id;
    const states = [await served(id, created, 'deployments')];
    const patched = await command('PATCH', `/deployments/${id}`, admin, { metadata: { build: 2 } });
    t.equal(patched.statusCode, 200, 'updated while pending');
    states.push(await served(id, patched, 'deployments'));
    const cancelled = await command('POST', `/deployments/${id}/cancel`, editor, { reason: 'superseded' });
    t.equal(cancelled.statusCode, 200, 'cancelled while pending');
    states.push(await served(id, cancelled, 'deployments'));
    const [first, second, third] = states.map((s) => s.data);
    t.match([second, third], [{ metadata: { build: 2 }, status: 'pending' }, { status: 'cancelled' }], 'projected');

    const page = (await read(`/deployments/${id}/history`, editor)).json();
    t.ok(deploymentHistoryPage.Check(page), 'the answer matches its documented schema');
    const history = page.results;
    t.same(
      history.map((e: { revision: number; type: string }) => [e.revision, e.type]),
      [
        [0, 'DeploymentCreated'],
        [1, 'DeploymentUpdated'],
        [2, 'DeploymentCancelled'],
      ],
    );
    t.same(
      history.map((e: { actor: unknown }) => e.actor),
      [
        { user_id: 'u-1-editor', role: 'editor' },
        { user_id: 'u-1-admin', role: 'admin' },
        { user_id: 'u-1-editor', role: 'editor' },
      ],
      'who did each',
    );
    t.same(
      history.map((e: { position: string }) => e.position),
      [created, patched, cancelled].map(position),
    );
    t.same(history[1].data, { deployment_id: id, changes: { metadata: { build: 2 } }, at: second?.updated_at });
    t.same(history[1].changes, {
      metadata: [{ build: 1 }, { build: 2 }],
      updated_at: [first?.updated_at, second?.updated_at],
    });
    t.same(history[2].data, { deployment_id: id, reason: 'superseded', at: third?.updated_at }, 'the cancel reason');
    t.same(history[2].changes, {
      status: ['pending', 'cancelled'],
      updated_at: [second?.updated_at, third?.updated_at],
    });
    for (const [i, s] of states.entries()) {
      t.same(history[i].state, s.data, `entry ${i}: the state the read model served after it`);
      const byRevision = await read(`/deployments/${id}?as_of_revision=${s.revision}`, editor);
      t.same(byRevision.json().data, s.data, `as_of_revision ${s.revision}`);
      t.equal(byRevision.headers.etag, `"${s.revision}"`);
      const byTime = await read(`/deployments/${id}?as_of=${encodeURIComponent(s.at)}`, editor);
      t.same(byTime.json().data, s.data, `as_of after revision ${s.revision}`);
    }
  });

  t.test('re-drives show in history with who asked and why, and in the audit search', async (t) => {
    const support: Claims = { account_id: 99, role: 'support' };
    const created = await command('POST', '/publishing-records/', editor, {
      content_id: 8,
      site_id: 3,
      sector_id: 5,
      destination: 'webhook',
    });
    const id: string = created.json().data.id;
    t.equal((await command('POST', `/publishing-records/${id}/start`, editor, {})).statusCode, 200);
    const failed = await command('POST', `/publishing-records/${id}/fail`, editor, { error: 'timeout' });
    const before = await served(id, failed);
    const republished = await command('POST', `/publishing-records/${id}/republish`, support, {
      reason: 'analytics lost its offsets, INC-7',
    });
    t.equal(republished.statusCode, 202, 'republish recorded');
    const redelivered = await command('POST', `/publishing-records/${id}/redeliver`, support, {
      reason: 'destination fixed, INC-8',
    });
    t.equal(redelivered.statusCode, 202, 'redelivery recorded');
    const after = await served(id, redelivered);

    const history = (await read(`/publishing-records/${id}/history`, editor)).json();
    t.ok(recordHistoryPage.Check(history), 'the answer matches its documented schema');
    t.match(history.results[3], {
      revision: 3,
      type: 'PublishingRecordRepublishRequested',
      actor: { user_id: 'u-99-support', role: 'support' },
      data: { record_id: id, reason: 'analytics lost its offsets, INC-7', replay_id: String },
      changes: {},
      state: { ...before.data, revision: 3 },
    });
    t.same(history.results[3].changes, {}, 'a republish changes no field');
    t.match(history.results[4], {
      revision: 4,
      type: 'PublishingRedeliveryRequested',
      actor: { user_id: 'u-99-support', role: 'support' },
      data: { reason: 'destination fixed, INC-8' },
      state: after.data,
    });
    t.same(history.results[4].changes, {
      status: ['failed', 'pending'],
      updated_at: [before.data.updated_at, after.data.updated_at],
    });
    const asOf = await read(`/publishing-records/${id}?as_of_revision=3`, editor);
    t.same(asOf.json().data, { ...before.data, revision: 3 }, 'as-of folds through the republish');

    const deployment = await command('POST', '/deployments/', editor, { site_id: 11 });
    const deploymentId: string = deployment.json().data.id;
    const deploymentRepublished = await command('POST', `/deployments/${deploymentId}/republish`, support, {
      reason: 'CDN team replay',
    });
    t.equal(deploymentRepublished.statusCode, 202);
    const deploymentHistory = (await read(`/deployments/${deploymentId}/history`, editor)).json();
    t.ok(deploymentHistoryPage.Check(deploymentHistory), 'the answer matches its documented schema');
    t.match(deploymentHistory.results[1], {
      type: 'DeploymentRepublishRequested',
      data: { reason: 'CDN team replay' },
      changes: {},
    });

    // The audit projection knows no event types: the re-drives are searchable like any other event.
    await served(deploymentId, deploymentRepublished, 'deployments');
    const audit = (await read(`/audit/events?record_id=${id}`, editor)).json();
    t.same(
      audit.results.map((e: { type: string }) => e.type),
      [
        'PublishingRedeliveryRequested',
        'PublishingRecordRepublishRequested',
        'PublishingFailed',
        'PublishingStarted',
        'PublishingRecordCreated',
      ],
      'newest first',
    );
    t.match(audit.results[0], { actor: { user_id: 'u-99-support', role: 'support' } });
    const redrives = (
      await read(`/audit/events?type=DeploymentRepublishRequested&record_id=${deploymentId}`, editor)
    ).json().results;
    t.equal(redrives.length, 1, 'filtered by the new type');
  });

  t.test('event types the domain does not know show in history with no changes, and leave the state', async (t) => {
    const created = await command('POST', '/publishing-records/', editor, {
      content_id: 7,
      site_id: 3,
      sector_id: 5,
      destination: 'webhook',
    });
    const id: string = created.json().data.id;
    const before = await served(id, created);
    const stream = `publishing_record-${id}`;
    const first = (await stack.store.readStream(stream))[0] as RecordedEvent;
    await stack.store.append(
      stream,
      [
        {
          id: randomUUID(),
          type: 'PublishingRecordRepublished',
          data: { record_id: id, reason: 'consumer lost its copy', at: new Date().toISOString() },
          metadata: { ...first.metadata, actor: { user_id: 'sam', role: 'support' } },
        },
      ],
      0,
    );
    const history = (await read(`/publishing-records/${id}/history`, editor)).json();
    t.match(history.results[1], {
      revision: 1,
      type: 'PublishingRecordRepublished',
      actor: { user_id: 'sam', role: 'support' },
      data: { reason: 'consumer lost its copy' },
      changes: {},
      state: { ...before.data, revision: 1 },
    });
    const now = await read(`/publishing-records/${id}?as_of_revision=1`, editor);
    t.same(now.json().data, { ...before.data, revision: 1 }, 'as-of folds past it');
  });

  t.test('bad input is a 400 in the envelope, an unknown record a 404', async (t) => {
    const unknown = randomUUID();
    t.match((await read(`/publishing-records/${unknown}/history`, editor)).json(), {
      success: false,
      code: 'RECORD_NOT_FOUND',
    });
    t.equal((await read(`/deployments/${unknown}?as_of_revision=0`, editor)).statusCode, 404);
    for (const url of [
      '/publishing-records/not-a-uuid/history',
      `/publishing-records/${unknown}/history?page_size=0`,
      `/publishing-records/${unknown}/history?page_size=101`,
      `/publishing-records/${unknown}/history?from_revision=-1`,
      `/publishing-records/${unknown}/history?nope=1`,
      `/publishing-records/${unknown}?as_of=yesterday`,
      `/publishing-records/${unknown}?as_of_revision=-2`,
      `/publishing-records/${unknown}?as_of_revision=x`,
      `/deployments/${unknown}?as_of=2024-05-01T00:00:00Z&as_of_revision=1`,
    ]) {
      const res = await read(url, editor);
      t.equal(res.statusCode, 400, url);
      t.match(res.json(), { success: false, code: 'VALIDATION', errors: Object }, url);
    }
  });
}
