/**
 * @publisher/projector — what other packages' tests need to run the projector in process
 * (`main.ts` is how the service itself starts).
 */
/** @internal Other packages' tests configure a projector with it. */
export { loadProjectorConfig } from './config.ts';
/** @internal Other packages' tests run the service's work (what main.ts starts) in process. */
export { start } from './main.ts';
/** @internal Other packages' tests run a projector on a database of theirs. */
export { startProjector } from './projector.ts';
