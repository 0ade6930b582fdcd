import { createBackoff, sleep } from '@publisher/coordination';
import type { Logger } from 'pino';
import { isEventStoreUnavailable } from '../errors.ts';
import type { Position, ReadAllOptions, RecordedEvent, SubscribeOptions } from '../port.ts';
import { decodePosition } from '../port.ts';
import type { ChangeNotifier } from './notifier.ts';

export interface SubscriptionDeps {
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
  /** The newest committed position, readable yet or not (`committedHeadPosition`). */
  committedHead(): Promise<Position | null>;
  notifier: ChangeNotifier;
  pollIntervalMs: number;
  logger?: Logger;
}

const DEFAULT_BATCH_SIZE = 500;
/**
 * First delay before re-reading when a notified append is not yet readable; doubles up to the poll
 * interval or a second, whichever is shorter: with a long poll interval an append held back for a
 * few seconds (by a transaction anywhere on the server: the readable horizon is the server's) would
 * otherwise wait as long again after it became readable.
 */
const FIRST_RETRY_MS = 2;
const MAX_HIDDEN_RETRY_MS = 1000;
const MAX_OUTAGE_RETRY_MS = 5000;

/**
 * Catch-up then live subscription over `readAll`. Each read only returns events whose transaction
 * is older than every transaction still running, so advancing the checkpoint past a batch can
 * never skip an event that commits later (see README "Why transaction ids").
 *
 * `options.limit` caps the total number of events delivered; the iterator then ends. While the
 * database is unreachable the subscription keeps retrying (with backoff) instead of ending; a stop
 * (`signal`) ends it, also when it makes the read in progress fail.
 */
export async function* subscribeToAll(
  deps: SubscriptionDeps,
  options: SubscribeOptions = {},
): AsyncGenerator<RecordedEvent[], void, undefined> {
  const { signal } = options;
  const batchSize = Math.max(1, options.batch_size ?? DEFAULT_BATCH_SIZE);
  let remaining = options.limit ?? Number.POSITIVE_INFINITY;
  let after: Position | null = options.after ?? null;
  let caughtUp = false;

  // Wake-up state: a notification sets `woken`; `notified` remembers the newest appended transaction.
  let woken = false;
  let notified: bigint | null = null;
  let wake: AbortController | null = null;
  const notice = (xid: bigint | null) => {
    if (xid !== null && (notified === null || xid > notified)) notified = xid;
  };
  const unsubscribe = deps.notifier.subscribe((xid) => {
    notice(xid);
    woken = true;
    wake?.abort();
  });

  // A notification ends the current wait early, as a stop does. One controller per wait, listening
  // on `signal` only while it waits, so a long-lived subscription gathers no listeners.
  const pause = async (ms: number) => {
    if (woken || signal?.aborted) return;
    const wait = new AbortController();
    const stop = () => wait.abort();
    signal?.addEventListener('abort', stop, { once: true });
    wake = wait;
    try {
      await sleep(ms, wait.signal);
    } finally {
      signal?.removeEventListener('abort', stop);
      wake = null;
    }
  };

  const hidden = createBackoff({ firstMs: FIRST_RETRY_MS, maxMs: Math.min(deps.pollIntervalMs, MAX_HIDDEN_RETRY_MS) });
  const outage = createBackoff({ firstMs: deps.pollIntervalMs, maxMs: MAX_OUTAGE_RETRY_MS });
  let unreadable = false;
  try {
    // An append that committed before this subscription listened sent its notice to nobody, and
    // may still be hidden at the first read (an older transaction anywhere on the server holds the
    // horizon back): start as if notified of the newest committed one, so that it is looked for
    // again soon, not after a poll interval. Only a shorter wait is at stake: a failure is ignored.
    notice(
      await deps.committedHead().then(
        (head) => (head === null ? null : decodePosition(head).high),
        () => null,
      ),
    );
    while (!signal?.aborted && remaining > 0) {
      woken = false;
      const limit = Math.min(batchSize, remaining);
      let batch: RecordedEvent[];
      try {
        batch = await deps.readAll({ after, limit });
      } catch (err) {
        // A stop closes the pool under the read in progress: that failure is the stop, not an outage.
        if (signal?.aborted) break;
        if (!isEventStoreUnavailable(err)) throw err;
        unreadable = true;
        const wait = outage.next();
        deps.logger?.warn({ err, retry_in_ms: wait }, 'event store subscription cannot read; retrying');
        await pause(wait);
        continue;
      }
      if (unreadable) deps.logger?.info('event store subscription reading again');
      unreadable = false;
      outage.reset();
      if (signal?.aborted) break;

      if (batch.length > 0) {
        hidden.reset();
        after = batch[batch.length - 1]!.position;
        remaining -= batch.length;
        yield batch;
        if (batch.length === limit) {
          caughtUp = false;
          continue;
        }
      }
      if (!caughtUp) {
        caughtUp = true;
        options.on_caught_up?.();
      }

      // A notified append we have not delivered yet is committed but still hidden behind an older
      // running transaction: look again soon rather than after a full poll interval.
      const pending = notified !== null && (after === null || decodePosition(after).high < notified);
      if (pending) {
        await pause(hidden.next());
      } else {
        notified = null;
        hidden.reset();
        await pause(deps.pollIntervalMs);
      }
    }
  } finally {
    unsubscribe();
  }
}
