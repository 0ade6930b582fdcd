import type { ICustomPartitioner } from 'kafkajs';

/**
 * Kafka's murmur2 (the Java client's `Utils.murmur2`) in 32-bit integer arithmetic. kafkajs ships
 * the same function on a 64-bit Long emulation, which costs the relay more CPU than JSON encoding;
 * `Math.imul` gives the identical 32-bit results (checked against kafkajs in the tests).
 */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = (0x9747b28c ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const tail = length & ~3;
  switch (length % 4) {
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: murmur2 mixes the tail bytes cumulatively
    case 3:
      h ^= data[tail + 2]! << 16;
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: see above
    case 2:
      h ^= data[tail + 1]! << 8;
    case 1:
      h ^= data[tail]!;
      h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * `murmur2` of an ASCII string's bytes, read from its char codes: the partitioner's keys are record
 * ids (UUIDs), and encoding each to a fresh byte array first would cost an allocation and its
 * garbage per event on the relay's hottest path. Returns null when the string is not ASCII (its
 * UTF-8 bytes differ from its codes).
 */
export function murmur2Ascii(key: string): number | null {
  const m = 0x5bd1e995;
  const length = key.length;
  let seen = 0;
  let h = (0x9747b28c ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    const b0 = key.charCodeAt(i4);
    const b1 = key.charCodeAt(i4 + 1);
    const b2 = key.charCodeAt(i4 + 2);
    const b3 = key.charCodeAt(i4 + 3);
    seen |= b0 | b1 | b2 | b3;
    let k = b0 | (b1 << 8) | (b2 << 16) | (b3 << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const tail = length & ~3;
  for (let i = tail; i < length; i++) seen |= key.charCodeAt(i);
  if (seen > 0x7f) return null;
  switch (length % 4) {
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: murmur2 mixes the tail bytes cumulatively
    case 3:
      h ^= key.charCodeAt(tail + 2) << 16;
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: see above
    case 2:
      h ^= key.charCodeAt(tail + 1) << 8;
    case 1:
      h ^= key.charCodeAt(tail);
      h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * The Java client's default partitioning for keyed messages: `toPositive(murmur2(key)) % partitions`,
 * so every client (kafkajs' DefaultPartitioner, Java, librdkafka's murmur2_random) agrees on which
 * partition holds a record. The relay always sends a key; a keyless message would go to partition 0.
 */
export const javaCompatiblePartitioner: ICustomPartitioner = () => {
  const encoder = new TextEncoder();
  return ({ partitionMetadata, message }) => {
    if (message.partition !== undefined && message.partition !== null) return message.partition;
    const key = message.key;
    if (key === undefined || key === null) return 0;
    const hash = typeof key === 'string' ? (murmur2Ascii(key) ?? murmur2(encoder.encode(key))) : murmur2(key);
    return (hash & 0x7fffffff) % partitionMetadata.length;
  };
};
