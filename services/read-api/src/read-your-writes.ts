import type { ErrorCode } from '@publisher/contracts';
import { comparePositions, type EventStore } from '@publisher/event-store';
import { HttpError } from '@publisher/platform';
import type { FastifyRequest } from 'fastify';
import type { CheckpointWatcher } from './checkpoint-watcher.ts';
import { positionNotInLog, projectionBehind, projectionStopped } from './errors.ts';

/** What waiting for a `min_position` needs. */
export interface PositionWait {
  watcher: Pick<CheckpointWatcher, 'waitFor' | 'position'>;
  /** The event store, to tell a position not projected yet from one that is not in the log. */
  log: Pick<EventStore, 'committedHeadPosition'>;
  /** Longest wait for the projection. */
  timeoutMs: number;
  /**
   * How long a request waits for the projection before the log's committed head is looked at: a
   * real position is usually projected by then, so the look costs nothing on the common path.
   */
  headCheckAfterMs: number;
  /** Told how each wait ended and how long it took (the `min_position_wait_seconds` metric). */
  observe?: (outcome: WaitEnd, seconds: number) => void;
}

/** How a wait ended: the position was projected, or the answer was 503 / 503 / 400. */
export type WaitEnd = 'reached' | 'timeout' | 'stopped' | 'not_in_log';

/** The ends that are errors, by the error's code. */
const ENDS: Partial<Record<ErrorCode, WaitEnd>> = {
  PROJECTION_BEHIND: 'timeout',
  PROJECTION_STOPPED: 'stopped',
  POSITION_NOT_IN_LOG: 'not_in_log',
};

/**
 * The position a request asks the read models to include (`min_position` query parameter or
 * `X-Min-Position` header; the later one when both) and where it came from, or undefined.
 */
export function wantedPosition(
  request: FastifyRequest,
  fromQuery: string | undefined,
): { position: string; field: string } | undefined {
  const header = request.headers['x-min-position'];
  const fromHeader = typeof header === 'string' ? header : undefined;
  if (fromHeader !== undefined && comparePositions(fromQuery ?? null, fromHeader) < 0) {
    return { position: fromHeader, field: 'headers.x-min-position' };
  }
  return fromQuery === undefined ? undefined : { position: fromQuery, field: 'querystring.min_position' };
}

/**
 * Read-your-writes: holds a request that named a position (`wantedPosition`) until the read
 * models include it, at most `timeoutMs`; past that, 503 PROJECTION_BEHIND with Retry-After (or
 * PROJECTION_STOPPED when a poison event stopped the projection before it), never stale data. A
 * position past the head of the event log can never be projected: 400 POSITION_NOT_IN_LOG, after
 * `headCheckAfterMs` instead of the whole wait.
 * @example
 * const wanted = wantedPosition(request, request.query.min_position);
 * if (wanted) await waitForPosition(deps.wait, wanted);
 */
export async function waitForPosition(wait: PositionWait, wanted: { position: string; field: string }): Promise<void> {
  if (!wait.observe) return waitUntilProjected(wait, wanted);
  const started = performance.now();
  let end: WaitEnd = 'reached';
  try {
    await waitUntilProjected(wait, wanted);
  } catch (err) {
    end = (err instanceof HttpError ? ENDS[err.code] : undefined) ?? 'timeout';
    throw err;
  } finally {
    wait.observe(end, (performance.now() - started) / 1000);
  }
}

async function waitUntilProjected(wait: PositionWait, wanted: { position: string; field: string }): Promise<void> {
  const { watcher, log, timeoutMs } = wait;
  const started = Date.now();
  const first = Math.min(wait.headCheckAfterMs, timeoutMs);
  let outcome = await watcher.waitFor(wanted.position, first);
  if (outcome === 'timeout') {
    // The committed head, not the one readers see: that one trails a just-committed event for as
    // long as an older transaction anywhere on the server stays open, and a client's own write must
    // never be called absent. A failure to read it is no answer.
    const head = await log.committedHeadPosition().catch(() => undefined);
    if (head !== undefined && comparePositions(head, wanted.position) < 0) {
      throw positionNotInLog(wanted.position, head, wanted.field);
    }
  }
  if (outcome === 'timeout' && timeoutMs > first) outcome = await watcher.waitFor(wanted.position, timeoutMs - first);
  if (outcome === 'stopped') throw projectionStopped(wanted.position, watcher.position);
  if (outcome === 'timeout') throw projectionBehind(wanted.position, watcher.position, Date.now() - started);
}

/**
 * Read-your-writes for a read of the read models outside the response cache (one record, audit
 * search, snapshot): waits for the position the request names, if any (`waitForPosition`), then
 * returns the checkpoint known before the read runs — its snapshot is at least that new — for
 * `X-Read-Position`.
 * @example
 * const position = await positionBeforeRead(request, deps, request.query.min_position);
 */
export async function positionBeforeRead(
  request: FastifyRequest,
  deps: { wait: PositionWait; watcher: Pick<CheckpointWatcher, 'position'> },
  minPosition: string | undefined,
): Promise<string | null> {
  const wanted = wantedPosition(request, minPosition);
  if (wanted !== undefined) await waitForPosition(deps.wait, wanted);
  return deps.watcher.position;
}
