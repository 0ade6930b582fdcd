/**
 * Settles as `work` does, or rejects with `timeoutError()` once `ms` have passed, whichever comes
 * first. `work` itself goes on: where it can be cancelled, the caller cancels it on the rejection.
 *
 * @example
 * await withTimeout(pool.query('SELECT 1'), 2000, () => new Error('no answer within 2000 ms'));
 */
export function withTimeout<T>(work: Promise<T>, ms: number, timeoutError: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError()), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
