/**
 * The status servers of the projector, the relay and the publishing worker (all three here, as they
 * share one rule): on loopback by default, and with STATUS_TOKEN every path but /health needs
 * `Authorization: Bearer <token>` (they tell positions, lag, event ids and failure reasons). A
 * non-loopback STATUS_HOST without a token is refused at start.
 */
import { createPostgresEventStore } from '@publisher/event-store';
import { loadStatusAccess, statusRequestAllowed } from '@publisher/platform/status-access';
import { ServiceMetrics, type ServiceName, serveStatus } from '@publisher/telemetry';
import { createTestDatabase } from '@publisher/testing';
import t from 'tap';
import { loadProjectorConfig } from '../../projector/src/config.ts';
import { statusRoutes } from '../../projector/src/status-routes.ts';
import { loadWorkerConfig } from '../../publishing-worker/src/config.ts';
import { initialWorkerState, workerHealth } from '../../publishing-worker/src/status.ts';
import { loadRelayConfig } from '../src/config.ts';
import { initialRelayState, relayHealth } from '../src/metrics.ts';

const TOKEN = 'status-token-0123456789';

t.test('STATUS_HOST and STATUS_TOKEN: loopback by default, a token required anywhere else', async (t) => {
  t.same(loadStatusAccess({}), { host: '127.0.0.1', token: null });
  t.same(loadStatusAccess({ STATUS_HOST: '0.0.0.0', STATUS_TOKEN: TOKEN }), { host: '0.0.0.0', token: TOKEN });
  t.same(loadStatusAccess({ STATUS_HOST: ' 0.0.0.0', STATUS_TOKEN: `${TOKEN}\n` }), { host: '0.0.0.0', token: TOKEN });
  t.same(loadStatusAccess({ STATUS_HOST: ' ', STATUS_TOKEN: ' ' }), { host: '127.0.0.1', token: null });
  t.throws(() => loadStatusAccess({ STATUS_HOST: '0.0.0.0' }), { code: 'CONFIG_INVALID', message: /STATUS_TOKEN/ });
  t.throws(() => loadStatusAccess({ STATUS_TOKEN: 'short' }), { code: 'CONFIG_INVALID' });
  const access = { host: '127.0.0.1', token: TOKEN };
  t.ok(statusRequestAllowed(access, '/health', undefined));
  t.notOk(statusRequestAllowed(access, '/metrics', undefined));
  t.notOk(statusRequestAllowed(access, '/metrics', `Bearer ${TOKEN}x`));
  t.ok(statusRequestAllowed(access, '/metrics', `Bearer ${TOKEN}`));

  // Each service reads them, and refuses an exposed status server without a token.
  const base = { DATABASE_URL: 'postgres://x/y', KAFKA_BROKERS: '127.0.0.1:1' };
  for (const [name, load] of [
    ['projector', loadProjectorConfig],
    ['relay', loadRelayConfig],
    ['worker', loadWorkerConfig],
  ] as const) {
    const c = load({ ...base, HOST: '0.0.0.0' });
    t.equal(c.host, '127.0.0.1', `${name}: HOST does not expose the status server`);
    t.throws(() => load({ ...base, STATUS_HOST: '0.0.0.0' }), `${name} refuses`);
    const exposed = load({ ...base, STATUS_HOST: '0.0.0.0', STATUS_TOKEN: TOKEN });
    t.same([exposed.host, exposed.statusToken], ['0.0.0.0', TOKEN], `${name}: exposed with a token`);
  }
});

t.test('with a token, every status path but /health answers 401 without it', async (t) => {
  const db = await createTestDatabase('status_servers');
  t.teardown(db.drop);
  const store = createPostgresEventStore({ connectionString: db.url });
  t.teardown(() => store.close());
  await store.migrate();

  const projectorStatus = {
    projection: 'read_models',
    state: 'live' as const,
    position: null,
    events_processed: 0,
    batches_committed: 0,
    lag_events: 0,
    lag_seconds: 0,
    last_batch_at: null,
    stop: null,
    last_error: null,
  };
  const servers: Array<[string, number | null, string[]]> = [];
  // Each serves /metrics (Prometheus scrapes it with the token; test/compose.test.ts checks it does).
  const metrics = (service: ServiceName) => new ServiceMetrics(service);
  const p = await serveStatus({
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    metrics: metrics('projector'),
    health: null,
    routes: statusRoutes({ status: () => projectorStatus }),
  });
  t.teardown(p.close);
  servers.push(['projector', p.port, ['/ready', '/status', '/metrics']]);
  const r = await serveStatus({
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    metrics: metrics('relay'),
    health: relayHealth('kafka-relay', initialRelayState(), store),
  });
  t.teardown(r.close);
  servers.push(['relay', r.port, ['/metrics']]);
  const w = await serveStatus({
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    metrics: metrics('worker'),
    health: workerHealth('g', initialWorkerState()),
  });
  t.teardown(w.close);
  servers.push(['worker', w.port, ['/metrics']]);

  for (const [name, port, paths] of servers) {
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    t.not(health.status, 401, `${name}: /health needs no token`);
    t.same(
      Object.keys((await health.json()) as object),
      ['status'],
      `${name}: but then tells only whether it is up, in the one shape of the three`,
    );
    const detailed = await fetch(`http://127.0.0.1:${port}/health`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const details = (await detailed.json()) as Record<string, unknown>;
    t.type(details.status, 'string', `${name}: with the token, /health is { status, …details }`);
    // The projector's /health has no details: it only says the process is alive.
    if (name !== 'projector') t.ok(Object.keys(details).length > 1, `${name}: with the token, /health has its details`);
    const unknown = await fetch(`http://127.0.0.1:${port}/nowhere`, { headers: { authorization: `Bearer ${TOKEN}` } });
    t.same(
      [unknown.status, await unknown.json()],
      [404, { success: false, code: 'ROUTE_NOT_FOUND', error: 'route GET /nowhere not found' }],
      `${name}: an unknown path in the APIs' envelope`,
    );
    for (const path of paths) {
      const without = await fetch(`http://127.0.0.1:${port}${path}`);
      t.equal(without.status, 401, `${name}: ${path} without the token`);
      t.match(await without.json(), { code: 'STATUS_TOKEN_REQUIRED' });
      const wrong = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: 'Bearer nope' } });
      t.equal(wrong.status, 401, `${name}: ${path} with a wrong token`);
      const withToken = await fetch(`http://127.0.0.1:${port}${path}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      t.equal(withToken.status, 200, `${name}: ${path} with the token`);
      await withToken.text();
    }
  }
});
