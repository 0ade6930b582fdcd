export { cleanupStack } from './cleanup.ts';
export { createTestDatabase } from './database.ts';
export { type MetricFamily, Scrape, scrapeMetrics } from './metrics.ts';
