/**
 * @publisher/command-api — what other packages' tests need to run a real command API in process
 * (`server.ts` is how the service itself starts).
 */
/** @internal Other packages' tests build the app with it. */
export { buildApp } from './app.ts';
/** @internal Other packages' tests configure the app with it. */
export { loadCommandApiConfig } from './config.ts';
