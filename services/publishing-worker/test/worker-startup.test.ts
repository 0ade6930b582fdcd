import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { testLogger } from '@publisher/testing';
import t from 'tap';
import { loadWorkerConfig } from '../src/config.ts';
import { drainGraceMs, start } from '../src/worker.ts';

t.test('an unreachable broker at start: the worker waits and reports it instead of exiting', async (t) => {
  const worker = await start({
    brokers: ['127.0.0.1:1'],
    commandApiUrl: 'http://127.0.0.1:9',
    jwtSecret: DEVELOPMENT_JWT_SECRET,
    port: 0,
    logger: testLogger('worker'),
    signingSecrets: async () => [],
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
  const base = { KAFKA_BROKERS: '127.0.0.1:9092', DATABASE_URL: 'postgres://db/x' };
  t.match(loadWorkerConfig(base), {
    brokers: ['127.0.0.1:9092'],
    commandApiUrl: 'http://127.0.0.1:3000',
    groupId: 'publisher-publishing-worker',
    port: 3004,
    fromBeginning: true,
    concurrency: 8,
    tenantConcurrency: 2,
    destinationPolicy: { allowPrivate: false },
  });
  t.match(loadWorkerConfig({ ...base, COMMAND_API_PORT: '4000', STATUS_ENABLED: 'false' }), {
    commandApiUrl: 'http://127.0.0.1:4000',
    port: null,
  });
  const codeOf = (env: NodeJS.ProcessEnv) => {
    try {
      loadWorkerConfig(env);
      return 'ok';
    } catch (err) {
      return `${(err as { code?: string }).code}: ${(err as Error).message}`;
    }
  };
  t.match(codeOf({}), /^CONFIG_INVALID: KAFKA_BROKERS is required/);
  t.match(codeOf({ KAFKA_BROKERS: 'k:1' }), /DATABASE_URL is required/);
  t.match(codeOf({ ...base, WORKER_CONCURRENCY: '0' }), /WORKER_CONCURRENCY must be an integer/);
  t.match(codeOf({ ...base, NODE_ENV: 'production', JWT_SECRET: 's'.repeat(40) }), /^ok$/);
  t.match(codeOf({ ...base, NODE_ENV: 'production' }), /JWT_SECRET is required/);
  t.match(codeOf({ ...base, ALLOW_PRIVATE_DESTINATIONS: 'yes' }), /must be true or false/);
  t.match(
    codeOf({ ...base, NODE_ENV: 'production', JWT_SECRET: 's'.repeat(40), ALLOW_PRIVATE_DESTINATIONS: 'true' }),
    /refused with NODE_ENV=production/,
  );
  t.match(codeOf({ ...base, JWT_SECRET: 'too-short' }), /JWT_SECRET must be at least 32 bytes/);
  t.match(loadWorkerConfig({ ...base, ALLOW_PRIVATE_DESTINATIONS: 'true' }), {
    destinationPolicy: { allowPrivate: true },
    warnings: [String, /ALLOW_PRIVATE_DESTINATIONS=true/],
  });
});

t.test('WordPress credentials belong to one account and site, bound to the site’s address', async (t) => {
  const base = { KAFKA_BROKERS: '127.0.0.1:9092', DATABASE_URL: 'postgres://db/x' };
  const entry = {
    account_id: 1,
    site_id: 7,
    site_url: 'https://blog.example.com/',
    username: 'u',
    application_password: 'p w',
  };
  const file = path.join(os.tmpdir(), `wp-credentials-${process.pid}.json`);
  writeFileSync(file, JSON.stringify([entry, { ...entry, site_id: 8, site_url: 'https://other.example.com' }]));
  t.teardown(() => import('node:fs').then((fs) => fs.rmSync(file, { force: true })));
  const config = loadWorkerConfig({ ...base, WORDPRESS_CREDENTIALS_FILE: ` ${file}\n` });
  t.same(config.wordpressCredentials.get('1:7'), { ...entry, site_url: 'https://blog.example.com' });
  t.equal(config.wordpressCredentials.get('1:8')?.site_url, 'https://other.example.com');
  t.equal(config.wordpressCredentials.size, 2);

  const invalid = (value: unknown, extra: NodeJS.ProcessEnv = {}) => {
    try {
      loadWorkerConfig({ ...base, WORDPRESS_CREDENTIALS: JSON.stringify(value), ...extra });
      return 'ok';
    } catch (err) {
      return (err as Error).message;
    }
  };
  t.match(invalid({ 'https://blog.example.com': { username: 'u', application_password: 'p' } }), /JSON array/);
  t.match(invalid([{ ...entry, account_id: 0 }]), /\[0\]\.account_id must be a positive integer/);
  t.match(invalid([{ ...entry, username: '' }]), /\[0\]\.username must be a non-empty string/);
  const other = (i: number) => ({ ...entry, site_id: 100 + i });
  t.equal(
    invalid([other(0), other(1), { ...entry, site_id: 1.5 }]),
    'WORDPRESS_CREDENTIALS[2].site_id must be a positive integer',
  );
  t.match(invalid([{ ...entry, account_id: 2 ** 53 }]), /\[0\]\.account_id must be a positive integer/);
  t.match(invalid([{ ...entry, account_id: '1' }]), /\[0\]\.account_id must be a positive integer/);
  const { application_password: _, ...withoutPassword } = entry;
  t.match(invalid([withoutPassword]), /\[0\]\.application_password must be a non-empty string/);
  t.match(invalid([{ ...entry, site_url: 7 }]), /\[0\]\.site_url must be an absolute http\(s\) URL/);
  t.match(
    invalid([entry, null]),
    /\[1\] must be an object \{ account_id, site_id, site_url, username, application_password \}/,
  );
  t.match(
    invalid([{ ...entry, site_url: 'https://blog.example.com/wp' }]),
    /\[0\]\.site_url must be the site’s address alone/,
  );
  t.match(invalid([{ ...entry, site_url: 'http://10.0.0.1' }]), /\[0\]\.site_url must not point to a private address/);
  t.equal(invalid([{ ...entry, site_url: 'http://127.0.0.1:8080' }], { ALLOW_PRIVATE_DESTINATIONS: 'true' }), 'ok');
  t.match(invalid([entry, entry]), /a second entry for account 1 site 7/);
  t.notMatch(invalid([{ ...entry, site_url: 'nope' }]), /p w/, 'a password is never echoed');
  t.match(invalid([], { WORDPRESS_CREDENTIALS_FILE: '/nonexistent/wp.json' }), /cannot be read: ENOENT/);
  t.throws(() => loadWorkerConfig({ ...base, WORDPRESS_CREDENTIALS_FILE: '/nonexistent/wp.json' }), {
    name: 'ConfigError',
    variable: 'WORDPRESS_CREDENTIALS_FILE',
  });
  t.throws(() => loadWorkerConfig({ ...base, WORDPRESS_CREDENTIALS: '[{}]' }), {
    name: 'ConfigError',
    variable: 'WORDPRESS_CREDENTIALS',
  });
});

t.test('in-flight messages drain within SHUTDOWN_GRACE_MS, leaving time to commit and leave the group', async (t) => {
  for (const graceMs of [0, 1000, 3000, 15_000, 600_000]) {
    const drainMs = drainGraceMs(graceMs);
    t.ok(drainMs <= graceMs * 0.7, `${graceMs} ms: drains for ${drainMs} ms`);
  }
  t.equal(drainGraceMs(15_000), 10_000, 'the default grace drains for 10 s');
});
