/**
 * How long to wait between attempts: `firstMs`, multiplied by `factor` (default 2) per further
 * attempt, never above `maxMs`. `jitter: 'full'` draws the wait uniformly below that bound, so
 * racers that failed together do not retry together in lockstep.
 */
export interface BackoffPolicy {
  firstMs: number;
  maxMs: number;
  factor?: number;
  jitter?: 'none' | 'full';
}

/**
 * The wait before retry number `retry` (0 for the first retry) under `policy`.
 *
 * @example
 * backoffDelay({ firstMs: 100, maxMs: 5000 }, 3); // 800
 */
export function backoffDelay(policy: BackoffPolicy, retry: number, random: () => number = Math.random): number {
  // The exponent is clamped so a long outage cannot overflow to Infinity (or NaN with factor 1).
  const bound = Math.min(policy.maxMs, policy.firstMs * (policy.factor ?? 2) ** Math.min(Math.max(retry, 0), 64));
  return policy.jitter === 'full' ? random() * bound : bound;
}

/** A retry counter over a policy: `next()` gives the next wait, `reset()` starts over after a success. */
export interface Backoff {
  next(): number;
  reset(): void;
}

/**
 * @example
 * const retry = createBackoff({ firstMs: 100, maxMs: 5000 });
 * for (;;) { try { await work(); retry.reset(); } catch { await sleep(retry.next(), signal); } }
 */
export function createBackoff(policy: BackoffPolicy): Backoff {
  let retries = 0;
  return {
    next: () => backoffDelay(policy, retries++),
    reset: () => {
      retries = 0;
    },
  };
}
