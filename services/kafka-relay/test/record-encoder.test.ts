import { randomBytes, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import t, { type Test } from 'tap';
import {
  createFastRecord,
  installFastRecordEncoder,
  type KafkaRecordInput,
  type RecordFunction,
} from '../src/record-encoder.ts';

const require = createRequire(import.meta.url);
// kafkajs' own record encoder, captured before the relay's replaces it in this process.
const original = require('kafkajs/src/protocol/recordBatch/record/v0') as RecordFunction;
const fast = createFastRecord(original, Object.getPrototypeOf(original({})) as object);

function same(t: Test, record: KafkaRecordInput, name: string): void {
  const expected = original(record);
  const actual = fast(record);
  t.ok(actual.buffer.equals(expected.buffer), `${name}: same bytes`);
  t.equal(actual.size(), expected.size(), `${name}: same size`);
}

const relayHeaders = () => ({
  'event-id': randomUUID(),
  'event-type': 'publisher.publishing_record.created',
  'schema-version': '1',
  'account-id': '42',
  'correlation-id': `corr-${randomUUID()}`,
  'causation-id': randomUUID(),
  position: '000000000000915d-0000000000030d44',
});

t.test('the relay encoder writes exactly the bytes kafkajs writes', async (t) => {
  same(t, { offsetDelta: 0, timestampDelta: 0, key: randomUUID(), value: '{"a":1}', headers: relayHeaders() }, 'relay');
  same(
    t,
    { offsetDelta: 5, key: Buffer.from('k'), value: randomBytes(300), headers: { h: Buffer.from('v') } },
    'buffers',
  );
  same(t, { key: 'clé-ü-😀', value: '{"title":"Grüße 😀 \ud800"}', headers: { 'ä-name': 'wert-ß' } }, 'unicode');
  same(t, { key: null, value: null, headers: {} }, 'null key and value (tombstone)');
  same(t, { value: 'no key, no headers' }, 'undefined key and headers');
  same(t, { key: 'k', value: 'v', headers: { many: ['a', Buffer.from('b'), 'c'], one: 'd' } }, 'repeated headers');
  for (const size of [0, 63, 64, 127, 128, 8191, 8192, 16_383, 16_384, 1_200_000]) {
    same(t, { key: 'k', value: 'x'.repeat(size), headers: relayHeaders() }, `value of ${size} bytes`);
  }
  for (const offsetDelta of [1, 63, 64, 8191, 8192, 1_000_000, 2 ** 30]) {
    same(t, { offsetDelta, key: 'k', value: 'v' }, `offset delta ${offsetDelta}`);
  }
  for (const timestampDelta of [1, -1, 63, 64, -65, 1_700_000_000_000, -1_700_000_000_000, 2 ** 51 - 1]) {
    same(t, { timestampDelta, key: 'k', value: 'v' }, `timestamp delta ${timestampDelta}`);
  }
});

t.test('inputs outside the fast path get kafkajs’ own encoding (or its failure)', async (t) => {
  same(t, { timestampDelta: 2 ** 53, key: 'k', value: 'v' }, 'huge timestamp delta');
  same(t, { timestampDelta: '17' as unknown as number, key: 'k', value: 'v' }, 'string timestamp delta');
  for (const [name, record] of [
    ['null header value', { key: 'k', value: 'v', headers: { h: null } }],
    ['numeric value', { key: 'k', value: 5 }],
  ] as const) {
    t.throws(() => original(record as KafkaRecordInput), `${name}: kafkajs refuses it`);
    t.throws(() => fast(record as KafkaRecordInput), `${name}: so does the relay's encoder`);
  }
});

t.test('random records: identical bytes', async (t) => {
  let mismatches = 0;
  for (let i = 0; i < 3000; i++) {
    const text = (n: number) => randomBytes(n).toString(i % 2 ? 'base64' : 'latin1');
    const headers: Record<string, string | Buffer> = {};
    for (let h = 0; h < i % 9; h++) headers[`h${h}-${text(3)}`] = h % 2 ? text(i % 200) : randomBytes(i % 50);
    const record = {
      offsetDelta: i,
      timestampDelta: (i % 7) * 1000 - 3000,
      key: i % 11 === 0 ? null : text(i % 40),
      value: i % 13 === 0 ? randomBytes(i) : text(i * 3),
      headers,
    };
    if (!fast(record).buffer.equals(original(record).buffer)) mismatches++;
  }
  t.equal(mismatches, 0, 'no record of 3000 differs');
});

t.test('installing replaces the encoder kafkajs’ produce request loads', async (t) => {
  t.same(installFastRecordEncoder(), { installed: true });
  t.same(installFastRecordEncoder(), { installed: true }, 'installing twice is harmless');
  const record = { offsetDelta: 2, key: 'k', value: 'v', headers: relayHeaders() };
  const loaded = require('kafkajs/src/protocol/recordBatch/record/v0') as RecordFunction;
  t.not(loaded, original, 'kafkajs now resolves the relay encoder');
  t.ok(loaded(record).buffer.equals(original(record).buffer), 'with the same bytes');
});
