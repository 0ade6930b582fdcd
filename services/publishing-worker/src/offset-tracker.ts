/**
 * Which offsets of each partition may be committed when messages finish out of order: the
 * committed offset never passes a message still in hand, so a crash redelivers it (at least once),
 * while a fast message behind a slow one is not held up — only its commit waits.
 *
 * @example
 * tracker.begin(0, 10n); tracker.begin(0, 11n);
 * tracker.finish(0, 11n) // null: 10 is still in hand
 * tracker.finish(0, 10n) // 12n: commit offset 12 (the next to read)
 */
export class OffsetTracker {
  private readonly inHand = new Map<number, Set<bigint>>();
  private readonly highest = new Map<number, bigint>();

  /** Records a message as taken; false when it is already in hand (a redelivery during a rebalance). */
  begin(partition: number, offset: bigint): boolean {
    let set = this.inHand.get(partition);
    if (!set) {
      set = new Set();
      this.inHand.set(partition, set);
    }
    if (set.has(offset)) return false;
    set.add(offset);
    return true;
  }

  /** Marks a message done; returns the offset to commit when the partition's watermark moved, else null. */
  finish(partition: number, offset: bigint): bigint | null {
    const set = this.inHand.get(partition);
    if (!set?.delete(offset)) return null;
    const high = this.highest.get(partition);
    if (high === undefined || offset > high) this.highest.set(partition, offset);
    let lowest: bigint | null = null;
    for (const o of set) if (lowest === null || o < lowest) lowest = o;
    if (lowest !== null && lowest < offset) return null; // an earlier message is still in hand
    return lowest ?? (this.highest.get(partition) ?? offset) + 1n;
  }

  /** Forgets partitions this member no longer owns (their commits belong to the new owner). */
  retain(partitions: ReadonlySet<number>): void {
    for (const p of [...this.inHand.keys()]) {
      if (!partitions.has(p)) {
        this.inHand.delete(p);
        this.highest.delete(p);
      }
    }
  }
}
