/** The worker's own tokens: one per account, reused until two thirds of their lifetime. */
import { setTimeout as delay } from 'node:timers/promises';
import t from 'tap';
import { createTokenSource } from '../src/token.ts';

const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());

t.test('a token is reused per account, then replaced before it expires', async (t) => {
  const policy = { issuer: null, audience: null, maxTokenTtlSeconds: 3 };
  const tokens = createTokenSource({ secret: 'x'.repeat(32), subject: 'publishing-worker', policy });
  const first = tokens.forAccount(7);
  t.equal(tokens.forAccount(7), first, 'reused');
  t.equal(claims(tokens.forAccount(8)).account_id, 8, 'one per account');
  await delay(2100); // past two thirds of the 3 s lifetime
  const next = tokens.forAccount(7);
  t.not(next, first, 'replaced');
  t.ok(claims(next).iat > claims(first).iat, 'newly signed');
});

t.test('any token lifetime works, even one whose two thirds is not a whole millisecond', async (t) => {
  for (const maxTokenTtlSeconds of [1, 100, 500, 899]) {
    const policy = { issuer: null, audience: null, maxTokenTtlSeconds };
    const tokens = createTokenSource({ secret: 'x'.repeat(32), subject: 'publishing-worker', policy });
    t.equal(claims(tokens.forAccount(1)).account_id, 1, `${maxTokenTtlSeconds} s`);
  }
});
