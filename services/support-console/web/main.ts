/**
 * The support console's page: a header (who is signed in, navigation), a message line, and one
 * view per hash route. Everything it shows comes from the APIs with the signed-in user's token.
 */
import { isUuid } from '@publisher/contracts/uuid';
import { whenUnauthorized } from './api.ts';
import { h, replace } from './dom.ts';
import { currentRoute, go, href } from './router.ts';
import { readsAccessLog } from './rules.ts';
import { currentSession, isExpired, type Session, signOut } from './session.ts';
import { clearMessage, showError } from './ui.ts';
import { accessLogView } from './views/access-log.ts';
import { findView } from './views/find.ts';
import { recordView } from './views/record.ts';
import { signInView } from './views/sign-in.ts';

let devSignIn = false;
/** Why the user is on the sign-in page (expired, refused), shown once when it renders. */
let signInReason: string | null = null;

function backToSignIn(reason: string): void {
  signOut();
  signInReason = reason;
  go('/sign-in');
}

function header(session: Session | null): HTMLElement {
  const nav = session
    ? h(
        'nav',
        { 'aria-label': 'Main' },
        h('a', { href: href('/find') }, 'Find records'),
        readsAccessLog(session.claims) && h('a', { href: href('/access-log') }, 'Access log'),
      )
    : null;
  const who = session
    ? h(
        'div',
        { class: 'who' },
        h(
          'span',
          { class: 'identity' },
          `${session.claims.sub} · ${session.claims.role}${session.claims.account_id ? ` · account ${session.claims.account_id}` : ' · all accounts'}`,
        ),
        h('button', { type: 'button', onclick: () => backToSignIn('You signed out.') }, 'Sign out'),
      )
    : null;
  return h('div', { class: 'bar' }, h('a', { href: href('/find'), class: 'brand' }, 'Publisher support'), nav, who);
}

function render(): void {
  const root = document.getElementById('view');
  const top = document.getElementById('top');
  if (!root || !top) return;
  // An address that cannot be decoded shows the find page in place of whatever was shown, and says why.
  const parsed = currentRoute();
  const route = parsed ?? { path: ['find'], query: new URLSearchParams() };
  let session = currentSession();
  if (session && isExpired(session.claims)) {
    signOut();
    session = null;
    signInReason = 'Your token has expired. Sign in again.';
  }
  replace(top, header(session));
  clearMessage();

  if (!session || route.path[0] === 'sign-in') {
    if (session && route.path[0] === 'sign-in') signOut();
    if (route.path[0] !== 'sign-in') {
      go('/sign-in');
      return;
    }
    replace(top, header(null));
    replace(root, signInView(devSignIn));
    if (signInReason) showError(new Error(signInReason));
    signInReason = null;
    focusHeading(root);
    return;
  }

  const [first, second] = route.path;
  if ((first === 'publishing-records' || first === 'deployments') && second && isUuid(second)) {
    replace(root, recordView(first, second.toLowerCase(), session));
  } else if (first === 'access-log') {
    replace(root, accessLogView(route, session));
  } else {
    replace(root, findView(route, session));
    if (parsed === null) {
      showError(new Error(`“${location.hash.slice(0, 80)}” is not a valid address: part of it cannot be decoded.`));
    }
    // A record link whose id is not one (mistyped, cut short): said, not silently dropped.
    if ((first === 'publishing-records' || first === 'deployments') && second !== undefined) {
      showError(new Error(`“${second.slice(0, 80)}” is not a record id: a record id is a UUID.`));
    }
  }
  focusHeading(root);
}

function focusHeading(root: HTMLElement): void {
  root.querySelector<HTMLElement>('h1')?.focus();
}

async function boot(): Promise<void> {
  whenUnauthorized((error) => backToSignIn(error.message));
  try {
    const response = await fetch('/console-settings', { headers: { accept: 'application/json' } });
    const settings = (await response.json()) as { data?: { dev_sign_in?: boolean } };
    devSignIn = settings.data?.dev_sign_in === true;
  } catch {
    devSignIn = false;
  }
  window.addEventListener('hashchange', render);
  render();
}

void boot();
