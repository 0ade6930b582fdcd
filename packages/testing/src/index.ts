export { cleanupStack } from './cleanup.ts';
export { createTestDatabase } from './database.ts';
