/**
 * `pnpm --silent token --account <id> --role <role> [--sites 1,2] [--sub <user>] [--ttl <seconds>]`
 * prints a development JWT (HS256, signed with JWT_SECRET or the development secret), with the
 * `exp`, `iss` and `aud` the services require (JWT_MAX_TTL_SECONDS, JWT_ISSUER, JWT_AUDIENCE).
 * `--account` may be left out for `developer` and `system_bot` (a platform caller of no account,
 * which names the account in each create).
 */
import { parseArgs } from 'node:util';
import { ROLES } from '@publisher/contracts/roles';
import {
  ACCOUNTLESS_ROLES,
  createTokenSigner,
  loadJwtPolicy,
  requestedClaims,
  resolveJwtSecret,
} from '@publisher/platform';

const USAGE = `usage: pnpm --silent token [--account <id>] --role <${ROLES.join('|')}> [--sites 1,2] [--sub <user>] [--ttl <seconds>]
(--account is required except for developer and system_bot)
`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}`);
  process.exit(2);
}

function parsed() {
  try {
    return parseArgs({
      options: {
        account: { type: 'string' },
        role: { type: 'string', default: 'editor' },
        sites: { type: 'string' },
        sub: { type: 'string' },
        ttl: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (err) {
    // An unknown option or a missing value: the reason and the usage, not a stack trace.
    return fail((err as Error).message);
  }
}

const values = parsed();
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const role = ROLES.find((r) => r === (values.role ?? 'editor'));
if (role === undefined) fail(`--role must be one of ${ROLES.join(', ')}`);
const account = values.account === undefined ? undefined : Number(values.account);
if (account !== undefined && (!Number.isSafeInteger(account) || account <= 0))
  fail('--account must be a positive integer');
let policy: ReturnType<typeof loadJwtPolicy>;
try {
  policy = loadJwtPolicy(process.env);
} catch (err) {
  fail((err as Error).message);
}
// The longest lifetime the services accept, unless asked for less.
const ttl = values.ttl === undefined ? policy.maxTokenTtlSeconds : Number(values.ttl);
if (!Number.isSafeInteger(ttl) || ttl <= 0) fail('--ttl must be a positive number of seconds');
if (ttl > policy.maxTokenTtlSeconds)
  fail(`--ttl must be at most ${policy.maxTokenTtlSeconds} seconds (JWT_MAX_TTL_SECONDS), or the services refuse it`);
const siteIds = values.sites?.split(',').map((s) => Number(s.trim()));
if (siteIds?.some((n) => !Number.isSafeInteger(n) || n <= 0)) {
  fail('--sites must be a comma-separated list of positive integers');
}
const claims = requestedClaims({ role, account_id: account, site_ids: siteIds, sub: values.sub });
if (claims === null) {
  fail(`--account is required for role ${role} (only ${ACCOUNTLESS_ROLES.join(' and ')} may leave it out)`);
}

let signer: ReturnType<typeof createTokenSigner>;
try {
  const { secret, development } = resolveJwtSecret(process.env);
  if (development)
    process.stderr.write(
      'warning: JWT_SECRET is not set; signing with the development secret (accepted only by services on loopback)\n',
    );
  signer = createTokenSigner({ secret, policy, ttlSeconds: ttl });
} catch (err) {
  fail((err as Error).message);
}
process.stdout.write(`${signer(claims)}\n`);
