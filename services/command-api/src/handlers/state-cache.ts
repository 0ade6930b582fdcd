/**
 * A bounded LRU of folded aggregates, keyed by stream. It only saves the read before an append:
 * every append still carries the expected revision, so a stale entry (another instance wrote the
 * stream) costs one WRONG_EXPECTED_VERSION and a fresh read, never a wrong result. Domain errors
 * and If-Match mismatches are only answered from a fresh read.
 */
export interface CachedState<State> {
  state: State;
  /** Revision of the stream's last event. */
  revision: number;
}

export class StateCache<State> {
  private readonly entries = new Map<string, CachedState<State>>();

  constructor(private readonly maxEntries: number) {}

  get(stream: string): CachedState<State> | undefined {
    const entry = this.entries.get(stream);
    if (entry === undefined) return undefined;
    // Re-insert to mark it most recently used (Map keeps insertion order).
    this.entries.delete(stream);
    this.entries.set(stream, entry);
    return entry;
  }

  set(stream: string, entry: CachedState<State>): void {
    if (this.maxEntries === 0) return;
    this.entries.delete(stream);
    this.entries.set(stream, entry);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  delete(stream: string): void {
    this.entries.delete(stream);
  }

  get size(): number {
    return this.entries.size;
  }
}
