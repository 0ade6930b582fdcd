import t from 'tap';
import { errorCode, errorMessage, errorName } from '../src/index.ts';

const enoent = Object.assign(new Error('no such file'), { code: 'ENOENT' });

t.test('errorCode reads a string or numeric code and nothing else', async (t) => {
  t.equal(errorCode(enoent), 'ENOENT');
  t.equal(errorCode({ code: 14 }), 14, 'a gRPC status code stays a number');
  t.equal(errorCode(new Error('plain')), undefined);
  t.equal(errorCode({ code: { nested: true } }), undefined);
  for (const thrown of ['ENOENT', 42, null, undefined]) t.equal(errorCode(thrown), undefined, String(thrown));
});

t.test('errorMessage reads a string message, else stringifies the value', async (t) => {
  t.equal(errorMessage(enoent), 'no such file');
  t.equal(errorMessage({ message: 'from a plain object' }), 'from a plain object');
  t.equal(errorMessage('thrown string'), 'thrown string');
  t.equal(errorMessage(null), 'null');
  t.equal(errorMessage(undefined), 'undefined');
  t.equal(errorMessage({ message: 7 }), '[object Object]', 'a message that is not a string is not one');
});

t.test('errorName reads a string name', async (t) => {
  t.equal(errorName(new TypeError('x')), 'TypeError');
  t.equal(errorName(new DOMException('late', 'TimeoutError')), 'TimeoutError');
  t.equal(errorName({ name: 3 }), undefined);
  t.equal(errorName('TypeError'), undefined);
  t.equal(errorName(null), undefined);
});
