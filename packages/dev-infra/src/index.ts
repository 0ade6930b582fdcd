export {
  type EmbeddedPostgresHandle,
  type EmbeddedPostgresOptions,
  freePort,
  startEmbeddedPostgres,
} from './postgres.ts';
