/**
 * Every service's configuration against its declaration (`*_VARIABLES`), and the support CLI's: the
 * README's Configuration table lists exactly the declared variables and their defaults, every value a
 * variable does not accept stops the service at start with a ConfigError naming it, and no environment
 * at all is a valid start.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { changedSettings, type EnvSpec, readEnv } from '@publisher/platform/env';
import t from 'tap';
import { parse } from 'yaml';
import { loadSupportCliConfig, SUPPORT_CLI_VARIABLES } from '../packages/support-cli/src/config.ts';
import { COMMAND_API_VARIABLES, loadCommandApiConfig } from '../services/command-api/src/config.ts';
import { loadRelayConfig, RELAY_VARIABLES } from '../services/kafka-relay/src/config.ts';
import { ADMIN_VARIABLES } from '../services/projector/src/admin-cli.ts';
import { loadProjectorConfig, PROJECTOR_VARIABLES } from '../services/projector/src/config.ts';
import { REBUILD_VARIABLES, runRebuild } from '../services/projector/src/rebuild-cli.ts';
import { loadWorkerConfig, WORKER_VARIABLES } from '../services/publishing-worker/src/config.ts';
import { loadReadApiConfig, READ_API_VARIABLES } from '../services/read-api/src/config.ts';
import { loadSupportConsoleConfig, SUPPORT_CONSOLE_VARIABLES } from '../services/support-console/src/config.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const DATABASE_URL = 'postgres://publisher@127.0.0.1:5432/publisher';
const KAFKA_BROKERS = '127.0.0.1:9092';

/** A declaration, its loader, the least environment it accepts, and the directory of its README. */
interface Declared {
  name: string;
  variables: EnvSpec;
  load(env: NodeJS.ProcessEnv): unknown;
  required: object;
  dir?: string;
}

/** Each service (`services/<name>`): the ones docker-compose.yml runs. */
const services: Declared[] = [
  { name: 'command-api', variables: COMMAND_API_VARIABLES, load: loadCommandApiConfig, required: {} },
  { name: 'read-api', variables: READ_API_VARIABLES, load: loadReadApiConfig, required: {} },
  {
    // The README's table also lists what the rebuild and admin CLIs read on top of the projector's variables.
    name: 'projector',
    variables: { ...PROJECTOR_VARIABLES, ...REBUILD_VARIABLES, ...ADMIN_VARIABLES },
    load: (env) => [loadProjectorConfig(env), readEnv(REBUILD_VARIABLES, env), readEnv(ADMIN_VARIABLES, env)],
    required: { DATABASE_URL },
  },
  {
    name: 'kafka-relay',
    variables: RELAY_VARIABLES,
    load: loadRelayConfig,
    required: { DATABASE_URL, KAFKA_BROKERS },
  },
  {
    name: 'publishing-worker',
    variables: WORKER_VARIABLES,
    load: loadWorkerConfig,
    required: { DATABASE_URL, KAFKA_BROKERS },
  },
  { name: 'support-console', variables: SUPPORT_CONSOLE_VARIABLES, load: loadSupportConsoleConfig, required: {} },
];

/** The support CLI reads its variables as the services do (a refused one is bad usage, exit 2). */
const supportCli: Declared = {
  name: 'support-cli',
  dir: 'packages/support-cli',
  variables: SUPPORT_CLI_VARIABLES,
  load: loadSupportCliConfig,
  required: {},
};

/**
 * The rows of the table under the README's `## Configuration`: the variable names in the first
 * column, each with its cell of the second (the default). A row naming several variables gives
 * each its own default when the cell lists as many, comma-separated, else the same one.
 */
function readmeRows(dir: string): Array<{ name: string; documented: string }> {
  const readme = readFileSync(path.join(root, dir, 'README.md'), 'utf8');
  const section = readme.split(/^## Configuration\s*$/m)[1]?.split(/^## /m)[0] ?? '';
  const rows: Array<{ name: string; documented: string }> = [];
  for (const line of section.split('\n')) {
    const [, first = '', second = ''] = /^\|([^|]*)\|([^|]*)\|/.exec(line) ?? [];
    const names = [...first.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map(([, name]) => name as string);
    const parts = second.split(/,\s*/);
    names.forEach((name, i) => {
      rows.push({ name, documented: (parts.length === names.length ? parts[i] : second)?.trim() ?? '' });
    });
  }
  return rows;
}

/** Defaults the README describes rather than states, because they depend on the machine. */
const MACHINE_DEFAULTS = new Set(['PROJECTOR_REBUILD_THREADS']);

/**
 * Why the README's default cell disagrees with the declared default, or null when it agrees. A cell
 * states a default as a value in backticks (read as the variable reads a set value: `15m` is
 * 900000 ms), or as `—`, `none`, `empty` or `required` for none; anything else describes a default
 * the service derives at start (the declared default is then null), or one of `MACHINE_DEFAULTS`.
 */
function defaultMismatch(name: string, declared: EnvSpec[string], documented: string): string | null {
  const fallback = JSON.stringify(declared.fallback);
  const literal = /^`([^`]+)`/.exec(documented)?.[1]?.trim();
  const value = literal === undefined ? undefined : declared.read(literal);
  if (value !== undefined) {
    return JSON.stringify(value) === fallback ? null : `README says ${literal}, the declared default is ${fallback}`;
  }
  if (/^(—|none\b|empty\b|\(?required\b)/.test(documented)) {
    return ['null', '""', '[]'].includes(fallback) ? null : `README says none, the declared default is ${fallback}`;
  }
  if (declared.fallback === null || MACHINE_DEFAULTS.has(name)) return null;
  return `README describes the default (${documented}) instead of stating ${fallback} in backticks`;
}

/** Values each kind of variable refuses, derived from what it says it accepts. */
function refusedValues(accepts: string): string[] {
  if (accepts === 'true or false') return ['yes', '1', 'TRUE'];
  const range = /^an integer between (-?\d+) and (-?\d+)$/.exec(accepts);
  if (range) return ['ten', '1.5', String(Number(range[1]) - 1), String(Number(range[2]) + 1)];
  if (accepts.startsWith('one of')) return ['nope'];
  if (accepts.startsWith('a duration')) return ['5x', '-1s', '1.5m'];
  if (accepts.endsWith('URL')) return ['not a url'];
  return [];
}

for (const service of [...services, supportCli]) {
  const dir = service.dir ?? path.join('services', service.name);
  t.test(`${service.name}: the README's Configuration table lists exactly the declared variables`, async (t) => {
    const listed = readmeRows(dir).map((row) => row.name);
    const declared = Object.keys(service.variables);
    t.ok(listed.length > 0, 'README has a ## Configuration table');
    t.same(
      declared.filter((name) => !listed.includes(name)),
      [],
      'declared variables missing from the README',
    );
    t.same(
      listed.filter((name) => !declared.includes(name)),
      [],
      'README rows the service does not read',
    );
    t.equal(new Set(listed).size, listed.length, 'each variable listed once');
  });

  t.test(`${service.name}: the README's default column states each declared default`, async (t) => {
    let checked = 0;
    for (const { name, documented } of readmeRows(dir)) {
      const declared = service.variables[name];
      if (!declared) continue;
      checked++;
      t.equal(defaultMismatch(name, declared, documented), null, name);
    }
    t.equal(checked, Object.keys(service.variables).length, 'every declared variable checked');
  });

  t.test(`${service.name}: every refused value stops the start with a ConfigError naming the variable`, async (t) => {
    t.doesNotThrow(() => service.load({ ...service.required }), 'the defaults are a valid configuration');
    let checked = 0;
    for (const [name, declared] of Object.entries(service.variables)) {
      for (const value of refusedValues(declared.accepts)) {
        checked++;
        t.throws(
          () => service.load({ ...service.required, [name]: value }),
          { name: 'ConfigError', code: 'CONFIG_INVALID', variable: name, message: new RegExp(`^${name} must be`) },
          `${name}=${value}`,
        );
      }
    }
    t.ok(checked > 0);
  });
}

t.test('each loader reads only the variables its declaration (and so its README table) lists', async (t) => {
  for (const service of [...services, supportCli]) {
    const read = new Set<string>();
    const env = new Proxy<NodeJS.ProcessEnv>(
      { ...service.required },
      {
        get: (target, name) => {
          if (typeof name === 'string') read.add(name);
          return target[name as string];
        },
      },
    );
    service.load(env);
    const undeclared = [...read].filter((name) => !(name in service.variables));
    t.same(undeclared, [], service.name);
  }
});

t.test('every service starts with the environment docker-compose.yml gives it', async (t) => {
  const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, string | number> }>;
  };
  // `${NAME:-default}` takes its default; `${NAME:?message}` (a required secret) a long random-looking value.
  const substitute = (value: string | number) =>
    String(value)
      .replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1')
      .replace(/\$\{[A-Z_]+:\?[^}]*\}/g, 'compose-secret-of-at-least-32-bytes-long');
  for (const service of services) {
    const environment = compose.services[service.name]?.environment;
    if (!t.ok(environment, `${service.name} is in the stack`) || !environment) continue;
    const env = Object.fromEntries(Object.entries(environment).map(([name, value]) => [name, substitute(value)]));
    t.doesNotThrow(() => service.load(env), service.name);
  }
});

t.test('the rebuild CLI refuses a bad batch size or transaction bound before it opens anything', async (t) => {
  for (const [name, value] of [
    ['PROJECTOR_REBUILD_BATCH_SIZE', 'lots'],
    ['PROJECTOR_REBUILD_BATCH_SIZE', '0'],
    ['PROJECTOR_REBUILD_MAX_TRANSACTION_MS', '-1'],
  ] as const) {
    await t.rejects(runRebuild({ DATABASE_URL, [name]: value }), { code: 'CONFIG_INVALID', variable: name }, value);
  }
});

t.test('a duration out of range is told the range, not the format', async (t) => {
  t.throws(() => loadCommandApiConfig({ DATABASE_URL: 'postgres://x/y', PUBLISHING_TIMEOUT: '200h' }), {
    variable: 'PUBLISHING_TIMEOUT',
    message:
      'PUBLISHING_TIMEOUT must be a duration from 100ms to 168h, such as 900s, 15m or 1h (bare numbers are seconds); got 200h',
  });
});

t.test('a refused value is shown without its secrets', async (t) => {
  t.throws(() => loadProjectorConfig({ DATABASE_URL: 'mysql://reader:hunter2@db/publisher' }), {
    variable: 'DATABASE_URL',
    message: 'DATABASE_URL must be a postgres: or postgresql: URL; got mysql://reader:[redacted]@db/publisher',
  });
  // Neither parses as a URL: a `#` not percent-encoded in the password, a port out of range.
  for (const [url, shown] of [
    ['postgres://app:s3cr#t@127.0.0.1:5432/publisher', 'postgres://app:[redacted]@127.0.0.1:5432/publisher'],
    ['postgres://app:topsecret@127.0.0.1:99999/publisher', 'postgres://app:[redacted]@127.0.0.1:99999/publisher'],
  ]) {
    t.throws(() => loadProjectorConfig({ DATABASE_URL: url }), {
      variable: 'DATABASE_URL',
      message: `DATABASE_URL must be a postgres: or postgresql: URL; got ${shown}`,
    });
  }
});

t.test('the start-up line: variables set to other than their default, secrets and passwords redacted', async (t) => {
  const set = {
    DATABASE_URL: 'postgres://worker:hunter2@db.internal:5432/publisher',
    KAFKA_BROKERS: 'k1:9092, k2:9092',
    JWT_SECRET: 'x'.repeat(40),
    STATUS_TOKEN: 'status-token-of-16+',
    WORDPRESS_CREDENTIALS: '[]',
    WORKER_CONCURRENCY: '8',
    WORKER_FROM_BEGINNING: 'false',
    LOG_LEVEL: 'INFO',
    COMMAND_TIMEOUT_MS: '',
    NOT_A_WORKER_VARIABLE: 'x',
  };
  t.same(changedSettings(WORKER_VARIABLES, set), {
    KAFKA_BROKERS: 'k1:9092, k2:9092',
    DATABASE_URL: 'postgres://worker:[redacted]@db.internal:5432/publisher',
    JWT_SECRET: '[redacted]',
    WORKER_FROM_BEGINNING: 'false',
    WORDPRESS_CREDENTIALS: '[redacted]',
    STATUS_TOKEN: '[redacted]',
  });
  t.same(
    changedSettings(WORKER_VARIABLES, {
      DATABASE_URL: 'postgres://worker@db.internal/publisher?sslmode=require&password=hunter2',
    }),
    { DATABASE_URL: 'postgres://worker@db.internal/publisher?sslmode=require&password=[redacted]' },
    'a password given as a query parameter (node-postgres reads it) is redacted too',
  );
  t.same(
    changedSettings(COMMAND_API_VARIABLES, { PUBLISHING_TIMEOUT: '900s', STUCK_SWEEP_INTERVAL: '1m' }),
    {
      STUCK_SWEEP_INTERVAL: '1m',
    },
    'a default written another way is not a change',
  );
});

t.test(
  'SHUTDOWN_GRACE_MS bounds the stop of the relay, the projector and the worker as it does the APIs’',
  async (t) => {
    const env = { DATABASE_URL, KAFKA_BROKERS };
    t.equal(loadRelayConfig(env).shutdownGraceMs, 10_000, 'relay default');
    t.equal(loadProjectorConfig(env).shutdownGraceMs, 10_000, 'projector default');
    t.equal(loadWorkerConfig(env).shutdownGraceMs, 15_000, 'worker default: above its own drain bound');
    const set = { ...env, SHUTDOWN_GRACE_MS: '2500' };
    t.equal(loadRelayConfig(set).shutdownGraceMs, 2500, 'relay');
    t.equal(loadProjectorConfig(set).shutdownGraceMs, 2500, 'projector');
    t.equal(loadWorkerConfig(set).shutdownGraceMs, 2500, 'worker');
    const api = (COMMAND_API_VARIABLES as EnvSpec).SHUTDOWN_GRACE_MS;
    for (const variables of [RELAY_VARIABLES, PROJECTOR_VARIABLES, WORKER_VARIABLES]) {
      t.equal(variables.SHUTDOWN_GRACE_MS.accepts, api?.accepts, 'the APIs’ kind and range');
    }
  },
);

t.test('STATUS_ENABLED=false: no status server for the relay, the projector or the worker', async (t) => {
  const env = { DATABASE_URL, KAFKA_BROKERS };
  const ports = {
    KAFKA_RELAY_PORT: (env: NodeJS.ProcessEnv) => loadRelayConfig(env).port,
    PROJECTOR_PORT: (env: NodeJS.ProcessEnv) => loadProjectorConfig(env).port,
    PUBLISHING_WORKER_PORT: (env: NodeJS.ProcessEnv) => loadWorkerConfig(env).port,
  };
  for (const [name, portOf] of Object.entries(ports)) {
    t.equal(portOf({ ...env, [name]: '0' }), 0, `${name}=0: any free port`);
    t.equal(portOf({ ...env, [name]: '4100', STATUS_ENABLED: 'false' }), null, `${name} with STATUS_ENABLED=false`);
    t.throws(
      () => portOf({ ...env, [name]: 'off' }),
      { name: 'ConfigError', variable: name, message: `${name} must be an integer between 0 and 65535; got off` },
      `${name}=off is refused: STATUS_ENABLED=false says that`,
    );
  }
});

t.test('the relay and the worker declare the Kafka topic settings alike, each with its own client id', async (t) => {
  const env = { DATABASE_URL, KAFKA_BROKERS };
  t.equal(loadRelayConfig(env).clientId, 'publisher-kafka-relay');
  t.equal(loadWorkerConfig(env).clientId, 'publisher-publishing-worker');
  for (const name of ['KAFKA_TOPIC_PREFIX', 'KAFKA_TOPIC_PARTITIONS', 'KAFKA_TOPIC_REPLICATION_FACTOR'] as const) {
    t.equal(RELAY_VARIABLES[name].accepts, WORKER_VARIABLES[name].accepts, name);
    t.same(RELAY_VARIABLES[name].fallback, WORKER_VARIABLES[name].fallback, name);
  }
});
