/** Runs cleanups last-in first-out in ONE teardown (the relay before the broker and the database). */
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
