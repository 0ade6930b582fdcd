export * from './api-client.ts';
export * from './command.ts';
export { commands } from './commands/index.ts';
export * from './output.ts';
export { type RunOptions, runCli } from './run.ts';
