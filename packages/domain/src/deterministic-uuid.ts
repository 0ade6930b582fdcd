import { v5, validate } from 'uuid';

/**
 * A name-based UUID (RFC 9562 version 5: SHA-1 of namespace bytes + name). The same inputs always
 * give the same id, which lets a writer re-derive an event and re-append it idempotently.
 * @example
 * deterministicUuid('6ba7b811-9dad-11d1-80b4-00c04fd430c8', 'https://example.com') // 'a1b0...' (always the same)
 */
export function deterministicUuid(namespace: string, name: string): string {
  // uuid's own message for a bad namespace names neither the function nor the value.
  if (!validate(namespace)) throw new TypeError(`namespace must be a UUID, got ${namespace}`);
  // The name's UTF-8 bytes, given as bytes: as a string uuid would refuse a lone surrogate (it
  // encodes through encodeURIComponent), where Buffer writes U+FFFD — ids already derived hold it.
  return v5(Buffer.from(name, 'utf8'), namespace);
}
