import type { Role } from '@publisher/contracts';
import t from 'tap';
import { canAdministerOwnAccount, canRead, inScope, type Principal, readScope } from '../src/index.ts';

const principal = (role: Role, account_id: number | null, site_ids: number[] | null = null): Principal => ({
  user_id: 'user-1',
  role,
  account_id,
  site_ids,
});

t.test('readScope: own account for tenant roles, any account for the roles that read any', async (t) => {
  t.same(readScope(principal('viewer', 1)), { account_id: 1, site_ids: null });
  t.same(readScope(principal('editor', 1, [10])), { account_id: 1, site_ids: [10] });
  t.same(readScope(principal('support', 1)), { account_id: 'any', site_ids: null });
  t.same(readScope(principal('system_bot', null, [20])), { account_id: 'any', site_ids: [20] });
  // Authentication refuses such a token; the rule still lets it see nothing.
  t.same(readScope(principal('editor', null)), { account_id: 'any', site_ids: [] });
});

t.test('canRead: the account, then the token’s sites', async (t) => {
  const record = { account_id: 1, site_id: 10 };
  t.ok(canRead(principal('viewer', 1), record));
  t.notOk(canRead(principal('owner', 2), record), 'another account');
  t.ok(canRead(principal('support', 2), record), 'support reads any account');
  t.notOk(canRead(principal('editor', 1, [20]), record), 'a site outside the token’s');
  t.notOk(canRead(principal('developer', null, [20]), record), 'site_ids bind privileged roles too');
  t.notOk(canRead(principal('editor', null), record), 'an accountless tenant token sees nothing');
  t.ok(inScope({ account_id: 'any', site_ids: null }, record));
  t.notOk(inScope({ account_id: 1, site_ids: [] }, record), 'an empty site list sees nothing');
});

t.test('canAdministerOwnAccount: admins and owners of an account, nobody from outside it', async (t) => {
  t.ok(canAdministerOwnAccount(principal('admin', 1)));
  t.ok(canAdministerOwnAccount(principal('owner', 1)));
  for (const role of ['viewer', 'editor', 'support', 'developer', 'system_bot'] as const) {
    t.notOk(canAdministerOwnAccount(principal(role, 1)), role);
  }
  t.notOk(canAdministerOwnAccount(principal('admin', null)), 'a token without an account');
});
