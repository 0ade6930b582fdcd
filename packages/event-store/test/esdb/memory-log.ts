/**
 * The stand-in's storage: one in-memory transaction log ($all) plus a per-stream index, with
 * EventStoreDB's write rules (expected revision and idempotency checks, as in KurrentDB's
 * `IndexWriter.CheckCommit`). Test-only; never imported by production code.
 */

/** An event as the stand-in stores it. */
export interface StoredEvent {
  id: string;
  stream: string;
  /** 0-based event number in its stream. */
  revision: number;
  type: string;
  contentType: string;
  data: Uint8Array;
  customMetadata: Uint8Array;
  /** 100 ns ticks since the Unix epoch, as EventStoreDB's `created` metadata. */
  created: bigint;
  /**
   * Log position: like a byte offset in EventStoreDB's transaction file, it grows by the record's
   * size, so positions have gaps. Events appended over gRPC are "self-committed" there, so their
   * commit and prepare positions are equal; the stand-in uses this single number for both.
   */
  position: bigint;
}

export interface ProposedEvent {
  id: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  customMetadata: Uint8Array;
}

/** Expected stream state; numbers follow EventStoreDB's internal encoding (-1 no stream, -2 any, -4 exists). */
export const EXPECTED_NO_STREAM = -1;
export const EXPECTED_ANY = -2;
export const EXPECTED_STREAM_EXISTS = -4;

export type WriteOutcome =
  | { kind: 'written'; lastRevision: number; position: bigint }
  | { kind: 'idempotent'; lastRevision: number; position: bigint }
  | { kind: 'wrong_expected_version'; currentRevision: number };

/** Fixed per-record overhead, roughly the size of a prepare record header. */
const RECORD_OVERHEAD = 80n;

export class MemoryLog {
  readonly all: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  /**
   * EventStoreDB keeps recently committed event ids in a bounded in-memory cache for the
   * idempotency check of `any`/`stream_exists` writes; the stand-in keeps all of them (it never
   * restarts and never evicts), which is the best case of the real behaviour.
   */
  private readonly committedIds = new Map<string, StoredEvent>();
  private readonly listeners = new Set<(event: StoredEvent) => void>();
  private nextPosition = 0n;

  /** Appends as EventStoreDB's storage writer does; listeners see the new events synchronously. */
  write(stream: string, expected: number, events: ProposedEvent[]): WriteOutcome {
    const existing = this.streams.get(stream);
    const current = existing ? existing.length - 1 : -1;
    const check = this.checkCommit(stream, existing ?? [], current, expected, events);
    if (check !== 'ok') return check;
    const target = existing ?? [];
    if (!existing) this.streams.set(stream, target);
    const created = BigInt(Date.now()) * 10_000n;
    const written: StoredEvent[] = events.map((event, i) => {
      const stored: StoredEvent = {
        ...event,
        stream,
        revision: current + 1 + i,
        created,
        position: this.nextPosition,
      };
      this.nextPosition += RECORD_OVERHEAD + BigInt(stream.length + event.type.length) + recordBytes(event);
      return stored;
    });
    for (const stored of written) {
      target.push(stored);
      this.all.push(stored);
      this.committedIds.set(stored.id, stored);
    }
    for (const stored of written) for (const listener of this.listeners) listener(stored);
    const last = written.at(-1);
    // An empty write still succeeds in EventStoreDB; it reports the stream's current revision.
    return { kind: 'written', lastRevision: current + events.length, position: last?.position ?? this.nextPosition };
  }

  readStream(stream: string): StoredEvent[] | undefined {
    return this.streams.get(stream);
  }

  /** Index in `all` of the first event whose position is >= `position`. */
  indexAtOrAfter(position: bigint): number {
    let lo = 0;
    let hi = this.all.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.all[mid]!.position < position) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Empties the recent-ids cache, as a server restart does. */
  forgetRecentWrites(): void {
    this.committedIds.clear();
  }

  onAppend(listener: (event: StoredEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The decision table of KurrentDB's `IndexWriter.CheckCommit`: `any`/`stream_exists` writes are
   * idempotent when every event id was already committed to this stream; writes at an earlier
   * expected revision are idempotent when the same ids sit at the following revisions; a partial
   * match ("corrupted idempotency") and any other mismatch is a wrong expected version.
   */
  private checkCommit(
    stream: string,
    existing: StoredEvent[],
    current: number,
    expected: number,
    events: ProposedEvent[],
  ): WriteOutcome | 'ok' {
    const wrong: WriteOutcome = { kind: 'wrong_expected_version', currentRevision: current };
    if (current === -1) return expected === EXPECTED_ANY || expected === EXPECTED_NO_STREAM ? 'ok' : wrong;

    if (expected === EXPECTED_ANY || expected === EXPECTED_STREAM_EXISTS) {
      if (events.length === 0) return 'ok';
      let last: StoredEvent | undefined;
      for (const [i, event] of events.entries()) {
        const known = this.committedIds.get(event.id);
        if (!known || known.stream !== stream) return i === 0 ? 'ok' : wrong;
        last = known;
      }
      return { kind: 'idempotent', lastRevision: last!.revision, position: last!.position };
    }

    if (expected < current) {
      let revision = expected;
      for (const event of events) {
        revision += 1;
        if (existing[revision]?.id !== event.id) return wrong;
      }
      if (events.length === 0) return wrong;
      const last = existing[revision]!;
      return { kind: 'idempotent', lastRevision: last.revision, position: last.position };
    }

    return expected > current ? wrong : 'ok';
  }
}

function recordBytes(event: ProposedEvent): bigint {
  return BigInt(event.data.length + event.customMetadata.length);
}
