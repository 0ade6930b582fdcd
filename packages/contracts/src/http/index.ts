export * from './auth.ts';
export * from './common.ts';
export * from './deployment.ts';
export * from './envelope.ts';
export * from './headers.ts';
export * from './publishing-record.ts';
export * from './root-actions.ts';
export * from './webhook-signing-secret.ts';
