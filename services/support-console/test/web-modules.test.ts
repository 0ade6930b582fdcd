/** The console's browser modules that need no DOM, tested in Node. */
import { DEPLOYMENTS_TOPIC, EVENT_CONTRACTS, PUBLISHING_RECORDS_TOPIC } from '@publisher/contracts';
import t from 'tap';
import { fromLocalInput, lastInstantOfLocalInput } from '../web/format.ts';
import { PUBLIC_EVENT_TYPES, REPUBLISH_REQUEST_TYPES, sentToKafka } from '../web/kafka.ts';
import { readableMessage } from '../web/messages.ts';
import { isDeleted, readsAccessLog, redriveActions } from '../web/rules.ts';

t.test(
  'every public type the timeline names is in the contracts catalogue, on the topic of its record kind',
  async (t) => {
    for (const [internal, published] of Object.entries(PUBLIC_EVENT_TYPES)) {
      const contract = EVENT_CONTRACTS.find((c) => c.eventType === published);
      t.ok(contract, `${internal} → ${published} is a published type`);
      t.equal(contract?.topic, internal.startsWith('Deployment') ? DEPLOYMENTS_TOPIC : PUBLISHING_RECORDS_TOPIC);
    }
    // And every public type is reachable from some internal event: none is left unexplained.
    const named = new Set(Object.values(PUBLIC_EVENT_TYPES));
    for (const contract of EVENT_CONTRACTS) t.ok(named.has(contract.eventType), `${contract.eventType} is shown`);
  },
);

t.test('what consumers were sent, per history event', async (t) => {
  t.equal(sentToKafka({ type: 'PublishingSucceeded', revision: 3, data: {} }), 'publisher.publishing_record.published');
  t.equal(
    sentToKafka({ type: 'PublishingRedeliveryRequested', revision: 4, data: {} }),
    'publisher.publishing_record.retried',
  );
  t.equal(sentToKafka({ type: 'DeploymentVersionReserved', revision: 0, data: {} }), 'nothing (internal event)');
  t.equal(
    sentToKafka({ type: 'PublishingRecordRepublishRequested', revision: 6, data: { replay_id: 'r-1', reason: 'x' } }),
    'replay of revisions 0–5 (public events only), replay-id r-1',
  );
  t.equal(
    sentToKafka({ type: 'DeploymentRepublishRequested', revision: 1, data: { replay_id: 'r-2' } }),
    'replay of revision 0 (public events only), replay-id r-2',
  );
  t.ok(REPUBLISH_REQUEST_TYPES.has('DeploymentRepublishRequested'));
});

t.test('each API status reads as a sentence a support person understands', async (t) => {
  t.equal(readableMessage(401, 'AUTH_TOKEN_EXPIRED', 'token expired', null), 'Your token has expired. Sign in again.');
  t.match(
    readableMessage(401, 'AUTH_TOKEN_INVALID', 'bad signature', null),
    /not accepted \(bad signature\)\. Sign in again\./,
  );
  t.match(
    readableMessage(403, 'ROLE_FORBIDDEN', 'role editor may not read the access log', null),
    /^Your role may not do this: role editor/,
  );
  t.match(
    readableMessage(404, 'RECORD_NOT_FOUND', 'x', null),
    /no such record, or it belongs to an account you cannot see/,
  );
  t.equal(
    readableMessage(
      404,
      'RECORD_DELETED',
      'publishing record x was deleted by then (revision 3); its history shows it',
      null,
    ),
    'Deleted: publishing record x was deleted by then (revision 3); its history shows it.',
    'the API’s reason once',
  );
  t.equal(
    readableMessage(429, 'RATE_LIMITED', 'rate limit exceeded', '12'),
    'Too many requests for your account. Wait 12 seconds and try again.',
  );
  t.match(
    readableMessage(503, 'PROJECTION_BEHIND', 'projection behind', '1'),
    /unavailable right now \(projection behind\)\. Try again in 1 seconds/,
  );
  t.match(readableMessage(503, 'DATABASE_UNAVAILABLE', 'database down', null), /Try again shortly/);
  t.match(
    readableMessage(400, 'VALIDATION', 'querystring.site_id must be >= 1', null),
    /refused as invalid: querystring\.site_id/,
  );
  t.match(readableMessage(500, 'INTERNAL_ERROR', 'internal error', null), /The server failed \(500\)/);
});

t.test('a typed time names the last instant of its precision: a second includes what happened during it', async (t) => {
  const ms = (value: string) => new Date(lastInstantOfLocalInput(value) ?? '').getTime();
  const start = (value: string) => new Date(fromLocalInput(value) ?? '').getTime();
  t.equal(ms('2026-12-04T11:59') - start('2026-12-04T11:59'), 999, 'seconds of :00 (left out by browsers)');
  t.equal(ms('2026-12-04T11:59:54') - start('2026-12-04T11:59:54'), 999, 'to the second');
  t.equal(ms('2026-12-04T11:59:54.200') - start('2026-12-04T11:59:54.200'), 0, 'to the millisecond');
  t.equal(lastInstantOfLocalInput(''), null);
  t.equal(lastInstantOfLocalInput('not a time'), null);
});

t.test('a record is deleted once a deletion is anywhere in its history, whatever follows it', async (t) => {
  const types = (...names: string[]) => names.map((type) => ({ type }));
  t.notOk(isDeleted(types('PublishingRecordCreated', 'PublishingFailed')));
  t.ok(isDeleted(types('PublishingRecordCreated', 'PublishingRecordDeleted')));
  t.ok(
    isDeleted(types('PublishingRecordCreated', 'PublishingRecordDeleted', 'PublishingRecordRepublishRequested')),
    'a republish after the deletion does not undo it',
  );
});

t.test('the re-drives offered are those the command API accepts from the role on the record', async (t) => {
  const failed = { deleted: false, status: 'failed' };
  const published = { deleted: false, status: 'published' };
  const deletedFailed = { deleted: true, status: 'failed' };
  const offered = (kind: 'publishing-records' | 'deployments', role: string, record: typeof failed) =>
    redriveActions(kind, { role }, record);
  t.same(offered('publishing-records', 'support', failed), ['republish', 'redeliver']);
  t.same(offered('publishing-records', 'support', published), ['republish'], 'redelivered only when failed');
  t.same(offered('publishing-records', 'support', deletedFailed), ['republish'], 'a deleted record: republish only');
  t.same(offered('publishing-records', 'editor', failed), ['redeliver'], 'writers redeliver, never republish');
  t.same(offered('publishing-records', 'editor', deletedFailed), []);
  t.same(offered('publishing-records', 'viewer', failed), []);
  t.same(offered('deployments', 'developer', failed), ['republish'], 'deployments are never redelivered');
  t.same(offered('deployments', 'owner', failed), []);
});

t.test('the access log is offered to an account’s admin and owner only, as the read API serves it', async (t) => {
  t.ok(readsAccessLog({ role: 'admin', account_id: 1 }));
  t.ok(readsAccessLog({ role: 'owner', account_id: 1 }));
  for (const role of ['viewer', 'editor', 'support', 'developer', 'system_bot']) {
    t.notOk(readsAccessLog({ role, account_id: 99 }), role);
  }
  t.notOk(readsAccessLog({ role: 'admin', account_id: null }), 'an admin of no account');
});
