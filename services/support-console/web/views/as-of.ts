import { ApiError, read, type SuccessEnvelope } from '../api.ts';
import { field, formValue, h, replace, show } from '../dom.ts';
import { lastInstantOfLocalInput, local, utc } from '../format.ts';
import type { HistoryEntry, RecordKind, Representation } from '../types.ts';
import { busy, clearMessage, showError } from '../ui.ts';

/** The whole record as a definition list, field by field as the API sent it. */
export function recordFields(record: Representation): HTMLElement {
  return h(
    'dl',
    { class: 'fields' },
    ...Object.entries(record).flatMap(([name, value]) => [
      h('dt', {}, name),
      h('dd', { 'data-field': name }, show(value)),
    ]),
  );
}

export interface AsOfPanel {
  element: HTMLElement;
  /** Loads and shows the record at `revision`, and brings the panel into view. */
  showRevision(revision: number): Promise<void>;
}

/**
 * "As it was then": the record at a revision or a time, read from the read API's as-of view
 * (`?as_of_revision=` / `?as_of=`, folded from the event store by the API).
 */
export function asOfPanel(kind: RecordKind, id: string, entries: HistoryEntry[]): AsOfPanel {
  const result = h('div', { class: 'as-of-result', 'aria-live': 'polite' });
  const revision = h(
    'select',
    { name: 'revision' },
    h('option', { value: '' }, 'choose…'),
    ...entries.map((e) => h('option', { value: e.revision }, `rev ${e.revision} · ${e.type} · ${utc(e.occurred_at)}`)),
  );
  const time = h('input', { name: 'time', type: 'datetime-local', step: 0.001 });
  const submit = h('button', { type: 'submit' }, 'Show');
  const form = h(
    'form',
    { 'aria-label': 'Record as it was', class: 'row wrap' },
    field('At revision', revision),
    field(
      'or at a time (your zone)',
      time,
      'Events that occurred at or before this time (to the second: through the end of that second).',
    ),
    submit,
  );

  async function load(query: string, label: string): Promise<void> {
    // Not there at that point is an answer about the record, not a failure: said in the panel.
    const notThere = (error: unknown) => {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
      return error.code === 'RECORD_DELETED'
        ? `Deleted: ${error.detail}.`
        : 'It did not exist yet: its first event occurred later.';
    };
    const answer = await read<SuccessEnvelope<Representation>>(`${kind}/${id}?${query}`).catch(notThere);
    clearMessage();
    if (typeof answer === 'string') {
      replace(result, h('h3', {}, `As it was ${label}`), h('p', { class: 'notice' }, answer));
      return;
    }
    const { body, headers } = answer;
    replace(
      result,
      h('h3', {}, `As it was ${label}`),
      h('p', { class: 'muted' }, `Revision ${body.data.revision} (ETag ${headers.get('etag') ?? '—'}).`),
      recordFields(body.data),
    );
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosenRevision = formValue(form, 'revision');
    const chosenTime = formValue(form, 'time');
    void busy(submit, async () => {
      if (chosenTime !== '') {
        const instant = lastInstantOfLocalInput(chosenTime);
        if (instant === null) return showError(new Error('That time is not valid.'));
        await load(`as_of=${encodeURIComponent(instant)}`, `at ${utc(instant)} (${local(instant)})`);
      } else if (chosenRevision !== '') {
        await load(`as_of_revision=${chosenRevision}`, `at revision ${chosenRevision}`);
      } else showError(new Error('Choose a revision or a time.'));
    });
  });

  const element = h(
    'section',
    { id: 'as-of', 'aria-labelledby': 'as-of-title' },
    h('h2', { id: 'as-of-title', tabindex: -1 }, 'As it was then'),
    form,
    result,
  );
  return {
    element,
    async showRevision(rev) {
      // A deletion leaves no state of its own: its row shows the state it deleted.
      const deletion = entries.find((e) => e.revision === rev)?.type.endsWith('Deleted') === true && rev > 0;
      const shown = deletion ? rev - 1 : rev;
      revision.value = String(shown);
      time.value = '';
      const label = deletion ? `when it was deleted (revision ${shown}, before the deletion)` : `at revision ${rev}`;
      await busy(submit, () => load(`as_of_revision=${shown}`, label));
      element.scrollIntoView({ block: 'start' });
      element.querySelector('h2')?.focus();
    },
  };
}

/** Fields whose values differ between two states (by JSON value), `revision` aside. */
function changedFields(a: Representation | null, b: Representation | null): string[] {
  const names = new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})]);
  names.delete('revision');
  return [...names].filter((name) => JSON.stringify(a?.[name] ?? null) !== JSON.stringify(b?.[name] ?? null));
}

/** A state's field by name (states are shown field by field, whatever fields they have). */
function fieldOf(state: Representation | null, name: string): unknown {
  return state?.[name];
}

/** Compare two points of the timeline: the fields that differ, with both values. */
export function comparePanel(entries: HistoryEntry[]): HTMLElement {
  const options = (selected: number) =>
    entries.map((e) =>
      h('option', { value: e.revision, selected: e.revision === selected }, `rev ${e.revision} · ${e.type}`),
    );
  const last = entries.at(-1)?.revision ?? 0;
  const from = h('select', { name: 'from' }, ...options(Math.max(0, last - 1)));
  const to = h('select', { name: 'to' }, ...options(last));
  const result = h('div', { class: 'diff-result', 'aria-live': 'polite' });
  const form = h(
    'form',
    { 'aria-label': 'Compare two points', class: 'row wrap' },
    field('From revision', from),
    field('To revision', to),
    h('button', { type: 'submit' }, 'Compare'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const a = entries.find((e) => e.revision === Number(from.value));
    const b = entries.find((e) => e.revision === Number(to.value));
    if (!a || !b) return;
    const names = changedFields(a.state, b.state);
    replace(
      result,
      h(
        'p',
        { class: 'diff-summary' },
        names.length === 0
          ? `No field differs between revision ${a.revision} and revision ${b.revision}.`
          : `${names.length} ${names.length === 1 ? 'field differs' : 'fields differ'} between revision ${a.revision} and revision ${b.revision}: ${names.join(', ')}.`,
      ),
      names.length > 0 &&
        h(
          'div',
          { class: 'table-scroll' },
          h(
            'table',
            { class: 'diff' },
            h('caption', {}, `Revision ${a.revision} → revision ${b.revision}`),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', { scope: 'col' }, 'Field'),
                h('th', { scope: 'col' }, `At rev ${a.revision}`),
                h('th', { scope: 'col' }, `At rev ${b.revision}`),
              ),
            ),
            h(
              'tbody',
              {},
              ...names.map((name) =>
                h(
                  'tr',
                  { 'data-field': name },
                  h('th', { scope: 'row' }, name),
                  h('td', { class: 'before' }, show(fieldOf(a.state, name))),
                  h('td', { class: 'after' }, show(fieldOf(b.state, name))),
                ),
              ),
            ),
          ),
        ),
    );
  });
  return h(
    'section',
    { id: 'compare', 'aria-labelledby': 'compare-title' },
    h('h2', { id: 'compare-title' }, 'Compare two points'),
    h('p', { class: 'muted' }, 'Each point is the record right after that revision’s event.'),
    form,
    result,
  );
}
