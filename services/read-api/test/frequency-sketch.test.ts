import t from 'tap';
import { FrequencySketch } from '../src/frequency-sketch.ts';

t.test('estimates how often each key was seen, never under, saturating at 15', async (t) => {
  const sketch = new FrequencySketch(1024);
  for (let i = 0; i < 5; i++) sketch.increment('a');
  t.equal(sketch.increment('b'), 1, 'increment answers the estimate, this sighting included');
  t.equal(sketch.estimate('a'), 5);
  t.equal(sketch.estimate('b'), 1);
  t.equal(sketch.estimate('never'), 0);
  for (let i = 0; i < 40; i++) sketch.increment('a');
  t.equal(sketch.estimate('a'), 15, 'four bits');
});

t.test('with many more keys than counters, estimates stay close for most keys', async (t) => {
  const sketch = new FrequencySketch(1024);
  for (let i = 0; i < 500; i++) for (let n = 0; n < 3; n++) sketch.increment(`key-${i}`);
  const off = Array.from({ length: 500 }, (_, i) => sketch.estimate(`key-${i}`) - 3);
  t.ok(
    off.every((d) => d >= 0),
    'never under',
  );
  t.ok(off.filter((d) => d > 0).length < 25, 'few over');
});

t.test('every counter halves once the sample is counted: old popularity fades', async (t) => {
  const sketch = new FrequencySketch(1024, 12);
  for (let i = 0; i < 8; i++) sketch.increment('old');
  for (let i = 0; i < 3; i++) sketch.increment('new');
  t.same([sketch.estimate('old'), sketch.estimate('new')], [8, 3]);
  t.equal(sketch.increment('new'), 2, 'the twelfth sighting halved them …');
  t.same([sketch.estimate('old'), sketch.estimate('new')], [4, 2], '… every one');
});
