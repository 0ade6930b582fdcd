import t from 'tap';
import { withTimeout } from '../src/index.ts';

/** Work that takes `ms` (its timer does not hold the test process open). */
const late = (ms: number) => new Promise<string>((resolve) => setTimeout(() => resolve('late'), ms).unref());

t.test('settles as the work does when it is in time', async (t) => {
  t.equal(await withTimeout(Promise.resolve('done'), 1000, () => new Error('timeout')), 'done');
  await t.rejects(
    withTimeout(Promise.reject(new Error('failed')), 1000, () => new Error('timeout')),
    { message: 'failed' },
  );
});

t.test("rejects with the caller's error once the time is up", async (t) => {
  class Unavailable extends Error {}
  const started = performance.now();
  const err = await withTimeout(late(10_000), 20, () => new Unavailable('no answer within 20 ms')).catch((e) => e);
  t.ok(err instanceof Unavailable, 'the error timeoutError made');
  t.ok(performance.now() - started < 1000, 'did not wait for the work');
});

t.test('its timer is cleared once the work settled', async (t) => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timers();
  await withTimeout(Promise.resolve('done'), 60_000, () => new Error('timeout'));
  await t.rejects(withTimeout(Promise.reject(new Error('failed')), 60_000, () => new Error('timeout')));
  t.equal(timers(), before, 'no timer left to hold the process open');
});
