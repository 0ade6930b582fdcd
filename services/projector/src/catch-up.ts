import type { EventStore, RecordedEvent } from '@publisher/event-store';
import { readCheckpoint, skippedEventIds } from '@publisher/read-model';
import type { Session } from './session.ts';
import { writeBatchIsolating } from './write-batch.ts';
import { nextChunk } from './write-budget.ts';

interface CatchUpProgress {
  /** Events processed in this call so far. */
  events: number;
  position: string | null;
  last: RecordedEvent | null;
}

export interface CatchUpOptions {
  projection: string;
  /** Events per read of the log (and per transaction, at most). */
  batchSize: number;
  /**
   * Longest a write transaction should take (default: no bound). A transaction holds a transaction
   * id, and the event store shows readers only events older than every running transaction: while
   * a rebuild writes, the live projector and the relay see nothing newer than the rebuild's open
   * transaction. So each read batch is written in chunks sized, from the last transaction's pace,
   * to take about this long: whole batches on a fast machine, smaller ones on a loaded one.
   */
  maxTransactionMs?: number;
  onBatch?: (p: CatchUpProgress) => void;
}

/**
 * Projects into the session's schema from its stored checkpoint until the subscription reports it
 * has read everything committed so far; returns the new checkpoint. Used by rebuilds, which stop at
 * the head instead of following the log forever.
 * @throws PoisonEventError at the first event that cannot be applied (its predecessors are committed).
 */
export async function catchUp(store: EventStore, session: Session, options: CatchUpOptions): Promise<string | null> {
  const cp = await readCheckpoint(session.db, options.projection);
  const skipped = await skippedEventIds(session.db, options.projection);
  let position = cp.position;
  let caughtUp = false;
  let signalCaughtUp: () => void = () => {};
  // A fresh promise per wait: racing every read against ONE long-pending promise would hang a
  // reaction holding that read's batch on it, keeping every batch of the replay in memory.
  const caughtUpSignal = () =>
    new Promise<'caught_up'>((resolve) => {
      signalCaughtUp = () => resolve('caught_up');
      if (caughtUp) resolve('caught_up');
    });
  const sub = new AbortController();
  const iterator = store
    .subscribe({
      after: position,
      batch_size: options.batchSize,
      signal: sub.signal,
      on_caught_up: () => {
        caughtUp = true;
        signalCaughtUp();
      },
    })
    [Symbol.asyncIterator]();
  const progress: CatchUpProgress = { events: 0, position, last: null };
  let chunk = options.batchSize;
  let next = iterator.next();
  try {
    while (true) {
      const r = await Promise.race([next, caughtUpSignal()]);
      if (r === 'caught_up' || r.done) break;
      // Reading the next batch overlaps with writing this one.
      next = iterator.next();
      for (let from = 0; from < r.value.length; ) {
        const events = r.value.slice(from, from + chunk);
        const started = performance.now();
        const w = await writeBatchIsolating(session, {
          projection: options.projection,
          expected: position,
          events,
          skipped,
        });
        chunk = nextChunk(events.length, performance.now() - started, options.maxTransactionMs, options.batchSize);
        from += events.length;
        position = w.position;
        progress.events += w.processed;
        progress.position = position;
        progress.last = w.last ?? progress.last;
        options.onBatch?.(progress);
        if (w.poison) throw w.poison;
      }
      if (caughtUp) break;
    }
  } finally {
    sub.abort();
    next.catch(() => {});
    await iterator.return?.().catch(() => {});
  }
  return position;
}
