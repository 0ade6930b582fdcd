import { createTestDatabase } from '@publisher/testing';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import t from 'tap';
import { createWebhookSecretStore, migrateWebhookSecrets, signStandardWebhook } from '../src/index.ts';
import { generateSigningSecret } from '../src/standard-webhooks.ts';

t.test('signatures verify with the standardwebhooks library, with either secret during a rotation', async (t) => {
  const oldSecret = generateSigningSecret();
  const newSecret = generateSigningSecret();
  t.match(newSecret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  const body = JSON.stringify({ type: 'publisher.publish', record_id: 'r' });
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = signStandardWebhook([newSecret, oldSecret], 'msg_1', timestamp, body);
  t.match(signature, /^v1,\S+ v1,\S+$/);
  const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
  t.same(new Webhook(newSecret).verify(body, headers), JSON.parse(body), 'the new secret verifies');
  t.same(new Webhook(oldSecret).verify(body, headers), JSON.parse(body), 'the retiring secret verifies');
  t.throws(() => new Webhook(generateSigningSecret()).verify(body, headers), 'another secret does not');
  t.throws(() => new Webhook(newSecret).verify(`${body} `, headers), 'a changed body does not');
  t.throws(
    () => new Webhook(newSecret).verify(body, { ...headers, 'webhook-id': 'msg_2' }),
    'another message id does not',
  );
});

t.test('store: one secret per account, created on first use, rotated with a grace period', async (t) => {
  const db = await createTestDatabase('webhook_secrets');
  const pool = new pg.Pool({ connectionString: db.url, max: 5 });
  pool.on('error', () => {}); // the teardown's DROP DATABASE … WITH (FORCE) ends its sessions
  t.teardown(async () => {
    await pool.end();
    await db.drop();
  });
  await migrateWebhookSecrets(pool);
  await migrateWebhookSecrets(pool); // idempotent
  const store = createWebhookSecretStore(pool);

  const [a, again, racing] = await Promise.all([store.get(1), store.get(1), store.get(1)]);
  t.equal(again?.current.secret, a?.current.secret, 'concurrent first uses create one secret');
  t.equal(racing?.current.secret, a?.current.secret);
  t.same(a?.retiring, []);
  const b = await store.get(2);
  t.not(b.current.secret, a?.current.secret, 'each account has its own');

  const rotated = await store.rotate(1, 3600);
  t.not(rotated.current.secret, a?.current.secret);
  t.same(
    rotated.retiring.map((r) => r.secret),
    [a?.current.secret],
    'the previous secret keeps signing during the grace period',
  );
  t.ok(rotated.retiring[0]!.expires_at.getTime() > Date.now() + 3500_000);
  t.same(await store.get(1), rotated, 'get reads what rotate wrote');
  t.equal((await store.get(2)).current.secret, b.current.secret, 'another account is untouched');

  const immediate = await store.rotate(1, 0);
  t.same(immediate.retiring, [], 'grace 0 retires every earlier secret at once');
  const count = await pool.query('SELECT count(*)::int AS n FROM webhook_secrets.signing_secrets WHERE account_id = 1');
  t.ok(count.rows[0].n <= 3, 'expired secrets are deleted by later rotations');

  // Without the account's rotation lock the second would insert a second current secret and fail.
  const both = await Promise.all([store.rotate(2, 3600), store.rotate(2, 3600)]);
  const after = await store.get(2);
  t.ok(
    both.some((r) => r.current.secret === after.current.secret),
    'concurrent rotations both succeed, one after the other',
  );
  t.equal(after.retiring.length, 2, 'the first rotation’s secret and the original both still sign');
});
