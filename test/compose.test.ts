/**
 * docker-compose.yml cannot be run here (no Docker engine), so this reads it as data and checks
 * what would otherwise only fail on a user's machine: every Publisher service is in the stack and
 * built from the Dockerfile, starts an entry file that exists, waits for healthy dependencies that
 * exist, and is configured only with variables its code actually reads (a misspelt or stale
 * variable would be silently ignored by the service).
 *
 * The variables a service reads are found by scanning its source and the source of the workspace
 * packages it depends on (transitively) for the ways this code base reads the environment:
 * `process.env.NAME` / `env.NAME`, `env['NAME']`, helpers called as `integer(env, 'NAME', …)`, and
 * `portVariable: 'NAME'` (the platform's port setting).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parse } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; target?: string };
  command?: string | string[];
  environment?: Record<string, unknown> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  ports?: unknown[];
  volumes?: string[];
  configs?: Array<string | { source: string; target?: string }>;
}

const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  configs?: Record<string, { content?: string; file?: string }>;
};
/** A service's `environment` as a map (list or mapping syntax). */
function environmentOf(service: ComposeService): Record<string, string> {
  return (
    Array.isArray(service.environment)
      ? Object.fromEntries(service.environment.map((e) => e.split(/=(.*)/s).slice(0, 2)))
      : (service.environment ?? {})
  ) as Record<string, string>;
}

const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
const serviceDirs = readdirSync(path.join(root, 'services')).filter((name) =>
  existsSync(path.join(root, 'services', name, 'package.json')),
);

const ENV_PATTERNS = [
  /\benv\.([A-Z][A-Z0-9_]*)\b/g,
  /\benv\[\s*['"`]([A-Z][A-Z0-9_]*)['"`]\s*\]/g,
  /\(\s*env\s*,\s*['"`]([A-Z][A-Z0-9_]*)['"`]/g,
  /\bportVariable\s*:\s*['"`]([A-Z][A-Z0-9_]*)['"`]/g,
  // declarations read through `readEnv` (`@publisher/platform/env`): `NAME: envVar.integer(…)`
  /\b([A-Z][A-Z0-9_]*)\s*[:=]\s*envVar\./g,
  /\bPLATFORM_VARIABLES\.([A-Z][A-Z0-9_]*)\b/g,
  // a shared declaration: `NODE_ENV: NODE_ENV_VARIABLE`, `PROJECTOR_PORT: statusPortVariable(3002)`
  /\b([A-Z][A-Z0-9_]*)\s*:\s*[A-Z][A-Z0-9_]*_VARIABLE\b/g,
  /\b([A-Z][A-Z0-9_]*)\s*:\s*[a-z][A-Za-z]*Variable\(/g,
];

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

function variablesIn(dir: string): Set<string> {
  const names = new Set<string>();
  for (const file of sourceFiles(dir)) {
    // Comments do not read anything (JSDoc examples name variables too).
    const text = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
    for (const pattern of ENV_PATTERNS) for (const match of text.matchAll(pattern)) names.add(match[1]!);
  }
  return names;
}

/** Source directories of a workspace package and of the workspace packages it depends on at run time. */
function runtimeSources(packageDir: string, seen = new Set<string>()): string[] {
  if (seen.has(packageDir)) return [];
  seen.add(packageDir);
  const manifest = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const workspaceDeps = Object.keys(manifest.dependencies ?? {})
    .filter((name) => name.startsWith('@publisher/'))
    .map((name) => path.join(root, 'packages', name.slice('@publisher/'.length)));
  return [path.join(packageDir, 'src'), ...workspaceDeps.flatMap((dir) => runtimeSources(dir, seen))];
}

function variablesReadBy(service: string): Set<string> {
  const names = new Set<string>();
  for (const dir of runtimeSources(path.join(root, 'services', service))) {
    for (const name of variablesIn(dir)) names.add(name);
  }
  return names;
}

function environmentNames(environment: ComposeService['environment']): string[] {
  if (!environment) return [];
  if (Array.isArray(environment)) return environment.map((entry) => entry.split('=')[0]!);
  return Object.keys(environment);
}

function dependsOn(service: ComposeService): Record<string, { condition?: string }> {
  const deps = service.depends_on ?? {};
  return Array.isArray(deps) ? Object.fromEntries(deps.map((name) => [name, {}])) : deps;
}

t.test(
  'the scanner finds the variables the code reads (so an empty set cannot pass for "nothing to check")',
  async (t) => {
    const commandApi = variablesReadBy('command-api');
    for (const name of [
      'DATABASE_URL',
      'EVENT_STORE',
      'EVENTSTORE_URL',
      'JWT_SECRET',
      'COMMAND_API_PORT',
      'LOG_LEVEL',
    ]) {
      t.ok(commandApi.has(name), `command-api reads ${name}`);
    }
    t.ok(variablesReadBy('read-api').has('READ_API_PORT'), 'read-api reads READ_API_PORT');
    t.notOk(commandApi.has('KAFKA_BROKERS'), 'a variable only other services read is not counted');
    const dir = t.testdir({
      'reads.ts': [
        '/** Reads `env.IN_A_BLOCK_COMMENT`. */',
        "// const port = env['IN_A_LINE_COMMENT'];",
        'const port = env.READ_IN_CODE; // not env.AFTER_CODE',
      ].join('\n'),
    });
    t.same([...variablesIn(dir)], ['READ_IN_CODE'], 'a variable named only in a comment is not counted');
  },
);

t.test(
  'every Publisher service is in the stack, built from the Dockerfile, starting an entry file that exists',
  async (t) => {
    for (const name of serviceDirs) {
      const service = compose.services[name];
      if (!t.ok(service, `${name} is a compose service`)) continue;
      const build = typeof service!.build === 'string' ? { context: service!.build } : service!.build;
      t.equal(path.resolve(root, build?.context ?? ''), root, `${name} is built from the repository root`);
      t.equal(build?.dockerfile ?? 'Dockerfile', 'Dockerfile', `${name} uses the Dockerfile`);
      if (build?.target)
        t.match(dockerfile, new RegExp(`^FROM .+ AS ${build.target}\\b`, 'm'), `${name}: stage ${build.target} exists`);
      const command = Array.isArray(service!.command) ? service!.command : String(service!.command ?? '').split(/\s+/);
      const entry = command.find((part) => part.startsWith('services/'));
      t.ok(entry && existsSync(path.join(root, entry)), `${name} starts ${entry}, which exists`);
    }
  },
);

/** Bare module specifiers a source file loads at run time (`import type` is erased, so not counted). */
function runtimeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers: string[] = [];
  for (const match of text.matchAll(/^\s*(?:import|export)\s+(?!type\s)(?:[^'"`;]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)) {
    specifiers.push(match[1]!);
  }
  for (const match of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) specifiers.push(match[1]!);
  return specifiers.filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('node:'));
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

t.test('what the services import at run time is a production dependency (the image installs no others)', async (t) => {
  const checked = new Set<string>();
  for (const name of serviceDirs) {
    for (const src of runtimeSources(path.join(root, 'services', name))) {
      const dir = path.dirname(src);
      if (checked.has(dir)) continue;
      checked.add(dir);
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name: string;
        dependencies?: Record<string, string>;
      };
      const missing = new Set<string>();
      for (const file of sourceFiles(src)) {
        for (const specifier of runtimeImports(file)) {
          const pkg = packageName(specifier);
          if (pkg !== manifest.name && !(pkg in (manifest.dependencies ?? {})))
            missing.add(`${pkg} (${path.relative(root, file)})`);
        }
      }
      t.same([...missing], [], `${manifest.name}: every runtime import is in "dependencies"`);
    }
  }
});

t.test('every service environment names only variables that service reads', async (t) => {
  for (const name of serviceDirs) {
    const service = compose.services[name];
    if (!service) continue;
    const reads = variablesReadBy(name);
    const unread = environmentNames(service.environment).filter((variable) => !reads.has(variable));
    t.same(unread, [], `${name}: every variable is read by its code`);
  }
});

/** How a service finds the rest of the stack: if its code reads one of these, the stack must set it. */
const WIRING = ['DATABASE_URL', 'EVENT_STORE', 'EVENTSTORE_URL', 'KAFKA_BROKERS', 'HOST'];

t.test('every service is given the wiring variables its code reads', async (t) => {
  for (const name of serviceDirs) {
    const service = compose.services[name];
    if (!service) continue;
    // Only the service's own code: a shared package may read a variable for a feature it does not use.
    const reads = variablesIn(path.join(root, 'services', name, 'src'));
    const set = new Set(environmentNames(service.environment));
    const missing = WIRING.filter((variable) => reads.has(variable) && !set.has(variable));
    if (set.has('NODE_ENV') && variablesReadBy(name).has('JWT_SECRET') && !set.has('JWT_SECRET'))
      missing.push('JWT_SECRET');
    t.same(missing, [], `${name}: nothing it needs to find the stack is left to its local defaults`);
  }
});

t.test('start ordering waits for healthy dependencies that exist and have health checks', async (t) => {
  for (const [name, service] of Object.entries(compose.services)) {
    for (const [dependency, { condition }] of Object.entries(dependsOn(service))) {
      const target = compose.services[dependency];
      t.ok(target, `${name} depends on ${dependency}, a service of the stack`);
      t.ok(
        condition === 'service_healthy' ||
          condition === 'service_started' ||
          condition === 'service_completed_successfully',
        `${name} → ${dependency}: a valid condition`,
      );
      if (condition === 'service_healthy') t.ok(target?.healthcheck?.test, `${dependency} has a health check`);
    }
  }
  for (const infra of ['eventstore', 'postgres', 'kafka']) {
    t.ok(compose.services[infra]?.healthcheck?.test, `${infra} has a health check`);
  }
});

t.test('the stack runs the services on EventStoreDB, PostgreSQL and Kafka from the compose network', async (t) => {
  const app = serviceDirs.map((name) => compose.services[name]).filter((s): s is ComposeService => Boolean(s));
  for (const service of app) {
    const vars = environmentOf(service);
    if ('EVENTSTORE_URL' in vars)
      t.match(vars.EVENTSTORE_URL, /^esdb:\/\/eventstore:2113\b/, 'EVENTSTORE_URL names the eventstore service');
    if ('DATABASE_URL' in vars)
      t.match(vars.DATABASE_URL, /@postgres:5432\//, 'DATABASE_URL names the postgres service');
    if ('KAFKA_BROKERS' in vars) t.match(vars.KAFKA_BROKERS, /^kafka:9092$/, 'KAFKA_BROKERS names the kafka service');
    if ('HOST' in vars) t.equal(vars.HOST, '0.0.0.0', 'listens beyond the container loopback');
  }
  for (const volume of Object.values(compose.services).flatMap((s) => (s as { volumes?: string[] }).volumes ?? [])) {
    const source = String(volume).split(':')[0]!;
    if (!source.startsWith('.') && !source.startsWith('/'))
      t.ok(compose.volumes && source in compose.volumes, `volume ${source} is declared`);
  }
});

/** `ports` entries as (host address, published port): short (`"127.0.0.1:9094:9094"`) or long syntax. */
function publishedPorts(service: ComposeService): Array<{ hostIp: string | null; published: string }> {
  return (service.ports ?? []).map((entry) => {
    if (typeof entry === 'object' && entry !== null) {
      const long = entry as { host_ip?: string; published?: string | number };
      return { hostIp: long.host_ip ?? null, published: String(long.published ?? '') };
    }
    const parts = String(entry).split('/')[0]!.split(':');
    if (parts.length === 3) return { hostIp: parts[0]!, published: parts[1]! };
    // "3000" alone publishes an ephemeral host port, "3000:3000" the given one: on every address.
    return { hostIp: null, published: parts.length === 2 ? parts[0]! : '' };
  });
}

/**
 * The APIs are the product, and the support console is a page on them (it signs nothing and proxies
 * with the user's own token): the only services whose ports may be published on every address.
 */
const PUBLIC_SERVICES = new Set(['command-api', 'read-api', 'support-console']);

t.test('only the APIs are published to the host; nothing insecure is reachable from outside', async (t) => {
  for (const [name, service] of Object.entries(compose.services)) {
    for (const { hostIp, published } of publishedPorts(service)) {
      if (PUBLIC_SERVICES.has(name)) continue;
      t.equal(hostIp, '127.0.0.1', `${name} publishes ${published} on the host's loopback only`);
    }
  }
  for (const name of ['postgres', 'eventstore', 'projector', 'kafka-relay', 'publishing-worker']) {
    t.same(compose.services[name]?.ports ?? [], [], `${name} publishes no port`);
  }
  t.ok(
    publishedPorts(compose.services['command-api']!).length > 0 &&
      publishedPorts(compose.services['read-api']!).length > 0,
    'the APIs are published (so this test sees ports at all)',
  );
});

t.test('status servers listen on loopback, or require a token', async (t) => {
  for (const name of ['projector', 'kafka-relay', 'publishing-worker']) {
    const vars = environmentOf(compose.services[name]!);
    t.notOk('HOST' in vars, `${name}: HOST does not move its status server (STATUS_HOST does)`);
    const host = vars.STATUS_HOST ?? '127.0.0.1';
    t.ok(/^127\.|^localhost$|^::1$/.test(host) || Boolean(vars.STATUS_TOKEN), `${name}: status on ${host}`);
    t.ok(variablesReadBy(name).has('STATUS_HOST'), `${name} reads STATUS_HOST`);
    t.ok(variablesReadBy(name).has('STATUS_TOKEN'), `${name} reads STATUS_TOKEN`);
  }
});

/** The port a service serves `/metrics` on in the stack: METRICS_PORT, else its own `*_PORT` (its status or API port). */
function metricsPortOf(service: ComposeService): number | null {
  const env = environmentOf(service);
  if (env.METRICS_PORT !== undefined) return Number(env.METRICS_PORT);
  const own = Object.keys(env).filter((name) => name.endsWith('_PORT') && name !== 'METRICS_PORT');
  return own.length === 1 ? Number(env[own[0]!]) : null;
}

t.test('Prometheus scrapes every service on the port it serves /metrics on; Grafana is provisioned', async (t) => {
  const prometheus = compose.services.prometheus;
  if (!t.ok(prometheus, 'prometheus is a compose service')) return;
  const mounted = prometheus!.volumes?.find((v) => v.endsWith(':/etc/prometheus/prometheus.yml:ro'));
  const configFile = path.join(root, mounted?.split(':')[0] ?? 'missing');
  t.ok(existsSync(configFile), 'its configuration is mounted from the repository');
  const config = parse(readFileSync(configFile, 'utf8')) as {
    scrape_configs: Array<{
      job_name: string;
      metrics_path?: string;
      static_configs: Array<{ targets: string[] }>;
      authorization?: { credentials_file?: string };
    }>;
  };
  const targets = new Map<string, string[]>();
  const tokenFiles = new Map<string, string | undefined>();
  for (const job of config.scrape_configs) {
    t.equal(job.metrics_path ?? '/metrics', '/metrics', `${job.job_name} scrapes /metrics`);
    for (const target of job.static_configs.flatMap((c) => c.targets)) {
      const [host, port] = target.split(':');
      targets.set(host!, [...(targets.get(host!) ?? []), port!]);
      tokenFiles.set(host!, job.authorization?.credentials_file);
    }
  }
  // A status server with STATUS_TOKEN answers /metrics only with the token: Prometheus must send it,
  // from a file it has mounted whose content is that same variable.
  const mountedConfigs = new Map(
    (prometheus!.configs ?? []).map((c) =>
      typeof c === 'string' ? [`/${c}`, c] : [c.target ?? `/${c.source}`, c.source],
    ),
  );
  for (const name of serviceDirs) {
    const token = environmentOf(compose.services[name] ?? {}).STATUS_TOKEN;
    if (token === undefined) continue;
    const file = tokenFiles.get(name);
    if (!t.ok(file, `${name} wants STATUS_TOKEN: Prometheus scrapes it with a credentials file`)) continue;
    const source = mountedConfigs.get(file!);
    t.ok(source, `${file} is mounted into Prometheus`);
    t.equal(compose.configs?.[source ?? '']?.content, token, `${file} holds the services' STATUS_TOKEN`);
  }
  for (const name of serviceDirs) {
    const service = compose.services[name];
    if (!service) continue;
    const port = metricsPortOf(service);
    t.ok(port, `${name}: its metrics port is known from its environment`);
    t.same(targets.get(name), [String(port)], `${name} is scraped on ${port}`);
  }
  for (const host of targets.keys()) t.ok(compose.services[host], `scrape target ${host} is a service of the stack`);

  const grafana = compose.services.grafana;
  if (!t.ok(grafana, 'grafana is a compose service')) return;
  const sources = (grafana!.volumes ?? []).map((v) => v.split(':')[0]!);
  for (const source of sources.filter((s) => s.startsWith('.')))
    t.ok(existsSync(path.join(root, source)), `${source} exists`);
  const dashboards = sources.find((s) => s.endsWith('dashboards') && s.startsWith('.'));
  const dashboard = JSON.parse(readFileSync(path.join(root, dashboards!, 'publisher.json'), 'utf8')) as {
    panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
  };
  const exprs = dashboard.panels.flatMap((p) => p.targets.map((q) => q.expr)).join('\n');
  for (const series of [
    'publisher_command_api_http_request_duration_seconds_bucket',
    'publisher_projector_lag_seconds',
    'publisher_relay_lag_seconds',
    'publisher_worker_deliveries_total',
  ]) {
    t.match(exprs, series, `the dashboard charts ${series}`);
  }
});
