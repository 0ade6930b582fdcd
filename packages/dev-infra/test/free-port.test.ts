import t from 'tap';
import { freePort } from '../src/postgres.ts';

t.test('freePort never hands out the same port twice in one process', async (t) => {
  // 500 ports out of the ~28,000 ephemeral ones: drawn at random, some two would almost surely match.
  const ports: number[] = [];
  for (let i = 0; i < 500; i++) ports.push(await freePort());
  t.equal(new Set(ports).size, ports.length);
  t.ok(ports.every((p) => p > 0 && p < 65536));
});
