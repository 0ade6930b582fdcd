import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** What a data directory remembers between starts, so a restart reuses the same identity and ports. */
export interface KafkaState {
  version: string;
  clusterId: string;
  port: number;
  controllerPort: number;
}

/** Files inside a broker's data directory. */
export function kafkaPaths(dataDir: string) {
  return {
    state: path.join(dataDir, 'kafka.json'),
    properties: path.join(dataDir, 'server.properties'),
    log4j: path.join(dataDir, 'log4j2.xml'),
    storage: path.join(dataDir, 'storage'),
    meta: path.join(dataDir, 'storage', 'meta.properties'),
    serverLog: path.join(dataDir, 'server.log'),
    stdoutLog: path.join(dataDir, 'stdout.log'),
    pid: path.join(dataDir, 'kafka.pid'),
  };
}

export async function readKafkaState(dataDir: string): Promise<KafkaState | undefined> {
  try {
    return JSON.parse(await readFile(kafkaPaths(dataDir).state, 'utf8')) as KafkaState;
  } catch {
    return undefined;
  }
}

export async function writeKafkaState(dataDir: string, state: KafkaState): Promise<void> {
  await writeFile(kafkaPaths(dataDir).state, `${JSON.stringify(state, null, 2)}\n`);
}

/** A cluster id as Kafka's `Uuid.randomUuid()` makes it: 16 random bytes, base64url, never starting with '-'. */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/**
 * The broker's server.properties: one combined broker+controller node, both listeners on 127.0.0.1,
 * every internal topic at replication factor 1, and no topic auto-creation (the relay creates its
 * topics, so a typo in a topic name fails loudly instead of creating a stray topic).
 * The quorum is static (`controller.quorum.voters`), so a restart may move the controller port.
 */
export function serverProperties(
  dataDir: string,
  state: KafkaState,
  overrides: Record<string, string | number | boolean> = {},
): string {
  const { port, controllerPort } = state;
  const props: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': kafkaPaths(dataDir).storage,
    'num.partitions': 1,
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    'offsets.topic.replication.factor': 1,
    // Fewer internal partitions than the default 50 make the first consumer group join fast on 2 cores.
    'offsets.topic.num.partitions': 10,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 5,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'group.initial.rebalance.delay.ms': 0,
    // After a crash (SIGKILL) the restarted broker may only register once the controller has expired
    // the old incarnation's session: 6 s instead of 9 s shortens fault-test restarts, while heartbeats
    // every 1.5 s still leave room for a busy 2-core box.
    'broker.session.timeout.ms': 6000,
    'broker.heartbeat.interval.ms': 1500,
    'auto.create.topics.enable': false,
    'num.network.threads': 2,
    'num.io.threads': 4,
    'background.threads': 4,
    'log.retention.hours': 168,
    ...overrides,
  };
  const escapeValue = (v: string) => v.replaceAll('\\', '\\\\');
  return `${Object.entries(props)
    .map(([k, v]) => `${k}=${escapeValue(String(v))}`)
    .join('\n')}\n`;
}

/** log4j2 configuration: everything at INFO into `server.log` (rolled at 10 MB), nothing on stdout. */
export function log4j2Config(serverLog: string): string {
  const file = serverLog.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');
  return `<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="warn">
  <Appenders>
    <RollingFile name="file" fileName="${file}" filePattern="${file}.%i">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
      <Policies><SizeBasedTriggeringPolicy size="10 MB"/></Policies>
      <DefaultRolloverStrategy max="2"/>
    </RollingFile>
  </Appenders>
  <Loggers>
    <Logger name="kafka.request.logger" level="warn"/>
    <Logger name="state.change.logger" level="warn"/>
    <Root level="info"><AppenderRef ref="file"/></Root>
  </Loggers>
</Configuration>
`;
}

/**
 * JVM flags sized for a shared 2-core box: a small fixed-ceiling heap and the serial collector (no
 * parallel GC threads competing with the tests), and exit instead of limping on after an OOM.
 */
export function jvmArgs(log4jFile: string, extra: string[] = []): string[] {
  return [
    '-Xms128m',
    '-Xmx512m',
    '-XX:+UseSerialGC',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4jFile}`,
    ...extra,
  ];
}
