import type { EventStore, RecordedEvent } from '@publisher/event-store';
import { readCheckpoint, skippedEventIds } from '@publisher/read-model';
import { PoisonEventError } from './errors.ts';
import type { Session } from './session.ts';
import { writeBatchIsolating } from './write-batch.ts';

export interface CatchUpProgress {
  /** Events processed in this call so far. */
  events: number;
  position: string | null;
  last: RecordedEvent | null;
}

/**
 * Projects into the session's schema from its stored checkpoint until the subscription reports it
 * has read everything committed so far; returns the new checkpoint. Used by rebuilds, which stop at
 * the head instead of following the log forever.
 * @throws PoisonEventError at the first event that cannot be applied (its predecessors are committed).
 */
export async function catchUp(
  store: EventStore,
  session: Session,
  options: { projection: string; batchSize: number; onBatch?: (p: CatchUpProgress) => void },
): Promise<string | null> {
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
  let next = iterator.next();
  try {
    while (true) {
      const r = await Promise.race([next, caughtUpSignal()]);
      if (r === 'caught_up' || r.done) break;
      // Reading the next batch overlaps with writing this one.
      next = iterator.next();
      const w = await writeBatchIsolating(session, {
        projection: options.projection,
        expected: position,
        events: r.value,
        skipped,
      });
      position = w.position;
      progress.events += w.processed;
      progress.position = position;
      progress.last = w.last ?? progress.last;
      options.onBatch?.(progress);
      if (w.poison) throw w.poison;
      if (caughtUp) break;
    }
  } finally {
    sub.abort();
    next.catch(() => {});
    await iterator.return?.().catch(() => {});
  }
  return position;
}
