/**
 * A byte-identical, allocation-light replacement for kafkajs' record encoder (Kafka record format v2,
 * `kafkajs/src/protocol/recordBatch/record/v0`), the relay's hottest code.
 *
 * Why: kafkajs encodes every record through a fresh `Encoder` (a zero-filled 512-byte buffer), every
 * header through another one, every varint through `Buffer.from([...])` and the timestamp delta through
 * its 64-bit Long emulation. For the relay's messages (7 headers) that is 8 zero-filled allocations
 * and a score of small buffers per event, and the garbage they leave: most of the relay's CPU. This
 * encoder sizes a record first and writes it into one buffer taken from Node's pool.
 *
 * Only the bytes of single records change hands: kafkajs still builds the record batches, assigns the
 * idempotent producer's sequence numbers, computes the CRC, sends, retries and partitions. Inputs
 * kafkajs itself would treat unusually (values that are neither string nor Buffer, huge timestamp
 * deltas) go to kafkajs' own encoder, so the output is identical for every input (the tests compare
 * both encoders byte for byte). What it trades: a copy of kafkajs' record layout, pinned to one
 * kafkajs version (another one falls back to kafkajs' encoder). Measure: `pnpm bench:relay` against
 * `BENCH_FAST_RECORD_ENCODER=false pnpm bench:relay`.
 */
import nodeModule from 'node:module';
import { errorMessage } from '@publisher/coordination';
import { Kafka } from 'kafkajs';

/** kafkajs' `Record({ offsetDelta, timestampDelta, key, value, headers })` → an `Encoder`. */
export type RecordFunction = (record: KafkaRecordInput) => KafkaEncoderLike;

export interface KafkaRecordInput {
  offsetDelta?: number;
  timestampDelta?: unknown;
  key?: unknown;
  value?: unknown;
  headers?: Record<string, unknown>;
}

/** What kafkajs reads from an encoded record: `buf` (checked to be a Buffer) and `buffer`/`size()`. */
interface KafkaEncoderLike {
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
  size(): number;
}

/** The kafkajs version whose record encoder this mirrors; another version keeps its own encoder. */
const KAFKAJS_VERSION = '2.2.4';

// Not named `require`: an ES module bundle may declare its own at the top of the module.
const load = nodeModule.createRequire(import.meta.url);
const RECORD_MODULE = 'kafkajs/src/protocol/recordBatch/record/v0';
const PRODUCE_V3_MODULE = 'kafkajs/src/protocol/requests/produce/v3/request';

/** Safe bound for the timestamp delta: its zigzag value must stay an exact double. */
const MAX_FAST_VARLONG = 2 ** 51;

/** One header as kafkajs flattens it (array values become repeated headers). */
interface FlatHeader {
  key: string;
  keyBytes: number;
  value: string | Buffer;
  valueBytes: number;
}

/**
 * Wraps kafkajs' record encoder: same bytes, one pooled buffer per record.
 *
 * @example
 * const Record = require('kafkajs/src/protocol/recordBatch/record/v0');
 * const fast = createFastRecord(Record, Object.getPrototypeOf(Record({})));
 * fast({ offsetDelta: 0, timestampDelta: 0, key: 'k', value: '{}', headers: { 'event-id': 'x' } }).buffer;
 */
export function createFastRecord(original: RecordFunction, encoderPrototype: object): RecordFunction {
  return (record) => {
    const { offsetDelta = 0, timestampDelta = 0, key, value, headers = {} } = record;
    if (
      typeof timestampDelta !== 'number' ||
      !Number.isInteger(timestampDelta) ||
      Math.abs(timestampDelta) >= MAX_FAST_VARLONG ||
      !Number.isInteger(offsetDelta) ||
      !isBytes(key) ||
      !isBytes(value)
    ) {
      return original(record);
    }
    const flat: FlatHeader[] = [];
    for (const name of Object.keys(headers)) {
      const raw = headers[name];
      if (Array.isArray(raw)) {
        for (const item of raw) if (!pushHeader(flat, name, item)) return original(record);
      } else if (!pushHeader(flat, name, raw)) {
        return original(record);
      }
    }

    const keyBytes = byteLength(key);
    const valueBytes = byteLength(value);
    let body = 1 + sizeOfVarLong(timestampDelta) + sizeOfVarInt(offsetDelta);
    body += sizeOfVarInt(keyBytes) + Math.max(keyBytes, 0) + sizeOfVarInt(valueBytes) + Math.max(valueBytes, 0);
    body += sizeOfVarInt(flat.length);
    for (const h of flat) body += sizeOfVarInt(h.keyBytes) + h.keyBytes + sizeOfVarInt(h.valueBytes) + h.valueBytes;
    const total = sizeOfVarInt(body) + body;

    // Every byte is written below (checked), so the pool's uninitialised memory never leaks out.
    const buf = Buffer.allocUnsafe(total);
    let at = writeVarInt(buf, 0, body);
    buf[at++] = 0; // attributes: none are used per record
    at = writeVarLong(buf, at, timestampDelta);
    at = writeVarInt(buf, at, offsetDelta);
    at = writeBytes(buf, at, key, keyBytes);
    at = writeBytes(buf, at, value, valueBytes);
    at = writeVarInt(buf, at, flat.length);
    for (const h of flat) {
      at = writeVarInt(buf, at, h.keyBytes);
      at += buf.write(h.key, at, h.keyBytes, 'utf8');
      at = writeBytes(buf, at, h.value, h.valueBytes);
    }
    if (at !== total) throw new Error(`record encoder wrote ${at} of ${total} bytes`);

    const encoder = Object.create(encoderPrototype) as KafkaEncoderLike;
    encoder.buf = buf;
    encoder.offset = total;
    return encoder;
  };
}

export type FastRecordStatus =
  | { installed: true }
  | {
      installed: false;
      reason: 'kafkajs_not_resolvable' | 'kafkajs_version' | 'already_loaded' | 'self_check_failed';
      detail?: string;
    };

let status: FastRecordStatus | null = null;

/**
 * Makes kafkajs encode records with `createFastRecord` in this process (idempotent). It must run
 * before kafkajs loads its produce request (i.e. before any producer of the process sends): the
 * request module captures the record encoder when it loads. When that already happened, or kafkajs
 * is not the version this mirrors, kafkajs keeps its own encoder (same bytes, more CPU).
 *
 * @example
 * const status = installFastRecordEncoder();
 * if (!status.installed) logger.warn({ reason: status.reason }, 'kafkajs record encoder not replaced');
 */
export function installFastRecordEncoder(): FastRecordStatus {
  if (status) return status;
  status = install();
  return status;
}

function install(): FastRecordStatus {
  let version: string;
  try {
    version = (load('kafkajs/package.json') as { version: string }).version;
    // The kafkajs the relay imports must be the one in node_modules: in a bundle it is a copy whose
    // modules can no longer be replaced one by one.
    if ((load('kafkajs') as { Kafka: unknown }).Kafka !== Kafka) throw new Error('kafkajs is bundled');
  } catch (err) {
    return { installed: false, reason: 'kafkajs_not_resolvable', detail: errorMessage(err) };
  }
  if (version !== KAFKAJS_VERSION) return { installed: false, reason: 'kafkajs_version', detail: version };
  const producePath = load.resolve(PRODUCE_V3_MODULE);
  if (load.cache[producePath]) return { installed: false, reason: 'already_loaded' };
  const recordPath = load.resolve(RECORD_MODULE);
  const original = load(recordPath) as RecordFunction;
  const prototype = Object.getPrototypeOf(original({})) as object;
  const fast = createFastRecord(original, prototype);
  const sample: KafkaRecordInput = {
    offsetDelta: 3,
    timestampDelta: 0,
    key: 'record-1',
    value: '{"é":1}',
    headers: { 'event-id': 'a', 'schema-version': Buffer.from('1') },
  };
  if (!fast(sample).buffer.equals(original(sample).buffer)) return { installed: false, reason: 'self_check_failed' };
  const cached = load.cache[recordPath];
  if (!cached) return { installed: false, reason: 'self_check_failed', detail: 'record module not cached' };
  cached.exports = fast;
  return { installed: true };
}

function isBytes(value: unknown): value is string | Buffer | null | undefined {
  return value === null || value === undefined || typeof value === 'string' || Buffer.isBuffer(value);
}

function pushHeader(flat: FlatHeader[], key: string, value: unknown): boolean {
  // kafkajs fails on null/undefined header values (Buffer.byteLength): let it fail the same way.
  if (typeof value !== 'string' && !Buffer.isBuffer(value)) return false;
  flat.push({ key, keyBytes: Buffer.byteLength(key, 'utf8'), value, valueBytes: byteLength(value) });
  return true;
}

/** -1 for null (Kafka's null bytes), as kafkajs encodes it. */
function byteLength(value: string | Buffer | null | undefined): number {
  if (value === null || value === undefined) return -1;
  return typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.length;
}

function writeBytes(buf: Buffer, at: number, value: string | Buffer | null | undefined, bytes: number): number {
  let next = writeVarInt(buf, at, bytes);
  if (value === null || value === undefined) return next;
  if (typeof value === 'string') next += buf.write(value, next, bytes, 'utf8');
  else next += value.copy(buf, next);
  return next;
}

// Varints exactly as kafkajs' Encoder computes them (32-bit zigzag, then unsigned LEB128).
function zigZag(value: number): number {
  return (value << 1) ^ (value >> 31);
}

function sizeOfVarInt(value: number): number {
  let encoded = zigZag(value);
  let bytes = 1;
  while ((encoded & 0xffffff80) !== 0) {
    bytes++;
    encoded >>>= 7;
  }
  return bytes;
}

function writeVarInt(buf: Buffer, at: number, value: number): number {
  let encoded = zigZag(value);
  while ((encoded & 0xffffff80) !== 0) {
    buf[at++] = (encoded & 0x7f) | 0x80;
    encoded >>>= 7;
  }
  buf[at++] = encoded & 0x7f;
  return at;
}

// 64-bit zigzag in double arithmetic: exact for |value| < 2^51 (larger values use kafkajs' encoder).
function zigZag64(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

function sizeOfVarLong(value: number): number {
  let encoded = zigZag64(value);
  let bytes = 1;
  while (encoded >= 128) {
    bytes++;
    encoded = Math.floor(encoded / 128);
  }
  return bytes;
}

function writeVarLong(buf: Buffer, at: number, value: number): number {
  let encoded = zigZag64(value);
  while (encoded >= 128) {
    buf[at++] = (encoded % 128) | 0x80;
    encoded = Math.floor(encoded / 128);
  }
  buf[at++] = encoded;
  return at;
}
