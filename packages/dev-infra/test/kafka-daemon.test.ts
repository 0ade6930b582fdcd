/** `pnpm kafka:start` / `pnpm kafka:stop` behaviour, on a private data directory. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import t from 'tap';
import { freePort, startKafkaDaemon, stopKafkaDaemon } from '../src/index.ts';

t.test('the background broker starts once, is reused, and stops cleanly', async (t) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'publisher-kafka-daemon-'));
  t.teardown(async () => {
    await stopKafkaDaemon({ dataDir });
    await rm(dataDir, { recursive: true, force: true });
  });

  // An explicit free port: the default (9092) belongs to a developer's own `pnpm kafka:start`.
  const first = await startKafkaDaemon({ dataDir, port: await freePort() });
  t.notOk(first.alreadyRunning);
  t.equal(Number(await readFile(path.join(dataDir, 'kafka.pid'), 'utf8')), first.pid, 'pid file written');

  const admin = new Kafka({ brokers: [first.brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  t.type(await admin.listTopics(), Array, 'clients are served');
  await admin.disconnect();

  const second = await startKafkaDaemon({ dataDir });
  t.ok(second.alreadyRunning, 'a second start reuses the running broker');
  t.equal(second.brokers, first.brokers);
  t.equal(second.pid, first.pid);

  t.ok(await stopKafkaDaemon({ dataDir }), 'stop reports it stopped a broker');
  // stop returns once the JVM has exited; this process reaps it (it is our child) on a later tick.
  const gone = async () => {
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(first.pid, 0);
      } catch {
        return true;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  };
  t.ok(await gone(), 'the JVM is gone');
  t.notOk(await stopKafkaDaemon({ dataDir }), 'stopping again is a no-op');
});
