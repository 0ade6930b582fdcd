import t from 'tap';
import { loadRelayConfig } from '../src/config.ts';

const base = { DATABASE_URL: 'postgres://localhost/x', KAFKA_BROKERS: '127.0.0.1:9092' };

t.test('booleans are true or false; anything else is a start-up error naming the variable', async (t) => {
  t.equal(loadRelayConfig(base).fastRecordEncoder, true, 'on by default');
  t.equal(loadRelayConfig({ ...base, RELAY_FAST_RECORD_ENCODER: 'false' }).fastRecordEncoder, false);
  t.throws(() => loadRelayConfig({ ...base, RELAY_FAST_RECORD_ENCODER: 'off' }), {
    code: 'CONFIG_INVALID',
    message: /RELAY_FAST_RECORD_ENCODER must be true or false; got off/,
  });
  t.throws(() => loadRelayConfig({ ...base, METRICS_ENABLED: 'on' }), { message: /METRICS_ENABLED/ });
});

t.test('telemetry settings are read from the environment', async (t) => {
  t.match(loadRelayConfig({ ...base, METRICS_PORT: '9464', TRACING_ENABLED: 'false' }).telemetry, {
    metricsEnabled: true,
    metricsPort: 9464,
    tracingEnabled: false,
  });
});

t.test('EVENT_STORE and EVENTSTORE_URL as every service reads them', async (t) => {
  t.same(loadRelayConfig(base).eventStore, { kind: 'postgres', esdbUrl: null });
  t.same(loadRelayConfig({ ...base, EVENT_STORE: 'ESDB', EVENTSTORE_URL: 'esdb://h:2113?tls=false' }).eventStore, {
    kind: 'esdb',
    esdbUrl: 'esdb://h:2113?tls=false',
  });
  t.throws(() => loadRelayConfig({ ...base, EVENT_STORE: 'mysql' }), {
    code: 'CONFIG_INVALID',
    message: /EVENT_STORE must be one of postgres, esdb; got mysql/,
  });
  t.throws(() => loadRelayConfig({ ...base, EVENT_STORE: 'esdb' }), {
    code: 'CONFIG_INVALID',
    variable: 'EVENTSTORE_URL',
    message: /EVENT_STORE=esdb needs EVENTSTORE_URL/,
  });
});
