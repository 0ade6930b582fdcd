import t from 'tap';
import { comparePositions, decodePosition, isPosition } from '../src/index.ts';
import { encodePosition } from '../src/port.ts';

t.test('positions order as their integers do, by plain string comparison', async (t) => {
  const a = encodePosition(5n, 300n);
  const b = encodePosition(5n, 1000n);
  const c = encodePosition(16n, 1n);
  t.ok(isPosition(a));
  t.equal(comparePositions(a, b), -1);
  t.equal(comparePositions(c, b), 1);
  t.equal(comparePositions(null, a), -1);
  t.equal(comparePositions(a, a), 0);
  t.same(decodePosition(c), { high: 16n, low: 1n });
  t.notOk(isPosition('12-34'));
});
