/**
 * Environment variables, declared once per service: each declaration gives the variable's default,
 * how it is parsed and validated, and whether its value is a secret. From that one declaration come
 * the typed settings (`readEnv`), the start-up line (`changedSettings`) and the README check.
 * Imported as `@publisher/platform/env`, apart from the HTTP platform, so that the packages below the
 * services (telemetry, destination-policy) can use it without loading Fastify.
 */

/** A setting is missing or invalid; the process refuses to start. `variable` names the setting. */
export class ConfigError extends Error {
  readonly code: string = 'CONFIG_INVALID';
  constructor(
    message: string,
    readonly variable?: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** One variable: its value when unset or empty, and how a set value is read. */
interface EnvVariable<T> {
  readonly fallback: T;
  /** Redacted in the start-up line (JWT secrets, tokens, passwords). */
  readonly secret: boolean;
  /** What it accepts, for the README and for `ConfigError` messages. */
  readonly accepts: string;
  /** The set value (trimmed, non-empty), or undefined when it is not one of what it accepts. */
  read(raw: string): T | undefined;
}

export type EnvSpec = Record<string, EnvVariable<unknown>>;
export type EnvValues<S extends EnvSpec> = { [K in keyof S]: S[K] extends EnvVariable<infer T> ? T : never };

const REDACTED = '[redacted]';
const DURATION = /^(\d+)(ms|s|m|h)?$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

function variable<T>(fallback: T, accepts: string, read: (raw: string) => T | undefined, secret = false) {
  return { fallback, accepts, read, secret } satisfies EnvVariable<T>;
}

function parseUrl(raw: string): URL | null {
  return URL.canParse(raw) ? new URL(raw) : null;
}

function inRange(value: number, min: number, max: number): number | undefined {
  return Number.isSafeInteger(value) && value >= min && value <= max ? value : undefined;
}

/** The kinds of variable; every service builds its declaration from these. */
export const envVar = {
  /** An integer in [min, max]. */
  integer: <F extends number | null>(fallback: F, min: number, max: number) =>
    variable<number | F>(fallback, `an integer between ${min} and ${max}`, (raw) =>
      /^-?\d+$/.test(raw) ? inRange(Number(raw), min, max) : undefined,
    ),
  /** `true` or `false`, nothing else: `yes` or `1` must not silently mean false. */
  boolean: (fallback: boolean) =>
    variable(fallback, 'true or false', (raw) => (raw === 'true' ? true : raw === 'false' ? false : undefined)),
  /** One of a few words, case-insensitive. */
  oneOf: <const V extends string>(values: readonly V[], fallback: V) =>
    variable<V>(fallback, `one of ${values.join(', ')}`, (raw) => values.find((value) => value === raw.toLowerCase())),
  /** Any text; `secret` ones never appear in logs. */
  string: <T extends string | null>(fallback: T, options: { secret?: boolean } = {}) =>
    variable<string | T>(fallback, 'text', (raw) => raw, options.secret),
  /** A URL with one of `protocols` (e.g. `['http:', 'https:']`; any when empty); its password is never logged. */
  url: <T extends string | null>(fallback: T, protocols: readonly string[] = []) =>
    variable<string | T>(fallback, protocols.length ? `a ${protocols.join(' or ')} URL` : 'a URL', (raw) => {
      const url = parseUrl(raw);
      return url && (protocols.length === 0 || protocols.includes(url.protocol)) ? raw : undefined;
    }),
  /** Comma-separated items (empty ones dropped). */
  list: (fallback: string[] = []) =>
    variable(fallback, 'a comma-separated list', (raw) =>
      raw
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    ),
  /** `<n>ms`, `<n>s`, `<n>m`, `<n>h` or bare seconds, in milliseconds within [minMs, maxMs]. */
  duration: (fallbackMs: number, minMs: number, maxMs: number) =>
    variable(
      fallbackMs,
      `a duration from ${durationText(minMs)} to ${durationText(maxMs)}, such as 900s, 15m or 1h (bare numbers are seconds)`,
      (raw) => {
        const m = DURATION.exec(raw);
        if (!m) return undefined;
        return inRange(Number(m[1]) * UNIT_MS[(m[2] ?? 's') as keyof typeof UNIT_MS], minMs, maxMs);
      },
    ),
};

/** Milliseconds in the largest unit `duration` takes that writes them whole: 604800000 → `168h`. */
function durationText(ms: number): string {
  if (ms === 0) return '0s';
  for (const unit of ['h', 'm', 's'] as const) {
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}

/** NODE_ENV: `production` refuses the development conveniences (secret, sign-in, private destinations). */
export const NODE_ENV_VARIABLE = envVar.string('development');

function rawValue(source: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = source[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

/**
 * The values of every declared variable: its fallback when unset or empty, else the parsed value.
 * @throws ConfigError naming the first variable whose value is not one it accepts.
 * @example
 * const { DATABASE_POOL_SIZE } = readEnv({ DATABASE_POOL_SIZE: envVar.integer(20, 1, 500) }, process.env);
 */
export function readEnv<S extends EnvSpec>(spec: S, source: NodeJS.ProcessEnv): EnvValues<S> {
  const values: Record<string, unknown> = {};
  for (const [name, declared] of Object.entries(spec)) {
    const raw = rawValue(source, name);
    if (raw === undefined) {
      values[name] = declared.fallback;
      continue;
    }
    const value = declared.read(raw);
    if (value === undefined) {
      const shown = declared.secret ? REDACTED : withoutPassword(raw);
      throw new ConfigError(`${name} must be ${declared.accepts}; got ${shown}`, name);
    }
    values[name] = value;
  }
  return values as EnvValues<S>;
}

/** Query parameters that carry a credential (node-postgres reads `?password=` as the password). */
const SECRET_PARAMETER = /pass|secret|token/i;
/** Such a parameter's value in a URL that does not parse. */
const SECRET_PARAMETER_VALUE = new RegExp(`([?&][^=&]*(?:${SECRET_PARAMETER.source})[^=&]*=)[^&]*`, 'gi');

/**
 * A URL's credentials replaced (postgres://user:[redacted]@host/db, `?password=[redacted]`);
 * anything else unchanged. A value that does not parse as a URL — often because of a password with
 * a `#` or `?` not percent-encoded — loses everything between the user name and the last `@`.
 * @example
 * withoutPassword('postgres://app:s3cr#t@db/x'); // 'postgres://app:[redacted]@db/x'
 */
function withoutPassword(raw: string): string {
  const url = parseUrl(raw);
  if (url === null) {
    return raw
      .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):.*@/i, `$1:${REDACTED}@`)
      .replace(SECRET_PARAMETER_VALUE, `$1${REDACTED}`);
  }
  let redacted = false;
  if (url.password) {
    url.password = REDACTED;
    redacted = true;
  }
  for (const name of [...url.searchParams.keys()]) {
    if (SECRET_PARAMETER.test(name)) {
      url.searchParams.set(name, REDACTED);
      redacted = true;
    }
  }
  return redacted ? url.href.replaceAll(encodeURIComponent(REDACTED), REDACTED) : raw;
}

/**
 * The declared variables that are set to something other than their default, as written (secrets
 * and URL passwords redacted): what the start-up line shows an operator about this instance.
 * @example
 * logger.info({ config: changedSettings(COMMAND_API_VARIABLES, process.env) }, 'configuration');
 */
export function changedSettings(spec: EnvSpec, source: NodeJS.ProcessEnv): Record<string, string> {
  const changed: Record<string, string> = {};
  for (const [name, declared] of Object.entries(spec)) {
    const raw = rawValue(source, name);
    if (raw === undefined) continue;
    if (JSON.stringify(declared.read(raw)) === JSON.stringify(declared.fallback)) continue;
    changed[name] = declared.secret ? REDACTED : withoutPassword(raw);
  }
  return changed;
}
