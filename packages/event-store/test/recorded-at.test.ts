/**
 * `parseRecordedAt` (the event reads' timestamptz parser) gives the Date node-postgres's own parser
 * gives, for PostgreSQL's UTC output and for every other form it hands on to that parser.
 */
import pg from 'pg';
import t from 'tap';
import { parseRecordedAt } from '../src/postgres/rows.ts';

const pgParser = pg.types.getTypeParser(1184, 'text');

t.test('the same Date as node-postgres for every form', async (t) => {
  for (const value of [
    '2024-05-01 12:00:00+00',
    '2024-05-01 12:00:00.5+00',
    '2024-05-01 12:00:00.12+00',
    '2024-05-01 12:00:00.123+00',
    '2024-05-01 12:00:00.123456+00',
    '2024-02-29 23:59:59.999999+00',
    '1999-12-31 23:59:59.000001+00',
    '9999-12-31 23:59:59.999+00',
    '1000-01-01 00:00:00+00',
    '0099-06-01 00:00:00+00',
    '2024-05-01 14:00:00.25+02',
    '2024-05-01 07:30:00-04:30',
    '0044-03-15 12:00:00+00 BC',
  ]) {
    t.equal(parseRecordedAt(value).getTime(), (pgParser(value) as Date).getTime(), value);
  }
  t.equal(
    parseRecordedAt('2024-05-01 12:00:00.123456+00').toISOString(),
    '2024-05-01T12:00:00.123Z',
    'truncated to ms',
  );
});
