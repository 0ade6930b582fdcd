/**
 * Runs a test file's cleanups last-in first-out in ONE teardown, so what started last stops first
 * (a relay before the broker and the database it uses).
 *
 * @example
 * const defer = cleanupStack(t);
 * const db = await createTestDatabase('relay');
 * defer(db.drop);
 */
export function cleanupStack(t: { teardown(fn: () => unknown): void }): (fn: () => unknown) => void {
  const stack: Array<() => unknown> = [];
  t.teardown(async () => {
    for (const fn of stack.reverse()) {
      try {
        await fn();
      } catch (err) {
        console.error('cleanup failed', err);
      }
    }
  });
  return (fn) => stack.push(fn);
}
