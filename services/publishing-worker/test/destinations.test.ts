import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PublishingRecordRepresentation } from '@publisher/contracts';
import { Webhook } from 'standardwebhooks';
import t from 'tap';
import { cleanText } from '../src/clean-text.ts';
import {
  createOutboundHttp,
  createWebhookAdapter,
  createWordPressAdapter,
  credentialKey,
  type DestinationAdapter,
  type WordPressCredential,
} from '../src/destinations/index.ts';
import { isWorkerError } from '../src/errors.ts';
import { loopbackServer } from './helpers/http-server.ts';

/** A signing secret in Standard Webhooks' format, as the command API hands them out. */
const signingSecret = () => `whsec_${randomBytes(32).toString('base64')}`;
const SECRET = signingSecret();
const RETIRING = signingSecret();
const dev = createOutboundHttp({ allowPrivate: true });
const secrets = async () => [SECRET];

const record = (
  config: Record<string, unknown>,
  metadata: Record<string, unknown> = {},
  tenant: { account_id?: number; site_id?: number } = {},
): PublishingRecordRepresentation => ({
  id: '0f8fad5b-d9cb-469f-a165-70867728950e',
  account_id: tenant.account_id ?? 1,
  site_id: tenant.site_id ?? 2,
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

t.test(
  'webhook: Standard Webhooks signature with the account’s secrets, verified by the standard library',
  async (t) => {
    const server = await loopbackServer(() => ({ status: 201, body: { url: 'https://cms.test/posts/9', id: 9 } }));
    t.teardown(server.close);
    const asked: number[] = [];
    const webhook = createWebhookAdapter({
      http: dev,
      secrets: async (account) => {
        asked.push(account);
        return [SECRET, RETIRING];
      },
      timeoutMs: 2000,
    });
    const result = await webhook.deliver(
      record({ url: `${server.url}/hook?x=1` }, { title: 'Hi' }, { account_id: 7 }),
      {
        attempt: 1,
      },
    );
    t.match(result, { external_url: 'https://cms.test/posts/9', external_id: '9' });
    t.same(asked, [7], 'the secrets of the record’s account');

    const [req] = server.requests;
    t.equal(req?.method, 'POST');
    t.equal(req?.url, '/hook?x=1');
    const headers = {
      'webhook-id': req!.headers['webhook-id'] as string,
      'webhook-timestamp': req!.headers['webhook-timestamp'] as string,
      'webhook-signature': req!.headers['webhook-signature'] as string,
    };
    t.equal(headers['webhook-id'], record({}).id, 'the record’s id, the same for every attempt');
    t.match(headers['webhook-signature'], /^v1,\S+ v1,\S+$/, 'one signature per valid secret');
    t.match(new Webhook(SECRET).verify(req!.body, headers), {
      type: 'publisher.publish',
      content_id: 42,
      account_id: 7,
    });
    t.ok(new Webhook(RETIRING).verify(req!.body, headers), 'the retiring secret verifies during a rotation');
    t.throws(() => new Webhook(signingSecret()).verify(req!.body, headers), 'another account’s secret does not');
    t.throws(() => new Webhook(SECRET).verify(`${req!.body} `, headers), 'a changed body does not');

    const legacy = [req!.headers['x-publisher-timestamp'] as string, req!.headers['x-publisher-signature'] as string];
    t.equal(
      legacy[1],
      `sha256=${createHmac('sha256', SECRET).update(`${legacy[0]}.${req!.body}`).digest('hex')}`,
      'the deprecated header is the HMAC of "<timestamp>.<body>" with the current secret',
    );
  },
);

t.test('webhook: an empty 2xx answer falls back to Location, then to the webhook URL', async (t) => {
  const server = await loopbackServer(() => ({ status: 202, headers: { location: 'https://cms.test/q/1' } }));
  t.teardown(server.close);
  const webhook = createWebhookAdapter({ http: dev, secrets, timeoutMs: 2000 });
  t.same(await webhook.deliver(record({ url: `${server.url}/a` }), { attempt: 1 }), {
    external_url: 'https://cms.test/q/1',
    external_id: null,
    fallback_url: `${server.url}/a`,
  });
  server.setResponder(() => ({ status: 204 }));
  t.same(await webhook.deliver(record({ url: `${server.url}/a` }), { attempt: 2 }), {
    external_url: `${server.url}/a`,
    external_id: null,
    fallback_url: `${server.url}/a`,
  });
  // A 2xx is a success whatever else it says: a URL that is not http(s) is not taken, not a failure.
  server.setResponder(() => ({ status: 200, body: { url: 'javascript:alert(1)', id: 7 } }));
  t.same(await webhook.deliver(record({ url: `${server.url}/a` }), { attempt: 3 }), {
    external_url: `${server.url}/a`,
    external_id: '7',
    fallback_url: `${server.url}/a`,
  });
});

t.test('webhook: every failure is a status and a class, never the destination’s body', async (t) => {
  const server = await loopbackServer(() => ({ status: 500, body: 'internal: db=10.0.0.5 password=hunter2\u0000' }));
  t.teardown(server.close);
  const webhook = createWebhookAdapter({ http: dev, secrets, timeoutMs: 300 });
  const reason = await failure(webhook, record({ url: server.url }));
  t.equal(reason, 'webhook answered 500 (server error)');
  t.notMatch(reason, /hunter2|10\.0\.0\.5/);

  for (const [status, text] of [
    [400, 'client error'],
    [401, 'authentication refused'],
    [404, 'not found'],
    [429, 'rate limited'],
    [503, 'server error'],
  ] as const) {
    server.setResponder(() => ({ status, body: { error: 'secret details' } }));
    t.equal(await failure(webhook, record({ url: server.url })), `webhook answered ${status} (${text})`);
  }

  server.setResponder(() => ({ status: 200, body: { ok: true }, delayMs: 2000 }));
  t.equal(
    await failure(webhook, record({ url: server.url })),
    `${server.url} did not answer within 300 ms (timeout); the destination may have received it`,
  );

  server.setResponder(() => ({ status: 302, headers: { location: 'http://169.254.169.254/' } }));
  t.equal(await failure(webhook, record({ url: server.url })), 'webhook answered 302 (redirect, not followed)');
  const before = server.requests.length;

  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  const deadPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  t.equal(
    await failure(webhook, record({ url: `http://127.0.0.1:${deadPort}/x?a=1` })),
    `cannot reach http://127.0.0.1:${deadPort} (ECONNREFUSED)`,
  );
  t.equal(server.requests.length, before, 'the redirect was not followed');

  // A receiver that reads the whole body, then drops the connection: it may have taken the content.
  const dropper = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.socket?.destroy());
  });
  await new Promise<void>((r) => dropper.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => dropper.close());
  const dropperUrl = `http://127.0.0.1:${(dropper.address() as AddressInfo).port}`;
  t.equal(
    await failure(webhook, record({ url: `${dropperUrl}/x` })),
    `${dropperUrl} closed the connection before answering (ECONNRESET); the destination may have received it`,
  );

  t.match(await failure(webhook, record({})), /destination_config.url must be an absolute http\(s\) URL/);
  t.match(await failure(webhook, record({ url: 'ftp://x.test/' })), /destination_config.url/);
});

t.test('webhook: an endless or huge answer is cut by size and time', async (t) => {
  const big = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(`{"url":"https://cms.test/big","pad":"${'x'.repeat(1024 * 1024)}"}`);
  });
  const drip = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const timer = setInterval(() => res.write(' '), 20);
    res.on('close', () => clearInterval(timer));
  });
  for (const s of [big, drip]) await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => {
    big.closeAllConnections();
    drip.closeAllConnections();
    big.close();
    drip.close();
  });
  const webhook = createWebhookAdapter({ http: dev, secrets, timeoutMs: 500 });
  const url = `http://127.0.0.1:${(big.address() as AddressInfo).port}/`;
  t.same(
    await webhook.deliver(record({ url }), { attempt: 1 }),
    { external_url: url, external_id: null, fallback_url: url },
    'a 1 MiB answer is not read past 64 KiB (not parsed: the webhook URL stands)',
  );
  const dripUrl = `http://127.0.0.1:${(drip.address() as AddressInfo).port}/`;
  const started = Date.now();
  t.same(
    await webhook.deliver(record({ url: dripUrl }), { attempt: 1 }),
    { external_url: dripUrl, external_id: null, fallback_url: dripUrl },
    'a 2xx whose body does not end is that 2xx, unread, at the time bound',
  );
  t.ok(Date.now() - started < 2000, 'cut at the bound');
});

t.test('a delivery asked for while the worker is stopping is refused without connecting', async (t) => {
  let connections = 0;
  const server = http.createServer((_req, res) => res.end('{}'));
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => server.close());
  const { port } = server.address() as { port: number };
  const stopping = AbortSignal.abort();
  await t.rejects(
    dev.request(
      `http://127.0.0.1:${port}/`,
      { method: 'POST', body: '{}', headers: {} },
      { timeoutMs: 5000, signal: stopping },
    ),
    /interrupted \(worker stopping\)/,
  );
  t.equal(connections, 0);
});

t.test('the policy is applied at delivery: literal addresses and resolved names', async (t) => {
  const server = await loopbackServer(() => ({ status: 200, body: { url: 'https://cms.test/ok' } }));
  t.teardown(server.close);
  const port = new URL(server.url).port;
  const resolve = async (host: string) => {
    if (host === 'hooks.example.com') return [{ address: '127.0.0.1', family: 4 }];
    throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
  };
  const strict = createWebhookAdapter({
    http: createOutboundHttp({ allowPrivate: false }, resolve),
    secrets,
    timeoutMs: 2000,
  });
  t.equal(
    await failure(strict, record({ url: `${server.url}/hook` })),
    'the destination URL must not point to a loopback address (127.0.0.1)',
  );
  t.equal(
    await failure(strict, record({ url: `http://[::ffff:127.0.0.1]:${port}/` })),
    'the destination URL must not point to an IPv4-mapped address ([::ffff:7f00:1])',
  );
  t.equal(
    await failure(strict, record({ url: `http://hooks.example.com:${port}/hook` })),
    `http://hooks.example.com:${port} resolves to a loopback address; refused (nothing was sent)`,
  );
  t.equal(server.requests.length, 0, 'nothing reached the server');

  const allowed = createWebhookAdapter({
    http: createOutboundHttp({ allowPrivate: true }, resolve),
    secrets,
    timeoutMs: 2000,
  });
  t.match(await allowed.deliver(record({ url: `http://hooks.example.com:${port}/hook` }), { attempt: 1 }), {
    external_url: 'https://cms.test/ok',
    external_id: null,
  });
  t.equal(server.requests[0]?.headers.host, `hooks.example.com:${port}`, 'connected to the checked address, Host kept');
});

t.test('wordpress: the credential of the record’s account and site, only ever sent to its site', async (t) => {
  const blog = await loopbackServer((req) =>
    req.url === '/wp-json/wp/v2/posts'
      ? { status: 201, body: { id: 77, link: 'https://blog.test/2024/hello' } }
      : { status: 404, body: { code: 'rest_no_route', message: 'No route' } },
  );
  const attacker = await loopbackServer(() => ({ status: 201, body: { id: 1, link: 'https://evil.test/' } }));
  t.teardown(blog.close);
  t.teardown(attacker.close);
  const credential: WordPressCredential = {
    account_id: 1,
    site_id: 2,
    site_url: blog.url,
    username: 'editor',
    application_password: 'abcd efgh',
  };
  const wordpress = createWordPressAdapter({
    http: dev,
    credentials: new Map([[credentialKey(1, 2), credential]]),
    timeoutMs: 2000,
  });
  const r = record(
    { site_url: `${blog.url}/`, status: 'draft', categories: [3] },
    { title: 'Hello', content: '<p>Body</p>', excerpt: 'Short' },
  );
  t.same(await wordpress.deliver(r, { attempt: 1 }), {
    external_url: 'https://blog.test/2024/hello',
    external_id: '77',
    fallback_url: `${blog.url}/`,
  });
  const [req] = blog.requests;
  t.equal(req?.url, '/wp-json/wp/v2/posts', 'the endpoint is the site’s REST route');
  t.equal(req?.headers.authorization, `Basic ${Buffer.from('editor:abcd efgh').toString('base64')}`);
  t.same(JSON.parse(req!.body), {
    title: 'Hello',
    content: '<p>Body</p>',
    status: 'draft',
    excerpt: 'Short',
    categories: [3],
  });

  t.equal(
    await failure(wordpress, record({ site_url: attacker.url })),
    "destination_config.site_url is not the address registered for site 2's WordPress credentials; nothing was sent",
    'a tenant cannot point its own credential elsewhere',
  );
  t.equal(
    await failure(wordpress, record({ site_url: blog.url }, {}, { account_id: 9 })),
    'no WordPress credentials are registered for site 2 of account 9',
    'another account naming the same site and blog gets nothing',
  );
  t.match(
    await failure(wordpress, record({ site_url: `${blog.url}/wp-json/wp/v2/users?x=` })),
    /not the address registered/,
  );
  t.equal(attacker.requests.length, 0, 'no credential ever reached another server');
  t.equal(blog.requests.length, 1);

  blog.setResponder(() => ({ status: 401, body: { code: 'rest_cannot_create', message: 'Sorry <script>…' } }));
  t.equal(await failure(wordpress, r), 'WordPress answered 401 (authentication refused) rest_cannot_create');
  blog.setResponder(() => ({ status: 500, body: { code: 'Not A Code!', message: 'x' } }));
  t.equal(await failure(wordpress, r), 'WordPress answered 500 (server error)');
  t.match(await failure(wordpress, record({ site_url: blog.url, status: 'trash' })), /status must be one of/);
  blog.setResponder(() => ({ status: 201, body: { id: 1 } }));
  t.match(await failure(wordpress, r), /without a post id and link/);
});

t.test('cleanText: well-formed, no NUL or control characters, never a split surrogate pair', async (t) => {
  t.equal(cleanText('a\u0000b\u0007c\td\ne', 100), 'abc\td\ne');
  t.equal(cleanText('lone \ud800 high, lone \udc00 low', 100), 'lone \ufffd high, lone \ufffd low');
  t.equal(cleanText('ab😀c', 3), 'ab', 'the emoji does not fit whole');
  t.equal(cleanText('ab😀c', 4), 'ab😀');
  t.equal(cleanText('x'.repeat(5000), 4000).length, 4000);
});
