import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PublishingRecordRepresentation } from '@publisher/contracts';
import t from 'tap';
import {
  createWebhookAdapter,
  createWordPressAdapter,
  type DestinationAdapter,
  isWorkerError,
  verifyWebhook,
} from '../src/index.ts';
import { loopbackServer } from './helpers/http-server.ts';

const SECRET = 'test-webhook-secret';

const record = (
  config: Record<string, unknown>,
  metadata: Record<string, unknown> = {},
): PublishingRecordRepresentation => ({
  id: '0f8fad5b-d9cb-469f-a165-70867728950e',
  account_id: 1,
  site_id: 2,
  sector_id: 3,
  content_id: 42,
  destination: 'webhook',
  destination_config: config,
  status: 'publishing',
  external_url: null,
  external_id: null,
  error_message: null,
  attempts: 1,
  metadata,
  revision: 1,
  created_at: '2024-05-01T12:00:00.000Z',
  updated_at: '2024-05-01T12:00:00.000Z',
  published_at: null,
});

async function failure(adapter: DestinationAdapter, r: PublishingRecordRepresentation): Promise<string> {
  try {
    await adapter.deliver(r, { attempt: 1 });
  } catch (err) {
    if (isWorkerError(err, 'DELIVERY_FAILED')) return err.message;
    throw err;
  }
  throw new Error('delivery unexpectedly succeeded');
}

t.test('webhook: signed JSON POST; the answer names the external URL and id', async (t) => {
  const server = await loopbackServer(() => ({ status: 201, body: { url: 'https://cms.test/posts/9', id: 9 } }));
  t.teardown(server.close);
  const webhook = createWebhookAdapter({ secret: SECRET, timeoutMs: 2000 });
  const result = await webhook.deliver(record({ url: `${server.url}/hook?x=1` }, { title: 'Hi' }), { attempt: 1 });
  t.same(result, { external_url: 'https://cms.test/posts/9', external_id: '9' });

  const [req] = server.requests;
  t.equal(req?.method, 'POST');
  t.equal(req?.url, '/hook?x=1');
  const body = JSON.parse(req!.body);
  t.match(body, {
    type: 'publisher.publish',
    record_id: record({}).id,
    content_id: 42,
    attempt: 1,
    metadata: { title: 'Hi' },
  });
  t.equal(req?.headers['x-publisher-delivery'], `${record({}).id}:1`);
  const timestamp = req?.headers['x-publisher-timestamp'] as string;
  const signature = req?.headers['x-publisher-signature'] as string;
  t.ok(verifyWebhook(SECRET, timestamp, req!.body, signature), 'the receiver can verify the signature');
  t.notOk(verifyWebhook('another-secret', timestamp, req!.body, signature), 'another secret does not verify');
  t.notOk(verifyWebhook(SECRET, timestamp, `${req!.body} `, signature), 'a changed body does not verify');
  t.notOk(
    verifyWebhook(SECRET, timestamp, req!.body, signature, { now: Number(timestamp) + 3600 }),
    'an old request (replay) does not verify',
  );
});

t.test('webhook: an empty 2xx answer falls back to Location, then to the webhook URL', async (t) => {
  const server = await loopbackServer(() => ({ status: 202, headers: { location: 'https://cms.test/q/1' } }));
  t.teardown(server.close);
  const webhook = createWebhookAdapter({ secret: SECRET, timeoutMs: 2000 });
  t.same(await webhook.deliver(record({ url: `${server.url}/a` }), { attempt: 1 }), {
    external_url: 'https://cms.test/q/1',
    external_id: null,
  });
  server.setResponder(() => ({ status: 204 }));
  t.same(await webhook.deliver(record({ url: `${server.url}/a` }), { attempt: 2 }), {
    external_url: `${server.url}/a`,
    external_id: null,
  });
});

t.test('webhook: every way a delivery fails becomes a readable reason', async (t) => {
  const server = await loopbackServer(() => ({ status: 500, body: { error: 'database on fire' } }));
  t.teardown(server.close);
  const webhook = createWebhookAdapter({ secret: SECRET, timeoutMs: 300 });
  t.equal(await failure(webhook, record({ url: server.url })), 'webhook answered 500: {"error":"database on fire"}');

  server.setResponder(() => ({ status: 200, body: { ok: true }, delayMs: 2000 }));
  t.match(await failure(webhook, record({ url: server.url })), /did not answer within 300 ms/);

  server.setResponder(() => ({ status: 200, body: { url: 'javascript:alert(1)' } }));
  t.match(await failure(webhook, record({ url: server.url })), /invalid external URL/);

  server.setResponder(() => ({ status: 302, headers: { location: 'http://elsewhere.test/' } }));
  t.match(await failure(webhook, record({ url: server.url })), /answered 302/, 'redirects are not followed');

  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  const deadPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  t.match(await failure(webhook, record({ url: `http://127.0.0.1:${deadPort}/` })), /cannot reach .*ECONNREFUSED/);

  t.match(await failure(webhook, record({})), /destination_config.url must be an absolute http\(s\) URL/);
  t.match(await failure(webhook, record({ url: 'ftp://x.test/' })), /destination_config.url/);
});

t.test('wordpress: creates a post with basic auth from the environment, never from the record', async (t) => {
  const server = await loopbackServer((req) =>
    req.url === '/blog/wp-json/wp/v2/posts'
      ? { status: 201, body: { id: 77, link: 'https://blog.test/2024/hello' } }
      : { status: 404, body: { code: 'rest_no_route', message: 'No route' } },
  );
  t.teardown(server.close);
  const wordpress = createWordPressAdapter({
    credentials: { [server.url]: { username: 'editor', application_password: 'abcd efgh' } },
    fallback: null,
    timeoutMs: 2000,
  });
  const r = record(
    { site_url: `${server.url}/blog/`, status: 'draft', categories: [3] },
    { title: 'Hello', content: '<p>Body</p>', excerpt: 'Short' },
  );
  t.same(await wordpress.deliver(r, { attempt: 1 }), {
    external_url: 'https://blog.test/2024/hello',
    external_id: '77',
  });
  const [req] = server.requests;
  t.equal(req?.headers.authorization, `Basic ${Buffer.from('editor:abcd efgh').toString('base64')}`);
  t.same(JSON.parse(req!.body), {
    title: 'Hello',
    content: '<p>Body</p>',
    status: 'draft',
    excerpt: 'Short',
    categories: [3],
  });

  server.setResponder(() => ({
    status: 401,
    body: { code: 'rest_cannot_create', message: 'Sorry, you are not allowed.' },
  }));
  t.equal(
    await failure(wordpress, r),
    'WordPress answered 401 rest_cannot_create: Sorry, you are not allowed.',
    'the WordPress error code and message are kept',
  );
  t.match(
    await failure(wordpress, record({ site_url: 'https://unknown-blog.test' })),
    /no WordPress credentials configured for https:\/\/unknown-blog.test/,
  );
  t.match(await failure(wordpress, record({ site_url: server.url, status: 'trash' })), /status must be one of/);
  server.setResponder(() => ({ status: 201, body: { id: 1 } }));
  t.match(await failure(wordpress, r), /without a post id and link/);
});
