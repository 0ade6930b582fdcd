import pino from 'pino';

/** Runs cleanups last-in first-out in ONE teardown (close the relay before the broker and the database). */
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

/** Quiet unless TEST_LOG_LEVEL asks for logs. */
export const testLogger = (name: string) => pino({ name, level: process.env.TEST_LOG_LEVEL ?? 'silent' });
