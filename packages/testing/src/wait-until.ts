import { setTimeout as sleep } from 'node:timers/promises';

/** What `check` returns once the wait is over: any value but `false`, `0`, `''`, `null` or `undefined`. */
export type Truthy<T> = Exclude<T, false | 0 | 0n | '' | null | undefined>;

export interface WaitUntilOptions {
  /** How long to keep trying before failing; 15 s unless told. */
  timeoutMs?: number;
  /** The pause between tries; 20 ms unless told. */
  intervalMs?: number;
}

/**
 * Calls `check` until it returns a truthy value and resolves with that value. A `check` that throws
 * counts as "not yet": a probe of a server that is still starting (or restarting) fails before it
 * succeeds. After `timeoutMs` it rejects with an error naming `what`, whose `cause` is the last
 * error `check` threw, if it threw one.
 *
 * @example
 * await waitUntil('the projector to go live', () => projector.status().state === 'live');
 * const seen = await waitUntil('the broker outage to show', async () => {
 *   const h = await health();
 *   return h.broker === 'unavailable' ? h : null;
 * }, { timeoutMs: 60_000, intervalMs: 200 });
 */
export async function waitUntil<T>(
  what: string,
  check: () => T | Promise<T>,
  { timeoutMs = 15_000, intervalMs = 20 }: WaitUntilOptions = {},
): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let failure: unknown;
  let failed = false;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as Truthy<T>;
    } catch (err) {
      failure = err;
      failed = true;
    }
    if (Date.now() >= deadline) {
      const last = failed ? `; it last threw: ${failure instanceof Error ? failure.message : String(failure)}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last}`, failed ? { cause: failure } : {});
    }
    await sleep(intervalMs);
  }
}
