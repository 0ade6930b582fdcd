import t from 'tap';
import { waitUntil } from '../src/index.ts';

t.test('resolves with the first truthy value check returns', async (t) => {
  let tries = 0;
  const value = await waitUntil('the third try', () => (++tries >= 3 ? { tries } : null), { intervalMs: 1 });
  t.same(value, { tries: 3 });
  t.equal(tries, 3, 'and stops trying');
});

t.test('waits for an async check, and a throw only means "not yet"', async (t) => {
  let tries = 0;
  const value = await waitUntil(
    'a server that refuses at first',
    async () => {
      if (++tries < 3) throw new Error('ECONNREFUSED');
      return 'up';
    },
    { intervalMs: 1 },
  );
  t.equal(value, 'up');
});

t.test('times out with an error that names what it waited for', async (t) => {
  const started = Date.now();
  await t.rejects(
    waitUntil('the impossible', () => false, { timeoutMs: 50, intervalMs: 5 }),
    {
      message: /waiting for the impossible$/,
    },
  );
  t.ok(Date.now() - started >= 50, 'after the timeout');
});

t.test('times out naming the error check last threw, as message and cause', async (t) => {
  const refused = new Error('ECONNREFUSED');
  const err = await waitUntil(
    'the server',
    () => {
      throw refused;
    },
    { timeoutMs: 30, intervalMs: 5 },
  ).catch((e: unknown) => e);
  t.match(err, { message: /waiting for the server; it last threw: ECONNREFUSED$/ });
  t.equal((err as Error).cause, refused);
});

t.test('gives up at once when giveUpIf gives a reason, naming it', async (t) => {
  let tries = 0;
  const err = await waitUntil('a server that exited', () => ++tries > 100, {
    intervalMs: 1,
    giveUpIf: () => tries >= 2 && 'it exited with 1',
  }).catch((e: unknown) => e);
  t.match(err, { message: 'gave up waiting for a server that exited: it exited with 1' });
  t.equal(tries, 2, 'asked before each try, no try after the reason');
});
