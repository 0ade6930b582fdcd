import { ConfigError, envVar, NODE_ENV_VARIABLE, readEnv } from './env.ts';

/**
 * The HS256 secret used to sign and verify tokens. Without JWT_SECRET a fixed development secret
 * is used, and since that secret is public (it is in this repository), anyone can mint any token
 * with it, a `developer` token included. So a service that verifies tokens accepts it only while it
 * listens on a loopback address (or with the explicit opt-in JWT_ALLOW_DEVELOPMENT_SECRET=true),
 * never with NODE_ENV=production.
 */
export const DEVELOPMENT_JWT_SECRET = 'publisher-development-secret-do-not-use-in-production';

/** What `resolveJwtSecret` reads besides NODE_ENV; every API declares them (`PLATFORM_VARIABLES`). */
export const JWT_SECRET_VARIABLES = {
  JWT_SECRET: envVar.string(null, { secret: true }),
  JWT_ALLOW_DEVELOPMENT_SECRET: envVar.boolean(false),
};

/** Shortest JWT_SECRET accepted: HS256 keys shorter than the hash output (32 bytes) are guessable. */
const MIN_JWT_SECRET_BYTES = 32;

export interface JwtSecretResolution {
  secret: string;
  /** True when the development secret is in use. */
  development: boolean;
}

export interface ResolveJwtSecretOptions {
  /**
   * The address the calling service listens on, when it verifies tokens: the development secret is
   * then refused unless it is a loopback address (or JWT_ALLOW_DEVELOPMENT_SECRET=true). Tools that
   * only sign (`pnpm token`) leave it out.
   */
  listenHost?: string;
}

class MissingJwtSecretError extends ConfigError {
  override readonly code = 'CONFIG_JWT_SECRET_REQUIRED';
  constructor(message = 'JWT_SECRET is required when NODE_ENV=production') {
    super(message, 'JWT_SECRET');
  }
}

/**
 * True for addresses only this machine can reach: 127.0.0.0/8, ::1 (also IPv4-mapped) and
 * `localhost`. `0.0.0.0`, `::` and every other name or address are not.
 * @example
 * isLoopbackHost('127.0.0.1') // true
 * isLoopbackHost('0.0.0.0')   // false
 */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice('::ffff:'.length) : h;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/**
 * The HS256 secret, or a refusal (thrown at start-up, so a misconfigured service never serves):
 *
 * - JWT_SECRET set: used when it is at least MIN_JWT_SECRET_BYTES bytes long (UTF-8), else refused;
 * - unset with NODE_ENV=production: refused;
 * - unset, with `listenHost` that is not loopback and without JWT_ALLOW_DEVELOPMENT_SECRET=true:
 *   refused (a public secret must not guard a reachable service);
 * - otherwise the development secret (the caller warns).
 *
 * @example
 * const { secret, development } = resolveJwtSecret(process.env, { listenHost: config.host });
 */
export function resolveJwtSecret(
  env: NodeJS.ProcessEnv = process.env,
  options: ResolveJwtSecretOptions = {},
): JwtSecretResolution {
  const { JWT_SECRET, JWT_ALLOW_DEVELOPMENT_SECRET } = JWT_SECRET_VARIABLES;
  const v = readEnv({ NODE_ENV: NODE_ENV_VARIABLE, JWT_SECRET }, env);
  const secret = v.JWT_SECRET;
  if (secret !== null) {
    const bytes = Buffer.byteLength(secret, 'utf8');
    if (bytes < MIN_JWT_SECRET_BYTES) {
      throw new ConfigError(
        `JWT_SECRET must be at least ${MIN_JWT_SECRET_BYTES} bytes long (got ${bytes}); e.g. openssl rand -hex 32`,
        'JWT_SECRET',
      );
    }
    return { secret, development: false };
  }
  if (v.NODE_ENV === 'production') throw new MissingJwtSecretError();
  // Only a service that verifies tokens (it has a listen address) reads the opt-in, and declares it.
  const { listenHost } = options;
  if (
    listenHost !== undefined &&
    !isLoopbackHost(listenHost) &&
    !readEnv({ JWT_ALLOW_DEVELOPMENT_SECRET }, env).JWT_ALLOW_DEVELOPMENT_SECRET
  ) {
    throw new MissingJwtSecretError(
      `JWT_SECRET is required when listening on ${listenHost} (not a loopback address): the development secret is public. Set JWT_SECRET (openssl rand -hex 32), listen on 127.0.0.1, or opt in with JWT_ALLOW_DEVELOPMENT_SECRET=true`,
    );
  }
  return { secret: DEVELOPMENT_JWT_SECRET, development: true };
}
