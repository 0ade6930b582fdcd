import t from 'tap';
import { validate, version } from 'uuid';
import { newId } from '../src/index.ts';

t.test('newId: valid v7 UUIDs, unique and increasing across pool refills', async (t) => {
  // 256 ids per pool of random bytes: 3,000 ids draw it nearly twelve times.
  const ids = Array.from({ length: 3000 }, () => newId());
  t.ok(
    ids.every((id) => validate(id) && version(id) === 7),
    'every id is a version 7 UUID',
  );
  t.equal(new Set(ids).size, ids.length, 'no id repeats');
  t.ok(
    ids.every((id, i) => i === 0 || id > ids[i - 1]!),
    'each id sorts after the one before (monotonic within a millisecond)',
  );
});

t.test('newId: the time prefix is the current millisecond', async (t) => {
  const before = Date.now();
  const id = newId();
  const after = Date.now();
  const ms = Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
  t.ok(ms >= before && ms <= after + 1, `${ms} within [${before}, ${after + 1}]`);
});

t.test('newId: the random part differs between pools (the pool is refilled, not reused)', async (t) => {
  const tails = Array.from({ length: 600 }, () => newId().slice(-12));
  t.equal(new Set(tails).size, tails.length, 'the last 48 random bits never repeat');
});
