/**
 * The broker handle fault tests rely on: stop and restart (clean, then after a crash) keep the same
 * address and the same data, and stopping leaves no JVM behind.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import t from 'tap';
import { startKafka, waitForTopics } from '../src/index.ts';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

t.test('a stopped or crashed broker restarts on the same port with its data', async (t) => {
  const broker = await startKafka();
  t.teardown(broker.stop);
  const kafka = new Kafka({ clientId: 'dev-infra-restart', brokers: [broker.brokers], logLevel: logLevel.NOTHING });
  const topic = `dev-infra-restart-${randomUUID()}`;
  const produce = async (value: string) => {
    const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages: [{ key: 'k', value }] });
    } finally {
      await producer.disconnect();
    }
  };
  const offsets = async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return (await admin.fetchTopicOffsets(topic)).map((p) => p.high);
    } finally {
      await admin.disconnect();
    }
  };

  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: false });
  await admin.disconnect();
  await waitForTopics(broker.brokers, [topic]);
  await produce('before stop');

  const firstPid = broker.pid ?? 0;
  await broker.stop();
  t.notOk(broker.running);
  t.notOk(isAlive(firstPid), 'stop leaves no JVM behind');
  const impatient = new Kafka({ brokers: [broker.brokers], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  await t.rejects(impatient.admin().connect(), 'a stopped broker refuses clients');

  let started = Date.now();
  await broker.restart();
  t.comment(`restart after stop: ${Date.now() - started} ms`);
  t.ok(broker.running);
  t.same(await offsets(), ['1'], 'the message written before the stop is still there');
  await produce('after restart');

  const secondPid = broker.pid ?? 0;
  await broker.kill();
  t.notOk(isAlive(secondPid), 'kill ends the JVM at once');
  started = Date.now();
  await broker.restart();
  t.comment(`restart after crash: ${Date.now() - started} ms`);
  t.same(await offsets(), ['2'], 'acknowledged messages survive a crash');
  t.match(broker.brokers, /^127\.0\.0\.1:\d+$/);
});
