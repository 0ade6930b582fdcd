/**
 * The destination policy at delivery, with the production settings on both sides: the command API
 * accepts a public-looking name, the worker resolves it, finds a private address, and refuses —
 * nothing is sent, and the record says why (DNS rebinding, or a name pointed at an internal host).
 */

import { randomUUID } from 'node:crypto';
import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { cleanupStack, testLogger } from '@publisher/testing';
import t from 'tap';
import { credentialKey } from '../src/destinations/index.ts';
import { start } from '../src/worker.ts';
import { loopbackServer } from './helpers/http-server.ts';
import { loopbackResolver } from './helpers/resolver.ts';
import { readUntil, type Stack, startStack } from './helpers/stack.ts';

const defer = cleanupStack(t);
const stack: Stack = await startStack(defer);
const target = await loopbackServer(() => ({ status: 201, body: { id: 1, link: 'https://blog.test/p/1' } }));
defer(target.close);
const port = new URL(target.url).port;
const blogUrl = `http://blog.publisher-test.example.com:${port}`;

const worker = await start({
  brokers: [stack.brokers],
  commandApiUrl: stack.commandUrl,
  jwtSecret: DEVELOPMENT_JWT_SECRET,
  topicPrefix: stack.prefix,
  groupId: `worker-policy-${randomUUID()}`,
  port: null,
  databaseUrl: stack.dbUrl,
  destinationPolicy: { allowPrivate: false }, // production
  resolve: loopbackResolver, // the names answer 127.0.0.1
  wordpressCredentials: new Map([
    [credentialKey(1, 3), { account_id: 1, site_id: 3, site_url: blogUrl, username: 'u', application_password: 'p' }],
  ]),
  logger: testLogger('worker'),
});
defer(() => worker.close());

t.test('a name the command API accepted but that resolves to loopback is refused at delivery', async (t) => {
  const create = (destination: string, destination_config: Record<string, unknown>) =>
    stack.command('POST', 'publishing-records/', {
      content_id: 1,
      site_id: 3,
      sector_id: 5,
      destination,
      destination_config,
    });

  const literal = await create('webhook', { url: `http://127.0.0.1:${port}/hook` });
  t.equal(literal.status, 400, 'a loopback literal never gets this far');

  const webhook = await create('webhook', { url: `http://hooks.publisher-test.example.com:${port}/hook` });
  t.equal(webhook.status, 201, 'the command API accepts the name');
  const wordpress = await create('wordpress', { site_url: blogUrl });
  t.equal(wordpress.status, 201);

  const failed = await readUntil(stack, webhook.body.data.id, (r) => r.status === 'failed');
  t.equal(
    failed.error_message,
    `http://hooks.publisher-test.example.com:${port} resolves to a loopback address; refused (nothing was sent)`,
  );
  const wp = await readUntil(stack, wordpress.body.data.id, (r) => r.status === 'failed');
  t.match(wp.error_message, /resolves to a loopback address; refused/);
  t.equal(target.requests.length, 0, 'no request — and no credential — reached the address');
});
