import { setTimeout as sleep } from 'node:timers/promises';

/** What `check` returns once the wait is over: any value but `false`, `0`, `''`, `null` or `undefined`. */
export type Truthy<T> = Exclude<T, false | 0 | 0n | '' | null | undefined>;

export interface WaitUntilOptions {
  /** How long to keep trying before failing; 15 s unless told. */
  timeoutMs?: number;
  /** The pause between tries; 20 ms unless told. */
  intervalMs?: number;
  /**
   * Asked before each try: a reason to stop waiting at once (a process the wait is for has exited),
   * or a falsy value to go on. The rejection names `what` and the reason.
   */
  giveUpIf?: () => string | false | null | undefined;
}

/**
 * Calls `check` until it returns a truthy value and resolves with that value. A `check` that throws
 * counts as "not yet": a probe of a server that is still starting (or restarting) fails before it
 * succeeds. After `timeoutMs` it rejects with an error naming `what`, whose `cause` is the last
 * error `check` threw, if it threw one; as soon as `giveUpIf` gives a reason, with that reason.
 *
 * @example
 * await waitUntil('the projector to go live', () => projector.status().state === 'live');
 * const seen = await waitUntil('the broker outage to show', async () => {
 *   const h = await health();
 *   return h.broker === 'unavailable' ? h : null;
 * }, { timeoutMs: 60_000, intervalMs: 200 });
 * await waitUntil('the server to answer', () => fetch(url).then((r) => r.ok), {
 *   giveUpIf: () => child.exitCode !== null && `it exited with ${child.exitCode}`,
 * });
 */
export async function waitUntil<T>(
  what: string,
  check: () => T | Promise<T>,
  { timeoutMs = 15_000, intervalMs = 20, giveUpIf }: WaitUntilOptions = {},
): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let failure: unknown;
  let failed = false;
  for (;;) {
    const reason = giveUpIf?.();
    if (reason) throw new Error(`gave up waiting for ${what}: ${reason}`);
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
