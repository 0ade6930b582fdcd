/**
 * @publisher/read-api — what other packages' tests need to run a real read API in process
 * (`main.ts` is how the service itself starts).
 */
/** @internal Other packages' tests build the app with it. */
export { buildApp } from './app.ts';
/** @internal Other packages' tests configure the app with it. */
export { loadReadApiConfig } from './config.ts';
