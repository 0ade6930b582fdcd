/**
 * The re-drive commands against the real command API (HTTP on loopback), the real PostgreSQL and
 * the test broker: the API ones with a token, the direct ones with DATABASE_URL / KAFKA_BROKERS.
 */
import { randomUUID } from 'node:crypto';
import { buildApp, loadCommandApiConfig } from '@publisher/command-api';
import { startKafka } from '@publisher/dev-infra';
import { relayControlStream } from '@publisher/domain';
import { createPostgresEventStore } from '@publisher/event-store';
import { createCheckpointStore } from '@publisher/kafka-relay';
import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { createTestDatabase, signTestToken, waitUntil } from '@publisher/testing';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import t from 'tap';
import { commands } from '../src/commands/index.ts';
import { runCli } from '../src/run.ts';
import { sink } from './sink.ts';

const db = await createTestDatabase('support_cli');
const pool = new pg.Pool({ connectionString: db.url, max: 4 });
pool.on('error', () => {});
const store = createPostgresEventStore({ pool });
await store.migrate();
const app = await buildApp(
  { store, pool, config: loadCommandApiConfig({ LOG_LEVEL: 'silent', STUCK_SWEEP_ENABLED: 'false' }) },
  { logger: false },
);
await app.listen({ port: 0, host: '127.0.0.1' });
// In this order: the API, then its pool, then the database (dropping it ends open connections).
t.teardown(async () => {
  await app.close();
  await pool.end();
  await db.drop();
});
const commandApiUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
const token = (role: string, account = 1) =>
  signTestToken({ sub: `${role}-user`, account_id: account, role }, { key: DEVELOPMENT_JWT_SECRET });

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const stdout = sink();
  const stderr = sink();
  const code = await runCli(argv, commands, {
    stdout: stdout.stream,
    stderr: stderr.stream,
    env: { COMMAND_API_URL: commandApiUrl, PUBLISHER_TOKEN: token('support', 99), USER: 'ops-anna', ...env },
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

async function failedRecord(): Promise<string> {
  const editor = { authorization: `Bearer ${token('editor')}`, 'content-type': 'application/json' };
  const post = (path: string, body: unknown = {}) =>
    fetch(`${commandApiUrl}/api/v1/publisher/${path}`, { method: 'POST', headers: editor, body: JSON.stringify(body) });
  const created = (await (
    await post('publishing-records/', { content_id: 1, site_id: 2, sector_id: 3, destination: 'webhook' })
  ).json()) as { data: { id: string } };
  const id = created.data.id;
  await post(`publishing-records/${id}/start`);
  await post(`publishing-records/${id}/fail`, { error: 'boom' });
  return id;
}

const eventCount = async () => Number((await pool.query('SELECT count(*) AS n FROM event_store.events')).rows[0].n);

t.test('--help names what each command needs', async (t) => {
  const all = await cli(['--help']);
  t.match(all.stdout, /republish\s+send a record’s \(or an account’s\) events/);
  t.match(all.stdout, /dead-letters/);
  t.match((await cli(['relay', '--help'])).stdout, /DATABASE_URL/);
  t.match((await cli(['dead-letters', '--help'])).stdout, /KAFKA_BROKERS/);
  t.match((await cli(['redeliver', '--help'])).stdout, /Through the command API with your token/);
});

t.test('republish and redeliver go through the API with the caller’s token', async (t) => {
  const id = await failedRecord();
  const before = await eventCount();
  const dry = await cli(['redeliver', id, '--reason', 'destination fixed', '--dry-run', '--json']);
  t.equal(dry.code, 0, dry.stderr);
  t.match(JSON.parse(dry.stdout), { dry_run: true, action: 'redeliver', record: { status: 'pending' } });
  t.equal(await eventCount(), before, 'a dry run stores nothing');

  const done = await cli(['redeliver', id, '--reason', 'destination fixed']);
  t.equal(done.code, 0);
  t.match(done.stdout, new RegExp(`publishing record ${id} is pending again`));
  t.match(done.stdout, /recorded: PublishingRedeliveryRequested /);

  const republish = await cli(['republish', id, '--reason', 'INC-7']);
  t.equal(republish.code, 0);
  t.match(republish.stdout, /the relay re-sends 4 events of publishing record .* replay-id /);
  t.equal((republish.stdout.match(/\t/g) ?? []).length, 8, 'one line per replayed event');
  const [last] = (await store.readStream(`publishing_record-${id}`)).slice(-1);
  t.match(last, {
    type: 'PublishingRecordRepublishRequested',
    metadata: { actor: { user_id: 'support-user', role: 'support' } },
  });

  const refused = await cli(['redeliver', id, '--reason', 'again']);
  t.equal(refused.code, 1);
  t.match(refused.stderr, /cannot redeliver a publishing record that is pending \(ILLEGAL_TRANSITION, HTTP 409\)/);
  t.match(refused.stderr, /\n {2}request_id: \S+\n/, 'the request id, to find it in the logs');
  const refusedJson = await cli(['redeliver', id, '--reason', 'again', '--json']);
  t.equal(refusedJson.code, 1);
  t.match(JSON.parse(refusedJson.stdout), {
    success: false,
    status: 409,
    code: 'ILLEGAL_TRANSITION',
    request_id: /\S/,
  });
  const viewer = await cli(['redeliver', id, '--reason', 'x'], { PUBLISHER_TOKEN: token('viewer') });
  t.equal(viewer.code, 1);
  t.match(viewer.stderr, /ROLE_FORBIDDEN, HTTP 403/);
  const usage = await cli(['republish', id]);
  t.equal(usage.code, 2);
  t.match(usage.stderr, /--reason is required/);
});

t.test('relay status, skip and reset, and an account republish, on the database', async (t) => {
  const env = { DATABASE_URL: db.url };
  const checkpoints = createCheckpointStore(pool);
  await checkpoints.migrate();
  const id = await failedRecord();
  const events = await store.readStream(`publishing_record-${id}`);
  await checkpoints.load('kafka-relay');
  await checkpoints.save('kafka-relay', null, events[0]!.position);
  const bogus = randomUUID();
  await store.append(
    `publishing_record-${id}`,
    [{ id: bogus, type: 'PublishingRecordArchived', data: { record_id: id }, metadata: events[0]!.metadata }],
    events.length - 1,
  );
  // The log shows an append once no older transaction of the cluster still runs (other test files
  // use the same server): the status scan reads the log, so wait until it shows the event.
  await waitUntil(
    'the appended event to become readable',
    async () => (await store.readAll({ after: events.at(-1)!.position })).some((e) => e.id === bogus),
    { timeoutMs: 10_000 },
  );

  const status = await cli(['relay', 'status', '--json'], env);
  t.equal(status.code, 0, status.stderr);
  t.match(JSON.parse(status.stdout), {
    relay: 'kafka-relay',
    checkpoint: events[0]!.position,
    stuck: { event_id: bogus },
  });

  const mappable = await cli(['relay', 'skip', events[1]!.id, '--reason', 'x'], env);
  t.equal(mappable.code, 1);
  t.match(mappable.stderr, /skipping it would hide it from consumers \(RELAY_ADMIN_REFUSED\)/);
  const before = await eventCount();
  t.equal((await cli(['relay', 'skip', bogus, '--reason', 'ticket 9', '--dry-run'], env)).code, 0);
  t.equal(await eventCount(), before);
  const skip = await cli(['relay', 'skip', bogus, '--reason', 'ticket 9', '--by', 'ops-bob'], env);
  t.equal(skip.code, 0, skip.stderr);
  t.match(skip.stdout, new RegExp(`skipped ${bogus} \\(PublishingRecordArchived`));
  const [skipped] = (await store.readStream(relayControlStream('kafka-relay'))).slice(-1);
  t.match(skipped, {
    type: 'RelayEventSkipped',
    data: { event_id: bogus, reason: 'ticket 9' },
    metadata: { actor: { user_id: 'ops-bob' } },
  });

  const upToCheckpoint = (await store.readAll()).filter((e) => e.position <= events[0]!.position).length;
  const reset = await cli(
    ['relay', 'reset', '--to', 'start', '--reason', 'consumers lost everything', '--dry-run'],
    env,
  );
  t.equal(reset.code, 0, reset.stderr);
  t.match(
    reset.stdout,
    `DRY RUN: would move relay kafka-relay from ${events[0]!.position} to start: it re-sends the ${upToCheckpoint} events after it`,
  );
  t.equal(await checkpoints.load('kafka-relay'), events[0]!.position);
  t.equal((await cli(['relay', 'reset', '--to', 'start', '--reason', 'consumers lost everything'], env)).code, 0);
  t.equal(await checkpoints.load('kafka-relay'), null);
  t.equal((await cli(['relay', 'reset', '--to', 'soon', '--reason', 'x'], env)).code, 2);

  const account = await cli(
    ['republish', '--account', '1', '--reason', 'analytics rebuild', '--dry-run', '--json'],
    env,
  );
  t.equal(account.code, 0, account.stderr);
  // Account 1's public events: 4 of the first test's record (its republish request is internal) and
  // 3 of this one (the event the relay cannot map is not counted).
  t.match(JSON.parse(account.stdout), { dry_run: true, detail: { events: 7 } });
  const real = await cli(['republish', '--account', '1', '--reason', 'analytics rebuild'], env);
  t.match(real.stdout, /recorded: relay kafka-relay re-send 7 events of account 1 .* with replay-id /);
  const noDb = await cli(['relay', 'status']);
  t.equal(noDb.code, 2);
  t.match(noDb.stderr, /DATABASE_URL is required/);
});

t.test('relay commands on a database no relay has run on say so', async (t) => {
  const fresh = await createTestDatabase('support_cli_no_relay');
  t.teardown(fresh.drop);
  const freshStore = createPostgresEventStore({ connectionString: fresh.url });
  t.teardown(() => freshStore.close());
  await freshStore.migrate();
  const env = { DATABASE_URL: fresh.url };
  for (const args of [
    ['relay', 'status'],
    ['relay', 'skip', randomUUID(), '--reason', 'x', '--dry-run'],
  ]) {
    const res = await cli(args, env);
    t.equal(res.code, 1, args.join(' '));
    t.match(res.stderr, /no relay has run on this database \(it has no relay_checkpoints table\): check DATABASE_URL/);
  }
});

t.test('dead letters: list and re-drive on the broker', async (t) => {
  let brokers = process.env.KAFKA_BROKERS;
  if (!brokers) {
    const kafka = await startKafka();
    t.teardown(() => kafka.stop());
    brokers = kafka.brokers;
  }
  const prefix = `cli-${randomUUID().slice(0, 8)}.`;
  const source = `${prefix}publisher.publishing-records.v1`;
  const dlq = `${source}.dlq`;
  const kafka = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [source, dlq].map((topic) => ({ topic, numPartitions: 1 })),
  });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  t.teardown(() => producer.disconnect());
  const eventId = randomUUID();
  await producer.send({
    topic: dlq,
    messages: [
      {
        key: 'k',
        value: '{"event_type":"publisher.publishing_record.archived"}',
        headers: { 'event-id': eventId, 'dlq-reason': 'EVENT_UNKNOWN_TYPE', 'dlq-source-topic': source },
      },
    ],
  });
  const env = { DATABASE_URL: db.url, KAFKA_BROKERS: brokers, KAFKA_TOPIC_PREFIX: prefix };
  const list = await cli(['dead-letters', 'list', '--json'], env);
  t.equal(list.code, 0, list.stderr);
  t.match(JSON.parse(list.stdout), {
    partition: 0,
    offset: '0',
    event_id: eventId,
    dlq_reason: 'EVENT_UNKNOWN_TYPE',
    redriven: null,
  });

  const dry = await cli(['dead-letters', 'redrive', '--all', '--reason', 'worker upgraded', '--dry-run'], env);
  t.match(dry.stdout, /DRY RUN: would send 1 message back/);
  const usage = await cli(['dead-letters', 'redrive', '--reason', 'x'], env);
  t.equal(usage.code, 2);
  const done = await cli(['dead-letters', 'redrive', '--all', '--reason', 'worker upgraded'], env);
  t.equal(done.code, 0, done.stderr);
  t.match(done.stdout, /sent 1 message back \(re-drive .*\); recorded as event /);
  t.match((await cli(['dead-letters', 'list'], env)).stdout, /0:0\tEVENT_UNKNOWN_TYPE\t-\t.*\tre-driven /);
  const again = await cli(['dead-letters', 'redrive', '--offsets', '0:0', '--reason', 'again'], env);
  t.equal(again.code, 1);
  t.match(again.stderr, /was already re-driven/);
  t.match((await cli(['dead-letters', 'redrive', '--all', '--reason', 'again'], env)).stdout, /nothing to send back/);
});

// Last: its record's events would count in the account republish above.
t.test('--if-revision holds a re-drive to the revision it was decided on', async (t) => {
  const id = await failedRecord();
  const dry = await cli(['republish', id, '--reason', 'INC-9', '--dry-run']);
  t.equal(dry.code, 0, dry.stderr);
  t.match(dry.stdout, /decided on revision 2 \(--if-revision to hold to it\)/);
  const stale = await cli(['redeliver', id, '--reason', 'INC-9', '--if-revision', '1']);
  t.equal(stale.code, 1);
  t.match(stale.stderr, /PRECONDITION_FAILED, HTTP 412/);
  const once = await cli(['republish', id, '--reason', 'INC-9', '--if-revision', '2']);
  t.equal(once.code, 0, once.stderr);
  const again = await cli(['republish', id, '--reason', 'INC-9', '--if-revision', '2']);
  t.equal(again.code, 1, 'sent again, it is refused, not a second replay');
  t.match(again.stderr, /PRECONDITION_FAILED, HTTP 412/);
  t.equal(
    (await store.readStream(`publishing_record-${id}`)).filter((e) => e.type === 'PublishingRecordRepublishRequested')
      .length,
    1,
  );
});
