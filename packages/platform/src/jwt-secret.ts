/**
 * The HS256 secret used to sign and verify tokens. Without JWT_SECRET a fixed development secret
 * is used (services warn at start); with NODE_ENV=production the services refuse to start.
 */
export const DEVELOPMENT_JWT_SECRET = 'publisher-development-secret-do-not-use-in-production';

export interface JwtSecretResolution {
  secret: string;
  /** True when the development secret is in use. */
  development: boolean;
}

export class MissingJwtSecretError extends Error {
  readonly code = 'CONFIG_JWT_SECRET_REQUIRED';
  constructor() {
    super('JWT_SECRET is required when NODE_ENV=production');
  }
}

export function resolveJwtSecret(env: NodeJS.ProcessEnv = process.env): JwtSecretResolution {
  const secret = env.JWT_SECRET;
  if (secret) return { secret, development: false };
  if (env.NODE_ENV === 'production') throw new MissingJwtSecretError();
  return { secret: DEVELOPMENT_JWT_SECRET, development: true };
}
