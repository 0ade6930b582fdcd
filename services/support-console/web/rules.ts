/**
 * What the page may offer, from the rules the APIs apply: what a role may read, whether a record is
 * deleted (read from its whole history), and which re-drives the command API would run for a role
 * on a record. The APIs have the last word; these only keep the page from offering what they refuse.
 * No DOM here: the rules are tested in Node.
 */
import type { RecordKind } from './types.ts';

/** The claims the rules read (a session's `Claims`). */
interface Who {
  role: string;
  account_id: number | null;
}

/** Roles that read every account (they may name an `account_id` in a search). */
export function readsAnyAccount(claims: Pick<Who, 'role'>): boolean {
  return claims.role === 'support' || claims.role === 'developer' || claims.role === 'system_bot';
}

/** Who the read API lets read the access log: an account's admin and owner, of their own account. */
export function readsAccessLog(claims: Who): boolean {
  return (claims.role === 'admin' || claims.role === 'owner') && claims.account_id !== null;
}

export type RedriveAction = 'republish' | 'redeliver';

/**
 * True once a deletion is anywhere in the history: a deletion is final (the domain accepts only a
 * republish after it, which changes no field), so no later event makes the record live again.
 * @example
 * isDeleted([{ type: 'PublishingRecordDeleted' }, { type: 'PublishingRecordRepublishRequested' }]) // true
 */
export function isDeleted(entries: ReadonlyArray<{ type: string }>): boolean {
  return entries.some((entry) => /Deleted$/.test(entry.type));
}

/** Roles that write their own account: they may redeliver there, not republish. */
const OWN_ACCOUNT_WRITERS = new Set(['editor', 'admin', 'owner']);

/**
 * The re-drives the command API accepts from this role on this record (`assertMayRedrive` and the
 * domain's transition tables): a republish from roles that read every account, on any record, a
 * deleted one too; a redelivery of a publishing record from them and the account's writers, when it
 * has failed and is not deleted.
 * @example
 * redriveActions('publishing-records', claims, { deleted: false, status: 'failed' }) // ['republish', 'redeliver'] for support
 */
export function redriveActions(
  kind: RecordKind,
  claims: Pick<Who, 'role'>,
  record: { deleted: boolean; status: unknown },
): RedriveAction[] {
  const privileged = readsAnyAccount(claims);
  const mayRedeliver = privileged || OWN_ACCOUNT_WRITERS.has(claims.role);
  const redeliverable = kind === 'publishing-records' && !record.deleted && record.status === 'failed';
  return [
    ...(privileged ? (['republish'] as const) : []),
    ...(mayRedeliver && redeliverable ? (['redeliver'] as const) : []),
  ];
}
