import t from 'tap';
import { quoteIdent } from '../src/index.ts';

t.test('quotes an identifier, doubling the quotes inside it', async (t) => {
  t.equal(quoteIdent('read_model'), '"read_model"');
  t.equal(quoteIdent('Mixed Case'), '"Mixed Case"', 'case and spaces kept');
  t.equal(quoteIdent('a"b'), '"a""b"');
});
