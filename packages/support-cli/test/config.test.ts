import t from 'tap';
import type { ApiClient } from '../src/api-client.ts';
import type { SupportCommand } from '../src/command.ts';
import { loadSupportCliConfig, type SupportCliConfig } from '../src/config.ts';
import { runCli } from '../src/run.ts';
import { sink } from './sink.ts';

const api: ApiClient = {
  read: async () => {
    throw new Error('not called');
  },
  command: async () => {
    throw new Error('not called');
  },
};

/** Runs a command that records the configuration it was given, with `env` as the environment. */
async function run(env: NodeJS.ProcessEnv, argv = ['show']) {
  const seen: SupportCliConfig[] = [];
  const show: SupportCommand = {
    name: 'show',
    summary: 'records its configuration',
    usage: 'pnpm support show',
    async run({ config }) {
      seen.push(config);
      return 0;
    },
  };
  const stdout = sink();
  const stderr = sink();
  const code = await runCli(argv, [show], { stdout: stdout.stream, stderr: stderr.stream, env, api });
  return { code, stderr: stderr.text(), config: seen[0] };
}

t.test('a value a variable does not accept is bad usage naming the variable; the command does not run', async (t) => {
  for (const [name, value, accepts] of [
    ['READ_API_URL', 'notaurl', 'a http: or https: URL'],
    ['COMMAND_API_URL', 'ftp://127.0.0.1/', 'a http: or https: URL'],
    ['READ_API_PORT', '3001.5', 'an integer between 1 and 65535'],
    ['EVENT_STORE', 'mongo', 'one of postgres, esdb'],
    ['DATABASE_URL', 'localhost:5432', 'a postgres: or postgresql: URL'],
  ] as const) {
    const result = await run({ [name]: value });
    t.equal(result.code, 2, `${name}=${value}`);
    t.equal(result.stderr, `${name} must be ${accepts}; got ${value}\n`, `${name}=${value}`);
    t.equal(result.config, undefined, `${name}=${value}: not run`);
  }
  const esdb = await run({ EVENT_STORE: 'esdb' });
  t.equal(esdb.code, 2);
  t.match(esdb.stderr, /^EVENT_STORE=esdb needs EVENTSTORE_URL/);
});

t.test('a refused database URL is shown without its password', async (t) => {
  const { code, stderr } = await run({ DATABASE_URL: 'mysql://support:hunter2@db/publisher' });
  t.equal(code, 2);
  t.equal(stderr, 'DATABASE_URL must be a postgres: or postgresql: URL; got mysql://support:[redacted]@db/publisher\n');
});

t.test('--help works whatever the environment says', async (t) => {
  t.equal((await run({ READ_API_URL: 'notaurl' }, ['show', '--help'])).code, 0);
});

t.test('unset or empty variables take their defaults', async (t) => {
  const { code, config } = await run({ COMMAND_API_URL: '', PUBLISHER_TOKEN: ' ' });
  t.equal(code, 0);
  t.same(config, {
    commandApiUrl: 'http://127.0.0.1:3000',
    readApiUrl: 'http://127.0.0.1:3001',
    token: null,
    databaseUrl: null,
    eventStore: { kind: 'postgres', esdbUrl: null },
    relayName: null,
    kafkaBrokers: [],
    topicPrefix: '',
    user: null,
  });
});

t.test('the API URLs: set ones as given, else the local ports', async (t) => {
  const ports = loadSupportCliConfig({ COMMAND_API_PORT: '4000', READ_API_PORT: '4001' });
  t.equal(ports.commandApiUrl, 'http://127.0.0.1:4000');
  t.equal(ports.readApiUrl, 'http://127.0.0.1:4001');
  const urls = loadSupportCliConfig({ COMMAND_API_URL: 'https://c.example', READ_API_URL: 'https://r.example:8443' });
  t.equal(urls.commandApiUrl, 'https://c.example');
  t.equal(urls.readApiUrl, 'https://r.example:8443');
});

t.test('the direct commands’ settings: brokers as a list, $LOGNAME when there is no $USER', async (t) => {
  const config = loadSupportCliConfig({ KAFKA_BROKERS: 'k1:9092, k2:9092,', LOGNAME: 'ops-anna', RELAY_NAME: 'eu' });
  t.same(config.kafkaBrokers, ['k1:9092', 'k2:9092']);
  t.equal(config.user, 'ops-anna');
  t.equal(config.relayName, 'eu');
  t.equal(loadSupportCliConfig({ USER: 'ops-bob', LOGNAME: 'ops-anna' }).user, 'ops-bob');
});
