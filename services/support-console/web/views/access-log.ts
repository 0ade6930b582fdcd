import { type ListEnvelope, pageLink, read } from '../api.ts';
import { h, replace, show } from '../dom.ts';
import { local, utc } from '../format.ts';
import { href, type Route } from '../router.ts';
import { readsAccessLog } from '../rules.ts';
import type { Session } from '../session.ts';
import type { AccessLogEntry } from '../types.ts';
import { busy, heading } from '../ui.ts';

/**
 * Who from outside the account read its history, past states or audit data, and when — listed by
 * the read API to the account's admin and owner only. Anyone else is still sent to the API, whose
 * 403 is shown as such, under a heading that names no account (theirs is not what they asked for).
 */
export function accessLogView(route: Route, session: Session): HTMLElement {
  const results = h('div', { 'aria-live': 'polite' }, h('p', {}, 'Loading…'));
  const mayRead = readsAccessLog(session.claims);
  const view = h(
    'section',
    {},
    heading(mayRead ? `Access log of account ${session.claims.account_id}` : 'Access log'),
    mayRead &&
      h(
        'p',
        { class: 'muted' },
        'Reads of this account’s history, past states, audit events and snapshots by support or platform staff, newest first.',
      ),
    results,
  );
  // Only a page of this same list: a crafted link cannot point the page at another read.
  const page = route.query.get('page');
  const cursor = page?.startsWith('audit/access-log?') ? page : null;
  void busy(null, async () => {
    const { body } = await read<ListEnvelope<AccessLogEntry>>(cursor ?? 'audit/access-log?page_size=50').catch(
      (error: unknown) => {
        // The refusal is shown as the page's message; nothing is loading any more.
        replace(results);
        throw error;
      },
    );
    replace(
      results,
      body.results.length === 0
        ? h('p', {}, 'Nobody from outside the account has read its history.')
        : h(
            'div',
            { class: 'table-scroll' },
            h(
              'table',
              { class: 'access-log' },
              h('caption', {}, `${body.count} ${body.count === 1 ? 'read' : 'reads'}`),
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ...['When (UTC)', 'Your time', 'Who', 'Role', 'What', 'Record', 'Parameters', 'Request id'].map((c) =>
                    h('th', { scope: 'col' }, c),
                  ),
                ),
              ),
              h(
                'tbody',
                {},
                ...body.results.map((entry) =>
                  h(
                    'tr',
                    {},
                    h('td', {}, utc(entry.at)),
                    h('td', {}, local(entry.at)),
                    h(
                      'td',
                      { class: 'reader' },
                      `${entry.reader.user_id}${entry.reader.account_id ? ` (account ${entry.reader.account_id})` : ''}`,
                    ),
                    h('td', {}, entry.reader.role),
                    h('td', {}, entry.action.replace('_', ' ')),
                    h(
                      'td',
                      { class: 'mono' },
                      entry.record_id && entry.record_kind ? recordLink(entry.record_kind, entry.record_id) : '—',
                    ),
                    h('td', { class: 'mono' }, show(entry.query)),
                    h('td', { class: 'mono' }, entry.request_id),
                  ),
                ),
              ),
            ),
          ),
      h(
        'nav',
        { class: 'pager', 'aria-label': 'Pages' },
        body.previous && h('a', { href: href('/access-log', { page: pageLink(body.previous) ?? '' }) }, '← Newer'),
        body.next && h('a', { href: href('/access-log', { page: pageLink(body.next) ?? '' }) }, 'Older →'),
      ),
    );
  });
  return view;
}

function recordLink(kind: string, id: string): HTMLElement | string {
  const path = kind === 'deployment' ? 'deployments' : kind === 'publishing_record' ? 'publishing-records' : null;
  return path ? h('a', { href: href(`/${path}/${id}`) }, id) : id;
}
