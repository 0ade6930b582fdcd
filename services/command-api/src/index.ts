export { buildApp, type CommandApiOptions, commandApi } from './app.ts';
export { type CommandApiConfig, loadCommandApiConfig } from './config.ts';
export type { CommandApiDeps } from './deps.ts';
export { createPool, main } from './server.ts';
