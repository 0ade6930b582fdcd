/**
 * Error codes of the local Kafka broker tooling. Every failure carries one of these codes and, where
 * it helps, the tail of the broker's own log so the cause is visible without opening files.
 *
 * | code | meaning |
 * |---|---|
 * | KAFKA_JAVA_MISSING | no `java` (17+) on PATH / JAVA_HOME |
 * | KAFKA_MAVEN_FAILED | `mvn` missing, or resolving the broker's jars from Maven Central failed |
 * | KAFKA_FORMAT_FAILED | formatting the KRaft storage directory failed |
 * | KAFKA_PORT_IN_USE | the requested broker port is taken by another process |
 * | KAFKA_EXITED | the broker process exited before it became ready |
 * | KAFKA_START_TIMEOUT | the broker did not accept clients in time |
 */
export type KafkaErrorCode =
  | 'KAFKA_JAVA_MISSING'
  | 'KAFKA_MAVEN_FAILED'
  | 'KAFKA_FORMAT_FAILED'
  | 'KAFKA_PORT_IN_USE'
  | 'KAFKA_EXITED'
  | 'KAFKA_START_TIMEOUT';

export class KafkaInfraError extends Error {
  constructor(
    readonly code: KafkaErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KafkaInfraError';
  }
}
