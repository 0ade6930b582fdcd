/**
 * The README's table of error codes is what clients read: it names every code of `STATUS_BY_CODE`,
 * each with the status the code has there, and no code that does not exist.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { STATUS_BY_CODE } from '../src/index.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const section = readme.split('## Error codes')[1]?.split('\n\n')[1] ?? '';

/** Each documented code with the status its row gives. */
const documented = new Map<string, number>();
for (const row of section.split('\n').slice(2)) {
  const [codes = '', status = ''] = row.split('|').slice(1, 3);
  for (const [, code] of codes.matchAll(/`([A-Z_]+)`/g)) if (code) documented.set(code, Number(status.trim()));
}

t.test('every code is documented with its status, and only those', async (t) => {
  t.ok(documented.size > 30, `the table was read (${documented.size} codes)`);
  for (const [code, status] of Object.entries(STATUS_BY_CODE)) {
    t.equal(documented.get(code), status, `${code}: ${status}`);
  }
  for (const code of documented.keys()) t.ok(code in STATUS_BY_CODE, `${code} exists`);
});
