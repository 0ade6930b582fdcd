/** `pnpm kafka:stop`: stops the broker `pnpm kafka:start` started (clean shutdown; data is kept). */
import { stopKafkaDaemon } from '@publisher/dev-infra';

try {
  const stopped = await stopKafkaDaemon();
  console.error(stopped ? '# Kafka stopped' : '# Kafka was not running');
} catch (err) {
  console.error(err);
  process.exitCode = 1;
}
