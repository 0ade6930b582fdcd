import { ROLES } from '@publisher/contracts/roles';
import { ApiError, read } from '../api.ts';
import { field, formValue, h } from '../dom.ts';
import { go } from '../router.ts';
import { isExpired, signIn, signOut, TokenFormatError } from '../session.ts';
import { busy, heading, showError } from '../ui.ts';

/**
 * Signs in with a pasted token, checked against the read API at once (a 401 keeps the user here
 * with the reason). With the development secret the console also offers `POST /dev/sign-in`.
 */
export function signInView(devSignIn: boolean): HTMLElement {
  const tokenInput = h('textarea', {
    name: 'token',
    rows: 4,
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const submit = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { 'aria-label': 'Sign in with a token' },
    field('Token (JWT)', tokenInput, 'Paste the bearer token you were given; it stays in this tab only.'),
    submit,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(submit, () => useToken(formValue(form, 'token')));
  });

  return h('section', { class: 'sign-in' }, heading('Sign in'), form, devSignIn && devSignInForm());
}

/** Stores the token, then proves it with one read; anything refused signs out again. */
async function useToken(token: string): Promise<void> {
  let claims: ReturnType<typeof signIn>['claims'];
  try {
    claims = signIn(token).claims;
  } catch (error) {
    if (error instanceof TokenFormatError) throw error;
    throw new Error('This token cannot be read.');
  }
  if (isExpired(claims)) {
    signOut();
    throw new Error('This token has expired. Ask for a new one.');
  }
  try {
    await read('publishing-records/?page_size=1');
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      signOut();
    }
    throw error;
  }
  go('/find');
}

function devSignInForm(): HTMLElement {
  const account = h('input', { name: 'account_id', type: 'number', min: 1, step: 1, inputmode: 'numeric', value: '1' });
  const role = h(
    'select',
    { name: 'role' },
    ...ROLES.map((r) => h('option', { value: r, selected: r === 'support' }, r)),
  );
  const sites = h('input', { name: 'site_ids', type: 'text', inputmode: 'numeric', placeholder: 'e.g. 3,7' });
  const user = h('input', { name: 'user', type: 'text', placeholder: 'e.g. anna', autocomplete: 'off' });
  const submit = h('button', { type: 'submit' }, 'Sign in (development)');
  const form = h(
    'form',
    { 'aria-label': 'Development sign-in' },
    h('div', { class: 'row' }, field('Account id', account), field('Role', role)),
    h('div', { class: 'row' }, field('Sites (optional)', sites), field('User (optional)', user)),
    submit,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(submit, async () => {
      const body: Record<string, unknown> = { role: formValue(form, 'role') };
      const accountId = formValue(form, 'account_id');
      if (accountId !== '') body.account_id = Number(accountId);
      const siteIds = formValue(form, 'site_ids');
      if (siteIds !== '') body.site_ids = siteIds.split(',').map((s) => Number(s.trim()));
      const userName = formValue(form, 'user');
      if (userName !== '') body.user = userName;
      const response = await fetch('/dev/sign-in', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      });
      const answer = (await response.json()) as {
        data?: { token: string };
        error?: string;
        code?: string;
        request_id?: string;
        errors?: Record<string, string[]>;
      };
      if (!response.ok || !answer.data) {
        // The console's own answer, in the envelope: its field errors name what to correct.
        showError(
          new ApiError(
            response.status,
            answer.code ?? 'SIGN_IN_REFUSED',
            `development sign-in refused: ${answer.error ?? response.statusText}`,
            answer.request_id ?? null,
            null,
            answer.errors,
          ),
        );
        return;
      }
      await useToken(answer.data.token);
    });
  });
  return h(
    'section',
    { class: 'dev-sign-in', 'aria-labelledby': 'dev-sign-in-title' },
    h('h2', { id: 'dev-sign-in-title' }, 'Development sign-in'),
    h(
      'p',
      {},
      'The APIs use the development JWT secret, so this console can mint a token for any account and role. It does not exist in production.',
    ),
    form,
  );
}
