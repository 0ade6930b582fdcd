import t from 'tap';
import { sleep } from '../src/index.ts';

t.test('waits the given time', async (t) => {
  const started = performance.now();
  await sleep(30);
  t.ok(performance.now() - started >= 25, 'did not resolve early');
});

t.test('an abort ends the wait early and without an error', async (t) => {
  const controller = new AbortController();
  const started = performance.now();
  setTimeout(() => controller.abort(), 10);
  await sleep(10_000, controller.signal);
  t.ok(performance.now() - started < 1000, 'resolved on abort, not after the full wait');
});

t.test('an already aborted signal resolves at once', async (t) => {
  const started = performance.now();
  await sleep(10_000, AbortSignal.abort());
  t.ok(performance.now() - started < 100);
});
