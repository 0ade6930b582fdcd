/**
 * The envelope's field messages from Ajv's errors (`fieldErrors`), through the platform's own
 * validator compiler: what a client reads when it sends a value the schema refuses.
 */

import { DateTime, PATTERN_MESSAGE } from '@publisher/contracts';
import type { FastifySchema } from 'fastify';
import t from 'tap';
import { Type } from 'typebox';
import { fieldErrors, validatorCompiler } from '../src/validation.ts';

const Query = Type.Object({
  status: Type.Optional(Type.Array(Type.Union([Type.Literal('pending'), Type.Literal('failed')]))),
  kind: Type.Optional(Type.Union([Type.Literal('record')])),
  color: Type.Optional(Type.String({ enum: ['red', 'blue'] })),
  as_of: Type.Optional(Type.String({ format: 'date-time', pattern: '^(?!0000)[0-9]{4}-' })),
  code: Type.Optional(Type.String({ pattern: '^[a-z]+$' })),
  since: Type.Optional(DateTime),
  site_id: Type.Optional(Type.Integer({ minimum: 1 })),
  ref: Type.Optional(Type.Union([Type.String({ maxLength: 3 }), Type.Null()])),
  token: Type.Optional(Type.String({ pattern: '^[a-z]+$', [PATTERN_MESSAGE]: 'must be lower-case letters' })),
});

function messages(query: Record<string, unknown>): Record<string, string[]> {
  // Fastify hands the compiler one part's schema, typed as a whole route's.
  const validate = validatorCompiler({
    schema: Query as FastifySchema,
    httpPart: 'querystring',
    method: 'GET',
    url: '/',
  });
  t.notOk(validate(query), 'refused');
  return fieldErrors(validate.errors ?? [], 'querystring');
}

t.test('a value outside a union of constants names every allowed one, once', async (t) => {
  t.same(messages({ status: ['banana'] }), { 'querystring.status.0': ['must be one of: pending, failed'] });
  t.same(messages({ color: 'green' }), { 'querystring.color': ['must be one of: red, blue'] });
  t.same(messages({ kind: 'deployment' }), { 'querystring.kind': ['must be record'] });
});

t.test('a malformed date-time is told its format, not also the pattern guarding it', async (t) => {
  t.same(messages({ as_of: 'yesterday' }), { 'querystring.as_of': ['must match format "date-time"'] });
  t.same(messages({ as_of: '0000-01-01T00:00:00Z' }), {
    'querystring.as_of': ['must match pattern "^(?!0000)[0-9]{4}-"'],
  });
  t.same(
    messages({ code: 'A1' }),
    { 'querystring.code': ['must match pattern "^[a-z]+$"'] },
    'a pattern alone is kept',
  );
});

t.test('a pattern whose schema words it is told in those words', async (t) => {
  t.same(messages({ token: 'A1' }), { 'querystring.token': ['must be lower-case letters'] });
  t.same(messages({ since: '0000-01-01T00:00:00Z' }), {
    'querystring.since': ['must be a date-time from year 0001 on'],
  });
  t.same(messages({ since: 'yesterday' }), { 'querystring.since': ['must match format "date-time"'] });
});

t.test('a repeated parameter is told to be given once', async (t) => {
  t.same(messages({ site_id: ['7', '8'] }), { 'querystring.site_id': ['must be given once'] });
  t.same(
    messages({ kind: ['record', 'record'] }),
    { 'querystring.kind': ['must be given once'] },
    'not also that each value must be one it is',
  );
  t.same(
    messages({ status: ['banana'] }),
    { 'querystring.status.0': ['must be one of: pending, failed'] },
    'arrays are lists',
  );
});

t.test('a nullable field is told what its value breaks, not also that null would do', async (t) => {
  t.same(messages({ ref: 'abcdef' }), { 'querystring.ref': ['must NOT have more than 3 characters'] });
  const validate = validatorCompiler({
    schema: Type.Object({ reason: Type.Union([Type.String(), Type.Null()]) }) as FastifySchema,
    httpPart: 'body',
    method: 'POST',
    url: '/',
  });
  t.notOk(validate({ reason: 5 }));
  t.same(fieldErrors(validate.errors ?? [], 'body'), { reason: ['must be string or null'] }, 'a wrong type names both');
});

t.test('a key an object refuses is named as a key, once', async (t) => {
  const validate = validatorCompiler({
    schema: Type.Object({
      meta: Type.Record(Type.String(), Type.Unknown(), { propertyNames: { maxLength: 3 } }),
    }) as FastifySchema,
    httpPart: 'body',
    method: 'POST',
    url: '/',
  });
  t.notOk(validate({ meta: { long: 1 } }), 'refused');
  t.same(fieldErrors(validate.errors ?? [], 'body'), { meta: ['key must NOT have more than 3 characters'] });
});

t.test(
  'a number in a query string is plain decimal: other spellings JavaScript reads as numbers are refused',
  async (t) => {
    for (const loose of ['0x10', '1e1', ' 5', '5 ', '+5', '0b11', '']) {
      t.same(messages({ site_id: loose }), { 'querystring.site_id': ['must be integer'] }, JSON.stringify(loose));
    }
    const validate = validatorCompiler({
      schema: Query as FastifySchema,
      httpPart: 'querystring',
      method: 'GET',
      url: '/',
    });
    const query: Record<string, unknown> = { site_id: '16' };
    t.ok(validate(query), 'decimal digits are taken');
    t.equal(query.site_id, 16, 'as the number they write');
  },
);
