import { randomUUID } from 'node:crypto';
import { decodeEventMessage, REPLAY_HEADERS, replayOf } from '@publisher/contracts';
import {
  decideDeployment,
  decidePublishingRecord,
  decideRelayControl,
  type RelayControlCommand,
  relayControlStream,
} from '@publisher/domain';
import type { RecordedEvent } from '@publisher/event-store';
import t from 'tap';
import { type PipelineOptions, type PreparedBatch, prepareBatches } from '../src/pipeline.ts';
import {
  createCommand,
  foldDeployment,
  foldPublishingRecord,
  lifecycleCommands,
  metadata,
  type Tenant,
} from './helpers/fixtures.ts';

/** An in-memory log written through the deciders, as the command side writes the real one. */
function memoryLog() {
  const log: RecordedEvent[] = [];
  let seq = 0;
  const append = (stream: string, tenant: Tenant, events: Array<{ type: string; data: unknown }>) =>
    events.map((e) => {
      const recorded: RecordedEvent = {
        id: randomUUID(),
        stream,
        type: e.type,
        data: e.data as Record<string, unknown>,
        metadata: metadata(tenant),
        revision: log.filter((x) => x.stream === stream).length,
        position: `0000000000000001-${(++seq).toString(16).padStart(16, '0')}`,
        recorded_at: new Date(),
      };
      log.push(recorded);
      return recorded;
    });
  const at = () => new Date().toISOString();
  return {
    log,
    record(id: string, tenant: Tenant, commands = lifecycleCommands(id, tenant)) {
      return commands.flatMap((command) => {
        const stream = `publishing_record-${id}`;
        const state = foldPublishingRecord(log.filter((e) => e.stream === stream));
        return append(stream, tenant, decidePublishingRecord(command, state, { at: at() }));
      });
    },
    deployment(id: string, tenant: Tenant) {
      const stream = `deployment-${id}`;
      const create = {
        type: 'CreateDeployment' as const,
        data: { deployment_id: id, ...tenant, version: 1, metadata: {} },
      };
      const created = append(stream, tenant, decideDeployment(create, foldDeployment([]), { at: at() }));
      return [
        ...created,
        ...append(
          stream,
          tenant,
          decideDeployment(
            { type: 'RepublishDeployment', data: { replay_id: randomUUID(), reason: 'r' } },
            foldDeployment(created),
            { at: at() },
          ),
        ),
      ];
    },
    control(command: RelayControlCommand, tenant: Tenant = { account_id: 0, site_id: 0, sector_id: null }) {
      return append(
        relayControlStream('kafka-relay'),
        tenant,
        decideRelayControl(command, { skipped: new Map() }, { at: at() }),
      );
    },
  };
}

async function prepare(log: RecordedEvent[], over: Partial<PipelineOptions> = {}): Promise<PreparedBatch[]> {
  async function* batches() {
    for (let i = 0; i < log.length; i += 4) yield log.slice(i, i + 4);
  }
  const slices: PreparedBatch[] = [];
  const options: PipelineOptions = {
    topicPrefix: '',
    maxRequestBytes: 900_000,
    relay: 'kafka-relay',
    after: null,
    replays: {
      store: {
        readStream: async (stream, o) => log.filter((e) => e.stream === stream).slice(0, o?.limit),
        readAll: async (o) => log.filter((e) => o?.after == null || e.position > o.after).slice(0, o?.limit),
      },
      skipped: new Set(),
      batchSize: 5,
    },
    ...over,
  };
  for await (const slice of prepareBatches(batches(), options)) slices.push(slice);
  return slices;
}

const messages = (slices: PreparedBatch[]) =>
  slices.flatMap((s) => s.topicMessages.flatMap((tm) => tm.messages.map((m) => ({ topic: tm.topic, ...m }))));
const header = (m: { headers?: unknown }, name: string) => (m.headers as Record<string, string>)[name];

const A: Tenant = { account_id: 1, site_id: 2, sector_id: 3 };
const B: Tenant = { account_id: 2, site_id: 5, sector_id: 6 };

t.test('a record’s republish re-sends its earlier events, identical but for the replay headers', async (t) => {
  const m = memoryLog();
  const id = randomUUID();
  const life = m.record(id, A);
  const other = m.record(randomUUID(), B);
  const replayId = randomUUID();
  const [request] = m.record(id, A, [
    { type: 'RepublishPublishingRecord', data: { replay_id: replayId, reason: 'INC-1' } },
  ]);
  const after = m.record(id, A, [{ type: 'DeletePublishingRecord', data: {} }]);

  const sent = messages(await prepare(m.log));
  const firsts = sent.filter((x) => header(x, REPLAY_HEADERS.replay) === undefined);
  const replays = sent.filter((x) => replayOf({ headers: x.headers as Record<string, string> }) !== null);
  t.same(
    firsts.map((x) => header(x, 'event-id')),
    [...life, ...other, ...after].sort((a, b) => (a.position < b.position ? -1 : 1)).map((e) => e.id),
    'every event once as itself (the request is not published)',
  );
  t.same(
    replays.map((x) => header(x, 'event-id')),
    life.map((e) => e.id),
    'the replay: the record’s events before the request, in order, with their original ids',
  );
  for (const replay of replays) {
    const original = firsts.find((x) => header(x, 'event-id') === header(replay, 'event-id'))!;
    t.equal(replay.value, original.value, 'the value is byte for byte the original');
    t.equal(replay.key, original.key);
    t.same(replay.headers, { ...(original.headers as object), replay: 'true', 'replay-id': replayId });
    t.ok(decodeEventMessage(replay).ok, 'decodes with the contracts helper');
  }
  const perKey = sent
    .filter((x) => x.key === id)
    .map((x) => `${header(x, 'event-type')}${header(x, 'replay') ? '*' : ''}`);
  const life6 = ['created', 'started', 'failed', 'retried', 'started', 'published'].map(
    (n) => `publisher.publishing_record.${n}`,
  );
  t.same(
    perKey,
    [...life6, ...life6.map((n) => `${n}*`), 'publisher.publishing_record.deleted'],
    'per record the replay sits between what came before the request and what came after',
  );
  t.ok(request, 'the request is in the log');
});

t.test('a second republish does not re-send the first request; a deployment replays the same way', async (t) => {
  const m = memoryLog();
  const id = randomUUID();
  const life = m.record(id, A, [createCommand(id, A)]);
  const r1 = randomUUID();
  const r2 = randomUUID();
  m.record(id, A, [{ type: 'RepublishPublishingRecord', data: { replay_id: r1, reason: 'one' } }]);
  m.record(id, A, [{ type: 'RepublishPublishingRecord', data: { replay_id: r2, reason: 'two' } }]);
  const deployment = m.deployment(randomUUID(), A);
  const sent = messages(await prepare(m.log));
  t.same(
    sent.map((x) => [header(x, 'event-id'), header(x, 'replay-id') ?? null]),
    [
      [life[0]!.id, null],
      [life[0]!.id, r1],
      [life[0]!.id, r2],
      [deployment[0]!.id, null],
      [deployment[0]!.id, (deployment[1]!.data as { replay_id: string }).replay_id],
    ],
  );
});

t.test('an account republish re-sends that account’s public events in the range, up to the request', async (t) => {
  const m = memoryLog();
  const a1 = m.record(randomUUID(), A);
  const b1 = m.record(randomUUID(), B);
  const a2 = m.record(randomUUID(), A);
  const replayId = randomUUID();
  m.control({
    type: 'RepublishAccount',
    data: {
      relay: 'kafka-relay',
      account_id: 1,
      replay_id: replayId,
      from_position: a1[1]!.position, // exclusive: a1's create and start are left out
      to_position: 'ffffffffffffffff-ffffffffffffffff', // capped at the request
      reason: 'analytics rebuild',
    },
  });
  const later = m.record(randomUUID(), A);
  const slices = await prepare(m.log);
  const replays = messages(slices).filter((x) => header(x, 'replay-id') === replayId);
  t.same(
    replays.map((x) => header(x, 'event-id')),
    [...a1.slice(2), ...a2].map((e) => e.id),
    'account 1 only, after from_position, never past the request',
  );
  t.notOk(replays.some((x) => b1.some((e) => e.id === header(x, 'event-id'))));
  t.notOk(replays.some((x) => later.some((e) => e.id === header(x, 'event-id'))));
  t.equal(
    slices.reduce((n, s) => n + s.replayed, 0),
    replays.length,
    'replays are counted',
  );

  // Another relay (another name) does not run this relay's account replay.
  const elsewhere = messages(await prepare(m.log, { relay: 'audit-relay' }));
  t.notOk(elsewhere.some((x) => header(x, 'replay-id') === replayId));
});

t.test('a long replay cut into requests moves the checkpoint only once it is all sent', async (t) => {
  const m = memoryLog();
  for (let i = 0; i < 20; i++) m.record(randomUUID(), A);
  const before = m.log.at(-1)!.position;
  m.control({
    type: 'RepublishAccount',
    data: {
      relay: 'kafka-relay',
      account_id: 1,
      replay_id: randomUUID(),
      from_position: null,
      to_position: before,
      reason: 'r',
    },
  });
  const slices = await prepare(m.log, { maxRequestBytes: 20_000 });
  const requestSlices = slices.filter((s) => s.replayed > 0);
  t.ok(requestSlices.length > 2, `${requestSlices.length} requests carry the replay`);
  for (const s of requestSlices.slice(0, -1))
    t.equal(s.last, before, 'a cut inside the replay keeps the position before the request');
  t.equal(requestSlices.at(-1)!.last, m.log.at(-1)!.position, 'the last one passes the request');
  t.equal(
    requestSlices.reduce((n, s) => n + s.replayed, 0),
    120,
  );
});

t.test('an event support skipped is passed over, also when the skip comes by in the log', async (t) => {
  const m = memoryLog();
  const id = randomUUID();
  m.record(id, A, [createCommand(id, A)]);
  const [unknown] = m.record(randomUUID(), A, [createCommand(randomUUID(), A)]).map((e) => ({
    ...e,
    type: 'PublishingRecordArchived',
  }));
  m.log.splice(1, 1, unknown!);
  await t.rejects(prepare(m.log), { code: 'RELAY_UNMAPPABLE_EVENT' }, 'an unmappable event stops the relay');

  const skipped = new Set([unknown!.id]);
  const slices = await prepare(m.log, {
    replays: { ...(await optionsReplays(m.log)), skipped },
  });
  t.equal(messages(slices).length, 1);
  t.equal(
    slices.reduce((n, s) => n + s.skipped, 0),
    1,
    'counted as skipped',
  );

  // The decision itself, recorded in the relay's stream, is honoured when it passes by first.
  const m2 = memoryLog();
  const later = m2.record(randomUUID(), A, [createCommand(randomUUID(), A)]);
  const bad = {
    ...later[0]!,
    id: randomUUID(),
    type: 'PublishingRecordArchived',
    position: 'ffffffffffffffff-0000000000000000',
  };
  m2.control({
    type: 'SkipRelayEvent',
    data: {
      relay: 'kafka-relay',
      event_id: bad.id,
      event_type: bad.type,
      stream: bad.stream,
      position: bad.position,
      error: 'no public mapping for PublishingRecordArchived',
      reason: 'ticket 9',
    },
  });
  m2.log.push(bad);
  t.equal(messages(await prepare(m2.log)).length, 1);
});

async function optionsReplays(log: RecordedEvent[]): Promise<PipelineOptions['replays']> {
  return {
    store: {
      readStream: async (stream) => log.filter((e) => e.stream === stream),
      readAll: async () => log,
    },
    skipped: new Set(),
    batchSize: 5,
  };
}

t.test('a redelivery is published as retried, the worker’s cue', async (t) => {
  const m = memoryLog();
  const id = randomUUID();
  m.record(id, A, [
    createCommand(id, A),
    { type: 'StartPublishing', data: {} },
    { type: 'FailPublishing', data: { error: 'x' } },
    { type: 'RedeliverPublishingRecord', data: { reason: 'fixed' } },
  ]);
  const last = messages(await prepare(m.log)).at(-1)!;
  const decoded = decodeEventMessage(last);
  t.ok(decoded.ok);
  t.match(decoded.ok && decoded.event, {
    event_type: 'publisher.publishing_record.retried',
    data: { status: 'pending' },
  });
  t.notOk('reason' in JSON.parse(String(last.value)).data, 'support’s reason stays internal');
});
