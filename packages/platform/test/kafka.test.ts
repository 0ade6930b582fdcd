import { Writable } from 'node:stream';
import pino from 'pino';
import t from 'tap';
import { createKafka } from '../src/kafka.ts';

/** A kafkajs client whose log lines land in `lines` (pino at debug). */
function capture(errorLevel?: 'debug' | 'info') {
  const lines: Array<{ level: number; msg: string; kafkajs: string; kafkajs_level: string }> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const logger = pino({ level: 'debug' }, stream);
  const kafka = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'test', logger, errorLevel });
  return { log: kafka.logger().namespace('Producer'), lines };
}

t.test('createKafka: kafkajs logs at debug by default, its errors too', async (t) => {
  const { log, lines } = capture();
  log.error('Connection error');
  log.warn('Retrying');
  t.same(
    lines.map(({ level, msg, kafkajs, kafkajs_level }) => ({ level, msg, kafkajs, kafkajs_level })),
    [
      { level: 20, msg: 'Connection error', kafkajs: 'Producer', kafkajs_level: 'error' },
      { level: 20, msg: 'Retrying', kafkajs: 'Producer', kafkajs_level: 'warn' },
    ],
  );
});

t.test('createKafka: errorLevel info lifts only kafkajs errors to info', async (t) => {
  const { log, lines } = capture('info');
  log.error('Connection error');
  log.warn('Retrying');
  t.same(
    lines.map(({ level, msg }) => ({ level, msg })),
    [
      { level: 30, msg: 'Connection error' },
      { level: 20, msg: 'Retrying' },
    ],
  );
});

t.test('createKafka: the expected warning about bounded idempotent retries is dropped', async (t) => {
  const { log, lines } = capture('info');
  log.warn('Limiting retries for the idempotent producer may invalidate EoS guarantees');
  t.same(lines, []);
});
