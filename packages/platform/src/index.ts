export type { Principal } from './auth.ts';
export {
  apiUrl,
  COMMAND_API_LOCATION_VARIABLES,
  DEFAULT_COMMAND_API_PORT,
  DEFAULT_MAX_TOKEN_TTL_SECONDS,
  DEFAULT_READ_API_PORT,
  EVENT_STORE_VARIABLES,
  JWT_POLICY_VARIABLES,
  type JwtConfig,
  type JwtPolicy,
  LOG_LEVEL,
  type LogLevel,
  loadEventStoreSelection,
  loadJwtPolicy,
  loadPlatformConfig,
  PLATFORM_VARIABLES,
  type PlatformConfig,
  pgPoolTimeouts,
  platformVariables,
  READ_API_LOCATION_VARIABLES,
  requireDatabaseUrl,
} from './config.ts';
export { retryWhileUnavailable } from './database-errors.ts';
export { envVar, readEnv } from './env.ts';
export { API_PREFIX, errorEnvelope, errorResponses, listPage, READ_ERRORS, success } from './envelope.ts';
export { default as errorHandler } from './error-handler.ts';
export { type ErrorCode, HttpError, httpError, STATUS_BY_CODE } from './errors.ts';
export { default as health, type ReadinessCheck } from './health.ts';
export { newId } from './ids.ts';
export { etagOf, IfNoneMatchHeader, notModified } from './if-none-match.ts';
export { Document, JsonDocument } from './json-document.ts';
export { DEVELOPMENT_JWT_SECRET, resolveJwtSecret } from './jwt-secret.ts';
export { loggerOptions } from './logger.ts';
export { createFastify, platform, type TypeBoxFastify } from './platform.ts';
export {
  ACCOUNTLESS_ROLES,
  accountForCreate,
  assertMayCreate,
  assertMayWrite,
  assertMayWriteRecord,
  canAdministerOwnAccount,
  canRead,
  canReadAnyAccount,
  canWrite,
  inScope,
  readScope,
  type Tenant,
  type TenantScope,
} from './tenancy.ts';
export { createTokenSigner, requestedClaims } from './token-signer.ts';
export { validatorCompiler } from './validation.ts';
