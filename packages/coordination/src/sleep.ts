import { setTimeout as delay } from 'node:timers/promises';

/**
 * Resolves after `ms`, or early and quietly when `signal` aborts: a loop that waits between
 * attempts checks its signal afterwards instead of catching an AbortError at every call site.
 *
 * @example
 * while (!signal.aborted) { await poll(); await sleep(1000, signal); }
 */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return;
  try {
    await delay(ms, undefined, signal ? { signal } : undefined);
  } catch (err) {
    if (!signal?.aborted) throw err;
  }
}
