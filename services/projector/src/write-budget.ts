/** The smallest chunk a time budget may shrink a write to. */
const MIN_CHUNK = 50;

/**
 * Rows for the next write so that it takes about `budgetMs`, from the pace of the last one
 * (`rows` written in `tookMs`), between 50 and `max`; `max` when there is no budget. A write holds a
 * transaction id, and the event store shows readers only events older than every running
 * transaction that has one: a rebuild writing beside the live projector and the relay keeps its
 * writes short so they keep seeing new events — whole batches on a fast machine, smaller ones on a
 * loaded one.
 * @example
 * chunk = nextChunk(written, performance.now() - started, 100, 5000);
 */
export function nextChunk(rows: number, tookMs: number, budgetMs: number | undefined, max: number): number {
  if (budgetMs === undefined || budgetMs <= 0) return max;
  const pace = rows / Math.max(tookMs, 1);
  return Math.min(max, Math.max(MIN_CHUNK, Math.floor(pace * budgetMs)));
}
