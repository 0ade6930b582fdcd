import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import t from 'tap';
import { loadWorkerConfig, start } from '../src/index.ts';
import { testLogger } from './helpers/cleanup.ts';

t.test('an unreachable broker at start: the worker waits and reports it instead of exiting', async (t) => {
  const worker = await start({
    brokers: ['127.0.0.1:1'],
    commandApiUrl: 'http://127.0.0.1:9',
    jwtSecret: DEVELOPMENT_JWT_SECRET,
    port: 0,
    logger: testLogger('worker'),
  });
  const res = await fetch(`http://127.0.0.1:${worker.port}/health`);
  t.equal(res.status, 503);
  t.match(await res.json(), { status: 'degraded', consumer: 'starting' });
  const began = Date.now();
  await worker.close();
  t.ok(Date.now() - began < 5000, 'and stops promptly');
  t.equal(worker.state.consumer, 'stopped');
});

t.test('configuration from the environment fails fast on bad values', async (t) => {
  const base = { KAFKA_BROKERS: '127.0.0.1:9092' };
  t.match(loadWorkerConfig(base), {
    brokers: ['127.0.0.1:9092'],
    commandApiUrl: 'http://127.0.0.1:3000',
    groupId: 'publisher-publishing-worker',
    port: 3004,
    fromBeginning: true,
  });
  t.match(loadWorkerConfig({ ...base, COMMAND_API_PORT: '4000', PUBLISHING_WORKER_PORT: 'off' }), {
    commandApiUrl: 'http://127.0.0.1:4000',
    port: null,
  });
  const wp = loadWorkerConfig({
    ...base,
    WORDPRESS_CREDENTIALS: JSON.stringify({
      'https://blog.test/some/path': { username: 'u', application_password: 'p' },
    }),
  });
  t.same(
    wp.wordpress.credentials,
    { 'https://blog.test': { username: 'u', application_password: 'p' } },
    'keyed by origin',
  );
  const codeOf = (env: NodeJS.ProcessEnv) => {
    try {
      loadWorkerConfig(env);
      return 'ok';
    } catch (err) {
      return `${(err as { code?: string }).code}: ${(err as Error).message}`;
    }
  };
  t.match(codeOf({}), /^WORKER_CONFIG_INVALID: KAFKA_BROKERS is required/);
  t.match(codeOf({ ...base, WORKER_CONCURRENCY: '0' }), /WORKER_CONCURRENCY must be an integer/);
  t.match(
    codeOf({ ...base, WORDPRESS_CREDENTIALS: '{"https://x.test": {}}' }),
    /needs username and application_password/,
  );
  t.match(
    codeOf({ ...base, NODE_ENV: 'production', JWT_SECRET: 'a-production-secret-of-32-bytes-or-more' }),
    /WEBHOOK_SIGNING_SECRET is required/,
  );
  t.match(codeOf({ ...base, JWT_SECRET: 'too-short' }), /JWT_SECRET must be at least 32 bytes/);
  t.match(codeOf({ ...base, NODE_ENV: 'production', WEBHOOK_SIGNING_SECRET: 'w' }), /JWT_SECRET is required/);
});
