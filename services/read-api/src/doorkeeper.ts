/**
 * Cache admission on the second sighting: `admit(key)` is true when the key was seen once before
 * among the last `capacity` distinct keys seen once. Reads that never repeat (a crawl over every
 * record, history of records at random over a large store) then never enter a cache, where they
 * would evict the entries that are read again and leave old-generation garbage behind. Keys are kept
 * as 32-bit hashes (a collision only admits a key early) and all are forgotten at once when
 * `capacity` is reached, which costs nothing per key.
 * @example
 * const doorkeeper = new Doorkeeper(10_000);
 * if (doorkeeper.admit(key)) cache.set(key, value);
 */
export class Doorkeeper {
  readonly #seen = new Set<number>();

  constructor(private readonly capacity: number) {}

  admit(key: string): boolean {
    const hash = fnv1a(key);
    if (this.#seen.delete(hash)) return true;
    if (this.#seen.size >= this.capacity) this.#seen.clear();
    this.#seen.add(hash);
    return false;
  }
}

/** 32-bit FNV-1a of a string's UTF-16 code units: cheap, and spread enough for a doorkeeper. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
