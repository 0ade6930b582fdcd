/**
 * `pnpm kafka:start`: starts the local Kafka broker in the background (data in .data/kafka, or
 * KAFKA_DATA_DIR; port KAFKA_PORT, else the last one used, else 9092 when free), waits until it
 * serves clients and prints `KAFKA_BROKERS=127.0.0.1:<port>`. Running it again prints the same line.
 * The first run resolves the broker's jars with Maven (Java 17 + Maven needed); later runs are offline.
 */
import { startKafkaDaemon } from '@publisher/dev-infra';
import { ConfigError, envVar, readEnv } from '@publisher/platform/env';

try {
  const port = readEnv({ KAFKA_PORT: envVar.integer(null, 1, 65_535) }, process.env).KAFKA_PORT ?? undefined;
  const started = Date.now();
  const info = await startKafkaDaemon({ port, log: (line) => console.error(`# ${line}`) });
  console.error(
    info.alreadyRunning
      ? `# Kafka already running (pid ${info.pid}, data ${info.dataDir})`
      : `# Kafka started in ${Date.now() - started} ms (pid ${info.pid}, data ${info.dataDir}); stop it with pnpm kafka:stop`,
  );
  console.log(`KAFKA_BROKERS=${info.brokers}`);
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exitCode = 1;
}
