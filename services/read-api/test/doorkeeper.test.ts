import t from 'tap';
import { Doorkeeper } from '../src/doorkeeper.ts';

t.test('a key is admitted on its second sighting, then counts from zero again', async (t) => {
  const doorkeeper = new Doorkeeper(10);
  t.equal(doorkeeper.admit('a'), false, 'first');
  t.equal(doorkeeper.admit('b'), false);
  t.equal(doorkeeper.admit('a'), true, 'second');
  t.equal(doorkeeper.admit('a'), false, 'admitted keys are forgotten');
  t.equal(doorkeeper.admit('a'), true);
});

t.test('everything is forgotten once `capacity` keys were seen once', async (t) => {
  const doorkeeper = new Doorkeeper(3);
  for (const key of ['a', 'b', 'c']) doorkeeper.admit(key);
  t.equal(doorkeeper.admit('d'), false, 'the fourth clears the first three');
  t.equal(doorkeeper.admit('a'), false, 'a was forgotten');
  t.equal(doorkeeper.admit('d'), true, 'd was kept');
});
