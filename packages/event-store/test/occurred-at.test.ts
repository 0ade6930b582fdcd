import t from 'tap';
import { type EventMetadata, occurredAt, type RecordedEvent } from '../src/index.ts';

const recordedAt = new Date('2024-05-01T10:00:00.010Z');
const event = (occurred_at: unknown): RecordedEvent => ({
  id: '0b5b0a38-4a63-4f34-9d1b-2b7f0f3f7a01',
  stream: 's-1',
  type: 'X',
  data: {},
  metadata: { occurred_at } as unknown as EventMetadata,
  revision: 0,
  position: '0000000000000001-0000000000000001',
  recorded_at: recordedAt,
});

t.test('the metadata time, in canonical UTC form', async (t) => {
  t.equal(occurredAt(event('2024-05-01T10:00:00.123Z')), '2024-05-01T10:00:00.123Z', 'canonical: as it is');
  t.equal(occurredAt(event('2024-05-01T12:00:00+02:00')), '2024-05-01T10:00:00.000Z', 'other forms: converted');
  t.equal(occurredAt(event('2024-05-31T23:59:59.999Z')), '2024-05-31T23:59:59.999Z');
  t.equal(
    occurredAt(event('2024-02-30T00:00:00.000Z')),
    '2024-03-01T00:00:00.000Z',
    'a day the month lacks, as Date reads it',
  );
});

t.test('the store’s time when the metadata has none it can read', async (t) => {
  for (const value of [
    undefined,
    null,
    42,
    '',
    'yesterday',
    '+275760-01-01T00:00:00.000Z',
    '0000-01-01T00:00:00.000Z',
  ]) {
    t.equal(occurredAt(event(value)), recordedAt.toISOString(), JSON.stringify(value) ?? 'undefined');
  }
  t.equal(occurredAt({ ...event(null), metadata: null as unknown as EventMetadata }), recordedAt.toISOString());
});
