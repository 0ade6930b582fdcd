import { fnv1a } from './doorkeeper.ts';

/**
 * How often each key was seen lately, approximately: a count-min sketch of 4-bit counters (four
 * per key, the estimate their minimum) that halves every counter once it has counted ten times as
 * many sightings as it has counters per row, so old popularity fades. Memory is fixed (`width` × 4
 * bytes) whatever the number of keys; a collision can only overestimate. The admission half of
 * TinyLFU (Einziger, Friedman, Manes 2017): a cache full of entries asks it whether a newcomer is
 * read more often than the entry it would evict.
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

  increment(key: string): void {
    const [h1, h2] = hashes(key);
    let added = false;
    for (let row = 0; row < 4; row++) {
      const i = this.#index(row, h1, h2);
      if ((this.#counters[i] as number) < 15) {
        this.#counters[i] = (this.#counters[i] as number) + 1;
        added = true;
      }
    }
    if (added && ++this.#additions >= this.#sampleSize) this.#age();
  }

  estimate(key: string): number {
    const [h1, h2] = hashes(key);
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

/** Two 32-bit hashes of the key for double hashing: FNV-1a, and a remix of it (MurmurHash3's finalizer, odd). */
function hashes(text: string): [number, number] {
  const h1 = fnv1a(text);
  let h2 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b);
  h2 = Math.imul(h2 ^ (h2 >>> 13), 0xc2b2ae35);
  return [h1, ((h2 ^ (h2 >>> 16)) >>> 0) | 1];
}
