export { cleanupStack } from './cleanup.ts';
export { createTestDatabase } from './database.ts';
export { type MetricFamily, type Sample, Scrape, scrapeMetrics } from './metrics.ts';
export { testLogger } from './test-logger.ts';
export { signTestToken } from './test-tokens.ts';
export { type Truthy, type WaitUntilOptions, waitUntil } from './wait-until.ts';
