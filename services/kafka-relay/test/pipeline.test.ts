import { randomUUID } from 'node:crypto';
import { decidePublishingRecord, initialPublishingRecordState } from '@publisher/domain';
import type { RecordedEvent } from '@publisher/event-store';
import t from 'tap';
import { type PipelineOptions, prepareBatches } from '../src/pipeline.ts';
import { createCommand, metadata } from './helpers/fixtures.ts';

let seq = 0;
function created(): RecordedEvent {
  const id = randomUUID();
  const tenant = { account_id: 1, site_id: 2, sector_id: 3 };
  const [event] = decidePublishingRecord(createCommand(id, tenant), initialPublishingRecordState, {
    at: new Date().toISOString(),
  });
  return {
    id: randomUUID(),
    stream: `publishing_record-${id}`,
    type: event!.type,
    data: event!.data as unknown as Record<string, unknown>,
    metadata: metadata(tenant),
    revision: 0,
    position: `0000000000000001-${(++seq).toString(16).padStart(16, '0')}`,
    recorded_at: new Date(),
  };
}
function internal(): RecordedEvent {
  return { ...created(), stream: 'site_deployments-1-2', type: 'DeploymentVersionReserved' };
}

async function* once<T>(value: T): AsyncGenerator<T> {
  yield value;
}

/** Pipeline options over an in-memory log (`log` plays the store for replays). */
function options(over: Partial<PipelineOptions> = {}, log: RecordedEvent[] = []): PipelineOptions {
  return {
    topicPrefix: '',
    maxRequestBytes: 10_000,
    relay: 'kafka-relay',
    after: null,
    replays: { store: memoryStore(log), skipped: new Set(), batchSize: 3 },
    ...over,
  };
}

function memoryStore(log: RecordedEvent[]): PipelineOptions['replays']['store'] {
  return {
    readStream: async (stream, o) => log.filter((e) => e.stream === stream).slice(0, o?.limit),
    readAll: async (o) => log.filter((e) => o?.after == null || e.position > o.after).slice(0, o?.limit),
  };
}

t.test('a large store batch is cut into requests under the byte limit, none lost, checkpoints exact', async (t) => {
  const batch = [internal(), ...Array.from({ length: 50 }, created), internal(), created(), internal()];
  const slices = [];
  for await (const slice of prepareBatches(once(batch), options({ topicPrefix: 'p.' }))) {
    slices.push(slice);
  }
  t.ok(slices.length > 3, `${slices.length} requests`);
  for (const slice of slices) {
    const bytes = slice.topicMessages.flatMap((m) => m.messages).reduce((n, m) => n + String(m.value).length, 0);
    t.ok(bytes <= 10_000, `a request carries ${bytes} bytes of values`);
    t.equal(slice.topicMessages[0]?.topic, 'p.publisher.publishing-records.v1');
  }
  const ids = slices.flatMap((s) => s.topicMessages.flatMap((m) => m.messages.map((x) => x.headers?.['event-id'])));
  t.same(
    ids,
    batch.filter((e) => e.type !== 'DeploymentVersionReserved').map((e) => e.id),
    'every event, in order',
  );
  t.equal(
    slices.reduce((n, s) => n + s.published + s.skipped, 0),
    batch.length,
    'published + skipped = the batch',
  );
  t.equal(slices.at(-1)?.last, batch.at(-1)?.position, 'the last request moves the checkpoint past trailing skips');
  for (const [i, slice] of slices.entries()) {
    const lastId = slice.topicMessages.at(-1)?.messages.at(-1)?.headers?.['event-id'];
    const lastIndex = batch.findIndex((e) => e.id === lastId);
    if (i < slices.length - 1) t.equal(slice.last, batch[lastIndex]!.position, 'a cut checkpoints its own last event');
  }
});

t.test('a batch of internal events only still moves the checkpoint', async (t) => {
  const batch = [internal(), internal()];
  const slices = [];
  for await (const slice of prepareBatches(once(batch), options())) slices.push(slice);
  t.same(
    slices.map((s) => [s.topicMessages.length, s.published, s.skipped, s.last]),
    [[0, 0, 2, batch[1]!.position]],
  );
});
