import { createHash } from 'node:crypto';
import { isUuid } from '@publisher/contracts';

/**
 * A name-based UUID (RFC 9562 version 5: SHA-1 of namespace bytes + name). The same inputs always
 * give the same id, which lets a writer re-derive an event and re-append it idempotently.
 * @example
 * deterministicUuid('6ba7b811-9dad-11d1-80b4-00c04fd430c8', 'https://example.com') // 'a1b0...' (always the same)
 */
export function deterministicUuid(namespace: string, name: string): string {
  if (!isUuid(namespace)) throw new TypeError(`namespace must be a UUID, got ${namespace}`);
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50; // version 5
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // RFC variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
