import t from 'tap';
import { BatchedReader, QueryTimeoutError, RequestParams, type RowSource } from '../src/batched-reader.ts';

/**
 * A row source whose statements the test answers by hand: request n's row is `{ n, value }` for its
 * value; `answer` sends every row and completes, `send(i)` sends request i's row alone, `complete` completes.
 */
function manualSource() {
  const calls: Array<{
    name: string;
    text: string;
    values: unknown[][];
    answer: () => void;
    send: (i: number) => void;
    complete: () => void;
    fail: (e: Error) => void;
  }> = [];
  const source: RowSource = {
    stream: (statement, onRow) =>
      new Promise((resolve, reject) => {
        const values = statement.values as unknown[][];
        // As a RowSource must: a row `onRow` throws at fails the statement.
        const send = (i: number) => {
          try {
            onRow({ n: i + 1, value: `row ${values[0]![i]}` });
          } catch (err) {
            reject(err);
          }
        };
        calls.push({
          ...statement,
          values,
          answer: () => {
            for (let i = 0; i < values[0]!.length; i++) send(i);
            resolve();
          },
          send,
          complete: () => resolve(),
          fail: reject,
        });
      }),
  };
  return { calls, source };
}
const tick = () => new Promise((r) => setImmediate(r));
const request = (reader: BatchedReader, value: string, shape = 'a') => {
  const params = new RequestParams();
  return reader.run<{ value: string }>('x.value', `/* ${shape} */ ${params.add(value, 'text')}`, params);
};

/**
 * A batch of `values` out as one statement (`statement`, the second the source saw), sent behind a
 * lone request that went and was answered first.
 */
async function batchOf(values: string[], options: { timeoutMs?: number } = {}) {
  const { calls, source } = manualSource();
  const reader = new BatchedReader(source, options);
  const lone = request(reader, 'x');
  const batch = values.map((v) => request(reader, v));
  calls[0]!.answer();
  await lone;
  await tick();
  return { statement: calls[1]!, batch };
}

t.test('a lone request goes at once; requests arriving meanwhile go together as one statement', async (t) => {
  const { calls, source } = manualSource();
  const reader = new BatchedReader(source);
  const first = request(reader, 'a');
  t.same(
    calls.map((c) => c.values),
    [[['a']]],
    'no waiting for company',
  );
  t.match(
    calls[0]!.text,
    /^SELECT q\.n::int AS n, x\.value FROM unnest\(\$1::text\[\]\) WITH ORDINALITY AS q\(p1, n\) .* ORDER BY q\.n$/,
    "the rows come in the requests' order",
  );
  const rest = ['b', 'c', 'b'].map((v) => request(reader, v));
  await tick();
  t.equal(calls.length, 1, 'queued behind the batch in flight');
  calls[0]!.answer();
  t.same(await first, [{ n: 1, value: 'row a' }]);
  await tick();
  t.same(calls[1]!.values, [['b', 'c', 'b']], 'one statement, one array per parameter');
  t.equal(calls[1]!.name, calls[0]!.name, 'the same prepared statement');
  calls[1]!.answer();
  t.same(
    (await Promise.all(rest)).map((rows) => rows.map((r) => r.value)),
    [['row b'], ['row c'], ['row b']],
    'each request gets its own rows',
  );
});

t.test('a request is answered when a later request’s row arrives, before its statement completes', async (t) => {
  const values = ['a', 'b', 'c'];
  const { statement, batch } = await batchOf(values);
  const answered: string[] = [];
  batch.forEach((p, i) => void p.then(() => answered.push(values[i]!)).catch(() => {}));
  statement.send(0);
  await tick();
  t.same(answered, [], 'a row may not be all of its request’s rows');
  statement.send(1);
  await tick();
  t.same(answered, ['a'], 'the next request’s row completes it');
  statement.fail(new Error('connection lost'));
  t.same(await batch[0], [{ n: 1, value: 'row a' }], 'an answer given stays given');
  await t.rejects(batch[1]!, /connection lost/, 'a request whose rows may not all have come fails');
  await t.rejects(batch[2]!, /connection lost/);
});

t.test('a request without rows is answered by a later request’s row', async (t) => {
  const { statement, batch } = await batchOf(['a', 'b', 'c']);
  statement.send(0);
  statement.send(2); // request 2 finds nothing
  t.same(await batch[0], [{ n: 1, value: 'row a' }]);
  t.same(await batch[1], [], 'answered: no row of its own');
  statement.complete();
  t.same(await batch[2], [{ n: 3, value: 'row c' }]);
});

t.test('the reader’s bound after some answers: those stand, the rest fail, later rows are ignored', async (t) => {
  const { statement, batch } = await batchOf(['a', 'b', 'c'], { timeoutMs: 100 });
  statement.send(0);
  statement.send(1);
  const first = await batch[0]!;
  await t.rejects(batch[1]!, QueryTimeoutError, 'a request whose rows may not all have come');
  await t.rejects(batch[2]!, QueryTimeoutError);
  statement.answer(); // the statement ends at last
  t.same(first, [{ n: 1, value: 'row a' }], 'an answer given is not changed by later rows');
});

t.test('a row out of the requests’ order fails the statement; answers given stand', async (t) => {
  const { statement, batch } = await batchOf(['a', 'b']);
  statement.send(1); // answers request 1 (no rows of its own)
  statement.send(0); // a row of request 1 after its answer
  t.same(await batch[0], [], 'not changed after it was given');
  await t.rejects(batch[1]!, /out of order/);
});

t.test("a request's own rows keep the order it asks for, after the requests' order", async (t) => {
  const { calls, source } = manualSource();
  const reader = new BatchedReader(source);
  const params = new RequestParams();
  const answer = reader.run('x.value', `/* ${params.add('a', 'text')} */`, params, 'x.at DESC');
  t.match(calls[0]!.text, / ORDER BY q\.n, x\.at DESC$/);
  calls[0]!.answer();
  await answer;
});

t.test('statements of different shapes do not wait for each other; maxBatch caps a batch', async (t) => {
  const { calls, source } = manualSource();
  const reader = new BatchedReader(source, { maxBatch: 2 });
  const all = [request(reader, 'a'), request(reader, 'b', 'other'), request(reader, 'c'), request(reader, 'd')];
  all.push(request(reader, 'e'));
  t.same(
    calls.map((c) => c.values[0]),
    [['a'], ['b']],
    'one batch per shape in flight',
  );
  t.not(calls[0]!.name, calls[1]!.name);
  calls[0]!.answer();
  await tick();
  t.same(calls[2]?.values[0], ['c', 'd']);
  calls[2]!.answer();
  await tick();
  t.same(calls[3]?.values[0], ['e']);
  calls[1]!.answer();
  calls[3]!.answer();
  t.same(
    (await Promise.all(all)).map((rows) => rows[0]?.value),
    ['row a', 'row b', 'row c', 'row d', 'row e'],
  );
});

t.test('a failed statement fails its requests only; the next batch goes on', async (t) => {
  const { calls, source } = manualSource();
  const reader = new BatchedReader(source);
  const first = request(reader, 'a');
  const second = request(reader, 'b');
  calls[0]!.fail(new Error('connection lost'));
  await t.rejects(first, /connection lost/);
  await tick();
  calls[1]!.answer();
  t.same((await second)[0]?.value, 'row b');
});

t.test('a batch that does not answer in time fails with a timeout and frees its place', async (t) => {
  const { calls, source } = manualSource();
  const reader = new BatchedReader(source, { timeoutMs: 50 });
  const hung = request(reader, 'a');
  const queued = request(reader, 'b');
  await t.rejects(hung, QueryTimeoutError);
  await t.rejects(hung, { code: 'ETIMEDOUT' }, 'a connection-level error (503 at the APIs)');
  await t.rejects(queued, QueryTimeoutError, 'so does a request queued behind it: one bound at most');
  const next = request(reader, 'c');
  t.same(calls[1]?.values, [['c']], 'the next request goes at once, without waiting for the hung one');
  calls[1]!.answer();
  t.same((await next)[0]?.value, 'row c');
  calls[0]!.answer(); // the hung statement ends at last: nobody is told twice
  t.equal(calls.length, 2);
});

t.test('a request queued behind a batch that failed late waits what is left of its one bound', async (t) => {
  const { calls, source } = manualSource();
  const reader = new BatchedReader(source, { timeoutMs: 1000 });
  const first = request(reader, 'a');
  const queued = request(reader, 'b');
  const queuedAt = Date.now();
  await new Promise((r) => setTimeout(r, 900));
  calls[0]!.fail(new Error('timeout exceeded when trying to connect')); // the pool gave up late
  await t.rejects(first, /timeout exceeded/);
  await tick();
  t.same(calls[1]?.values, [['b']], 'the queued request goes next');
  await t.rejects(queued, QueryTimeoutError, 'the database never answers it');
  const waited = Date.now() - queuedAt;
  // One bound (1000 ms) from its arrival, not another whole bound from its send (1900 ms and more);
  // the margin between is for a busy event loop.
  t.ok(waited < 1700, `failed ${waited} ms after it was made`);
});

t.test('a request needs a parameter (the table of requests)', async (t) => {
  const reader = new BatchedReader(manualSource().source);
  t.throws(() => reader.run('1', '', new RequestParams()), TypeError);
});
