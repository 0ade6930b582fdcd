export * from './jwt-secret.ts';
