import { ApiError } from './api.ts';
import { h, replace } from './dom.ts';

/**
 * The page's message line (an ARIA live region, so screen readers announce it): API errors as
 * readable sentences with the request id to quote in a ticket, and confirmations.
 */
function region(): HTMLElement {
  const element = document.getElementById('message');
  if (!element) throw new Error('index.html has no #message');
  return element;
}

export function clearMessage(): void {
  const element = region();
  element.className = 'message';
  element.replaceChildren();
}

export function showInfo(text: string): void {
  const element = region();
  element.className = 'message info';
  replace(element, text);
}

/** Shows any failure; an ApiError with its status, code and request id. */
export function showError(error: unknown): void {
  const element = region();
  element.className = 'message error';
  if (error instanceof ApiError) {
    const fields = Object.entries(error.fieldErrors).map(([name, messages]) => `${name}: ${messages.join(', ')}`);
    replace(
      element,
      h('strong', {}, error.message),
      fields.length > 0 && h('ul', {}, ...fields.map((f) => h('li', {}, f))),
      h(
        'small',
        {},
        `HTTP ${error.status || '—'} ${error.code}${error.requestId ? ` · request id ${error.requestId}` : ''}`,
      ),
    );
    return;
  }
  replace(element, h('strong', {}, error instanceof Error ? error.message : String(error)));
}

/** Runs an action behind a button: disables it meanwhile and shows what went wrong. */
export async function busy<T>(button: HTMLButtonElement | null, action: () => Promise<T>): Promise<T | undefined> {
  if (button) button.disabled = true;
  document.body.setAttribute('aria-busy', 'true');
  try {
    return await action();
  } catch (error) {
    showError(error);
    return undefined;
  } finally {
    if (button) button.disabled = false;
    document.body.removeAttribute('aria-busy');
  }
}

/** A page heading that takes focus after navigation, so keyboard and screen-reader users start there. */
export function heading(text: string): HTMLHeadingElement {
  return h('h1', { tabindex: -1 }, text);
}
