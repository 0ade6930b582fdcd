export * from './http/index.ts';
export * from './events/index.ts';
