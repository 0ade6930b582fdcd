/**
 * The support CLI's environment, declared once as the services declare theirs: every variable is
 * read from the environment `runCli` is given (tests pass their own), and a value a variable does
 * not accept stops the CLI before any command runs, naming the variable (exit 2).
 */
import type { EventStoreSelection } from '@publisher/event-store';
import {
  apiUrl,
  COMMAND_API_LOCATION_VARIABLES,
  EVENT_STORE_VARIABLES,
  loadEventStoreSelection,
  PLATFORM_VARIABLES,
  READ_API_LOCATION_VARIABLES,
} from '@publisher/platform/config';
import { envVar, readEnv } from '@publisher/platform/env';

/** What the commands read from the environment; `loadSupportCliConfig` builds it. */
export interface SupportCliConfig {
  /** The command API's base URL (COMMAND_API_URL, else the local COMMAND_API_PORT). */
  commandApiUrl: string;
  /** The read API's base URL (READ_API_URL, else the local READ_API_PORT). */
  readApiUrl: string;
  /** PUBLISHER_TOKEN; `--token` takes precedence. */
  token: string | null;
  /** The database of the direct commands (event store, relay checkpoints); null: they refuse to run. */
  databaseUrl: string | null;
  /** EVENT_STORE, EVENTSTORE_URL, by the services' own rules. */
  eventStore: EventStoreSelection;
  /** RELAY_NAME; null: the relay's own default (loaded only by the commands that need the relay). */
  relayName: string | null;
  /** KAFKA_BROKERS; empty: the broker commands refuse to run. */
  kafkaBrokers: string[];
  /** KAFKA_TOPIC_PREFIX, the same as the worker's, to find its dead-letter topic. */
  topicPrefix: string;
  /** $USER, else $LOGNAME: who decides a direct re-drive when no `--by` is given. */
  user: string | null;
}

/** The support CLI's variables (README "Configuration" has their meaning). */
export const SUPPORT_CLI_VARIABLES = {
  PUBLISHER_TOKEN: envVar.string(null, { secret: true }),
  ...COMMAND_API_LOCATION_VARIABLES,
  ...READ_API_LOCATION_VARIABLES,
  DATABASE_URL: PLATFORM_VARIABLES.DATABASE_URL,
  ...EVENT_STORE_VARIABLES,
  RELAY_NAME: envVar.string(null),
  KAFKA_BROKERS: envVar.list(),
  KAFKA_TOPIC_PREFIX: envVar.string(''),
  USER: envVar.string(null),
  LOGNAME: envVar.string(null),
};

/**
 * The CLI's settings from `SUPPORT_CLI_VARIABLES`; a bad value is a ConfigError naming it.
 * @example
 * const config = loadSupportCliConfig({ READ_API_URL: 'https://read.example.com' });
 */
export function loadSupportCliConfig(env: NodeJS.ProcessEnv): SupportCliConfig {
  const v = readEnv(SUPPORT_CLI_VARIABLES, env);
  return {
    commandApiUrl: apiUrl(v.COMMAND_API_URL, v.COMMAND_API_PORT),
    readApiUrl: apiUrl(v.READ_API_URL, v.READ_API_PORT),
    token: v.PUBLISHER_TOKEN,
    databaseUrl: v.DATABASE_URL,
    eventStore: loadEventStoreSelection(env),
    relayName: v.RELAY_NAME,
    kafkaBrokers: v.KAFKA_BROKERS,
    topicPrefix: v.KAFKA_TOPIC_PREFIX,
    user: v.USER ?? v.LOGNAME,
  };
}
