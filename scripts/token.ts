/**
 * `pnpm --silent token --account <id> --role <role> [--sites 1,2] [--sub <user>] [--ttl <seconds>]`
 * prints a development JWT (HS256, signed with JWT_SECRET or the development secret).
 */
import { parseArgs } from 'node:util';
import { resolveJwtSecret } from '@publisher/platform';
import { createSigner } from 'fast-jwt';

const ROLES = ['viewer', 'editor', 'admin', 'owner', 'support', 'developer', 'system_bot'];

function fail(message: string): never {
  process.stderr.write(
    `${message}\nusage: pnpm --silent token --account <id> --role <${ROLES.join('|')}> [--sites 1,2] [--sub <user>] [--ttl <seconds>]\n`,
  );
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    account: { type: 'string' },
    role: { type: 'string', default: 'editor' },
    sites: { type: 'string' },
    sub: { type: 'string' },
    ttl: { type: 'string', default: '86400' },
  },
  strict: true,
});

const account = Number(values.account);
if (!Number.isSafeInteger(account) || account <= 0) fail('--account must be a positive integer');
const role = values.role ?? 'editor';
if (!ROLES.includes(role)) fail(`--role must be one of ${ROLES.join(', ')}`);
const ttl = Number(values.ttl);
if (!Number.isSafeInteger(ttl) || ttl <= 0) fail('--ttl must be a positive number of seconds');
const claims: Record<string, unknown> = { sub: values.sub ?? `user-${account}`, account_id: account, role };
if (values.sites !== undefined) {
  const ids = values.sites.split(',').map((s) => Number(s.trim()));
  if (ids.some((n) => !Number.isSafeInteger(n) || n <= 0))
    fail('--sites must be a comma-separated list of positive integers');
  claims.site_ids = ids;
}

const { secret, development } = resolveJwtSecret();
if (development) process.stderr.write('warning: JWT_SECRET is not set; signing with the development secret\n');
const sign = createSigner({ key: secret, algorithm: 'HS256', expiresIn: ttl * 1000 });
process.stdout.write(`${sign(claims)}\n`);
