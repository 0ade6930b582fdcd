/**
 * How often each key was seen lately, approximately: a count-min sketch of 4-bit counters (four
 * per key, the estimate their minimum) that halves every counter once it has counted `sampleSize`
 * sightings, so old popularity fades and a key seen once is forgotten at the next halving. Memory is
 * fixed (`width` × 4 bytes) whatever the number of keys; a collision can only overestimate. The
 * admission half of TinyLFU (Einziger, Friedman, Manes 2017): a cache asks it whether a newcomer was
 * seen before, or read more often than the entry it would evict.
 * @example
 * const sketch = new FrequencySketch(20_000);
 * sketch.increment(key);
 * if (sketch.estimate(newcomer) > sketch.estimate(victim)) evictAndAdd();
 */
export class FrequencySketch {
  readonly #counters: Uint8Array;
  readonly #mask: number;
  readonly #sampleSize: number;
  #additions = 0;

  /**
   * @param width counters per row, rounded up to a power of two: about the keys worth telling apart.
   * @param sampleSize sightings counted between two halvings (default ten per counter of a row).
   */
  constructor(width: number, sampleSize?: number) {
    const size = 2 ** Math.ceil(Math.log2(Math.max(16, width)));
    this.#counters = new Uint8Array(size * 4);
    this.#mask = size - 1;
    this.#sampleSize = sampleSize ?? 10 * size;
  }

  /** Counts one sighting of `key`; returns its estimate, this sighting included. */
  increment(key: string): number {
    const h1 = fnv1a(key);
    const h2 = remix(h1);
    let added = false;
    let min = 15;
    for (let row = 0; row < 4; row++) {
      const i = this.#index(row, h1, h2);
      let count = this.#counters[i] as number;
      if (count < 15) {
        this.#counters[i] = ++count;
        added = true;
      }
      if (count < min) min = count;
    }
    if (added && ++this.#additions >= this.#sampleSize) {
      this.#age();
      return min >> 1;
    }
    return min;
  }

  estimate(key: string): number {
    const h1 = fnv1a(key);
    const h2 = remix(h1);
    let min = 15;
    for (let row = 0; row < 4; row++) min = Math.min(min, this.#counters[this.#index(row, h1, h2)] as number);
    return min;
  }

  #index(row: number, h1: number, h2: number): number {
    return row * (this.#mask + 1) + ((h1 + Math.imul(row, h2)) & this.#mask);
  }

  /** Halves every counter: what was popular a sample ago counts half as much. */
  #age(): void {
    for (let i = 0; i < this.#counters.length; i++) this.#counters[i] = (this.#counters[i] as number) >> 1;
    this.#additions = Math.floor(this.#additions / 2);
  }
}

/** 32-bit FNV-1a of a string's UTF-16 code units: cheap, and spread enough for a sketch's rows. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The second hash for double hashing, from the first (MurmurHash3's finalizer), odd so rows differ. */
function remix(h1: number): number {
  let h2 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b);
  h2 = Math.imul(h2 ^ (h2 >>> 13), 0xc2b2ae35);
  return ((h2 ^ (h2 >>> 16)) >>> 0) | 1;
}
