import { isUuid } from '@publisher/contracts/uuid';
import { type ListEnvelope, read } from '../api.ts';
import { field, formValue, h, replace } from '../dom.ts';
import { fromLocalInput, local, utc } from '../format.ts';
import { go, href, type Route } from '../router.ts';
import { readsAnyAccount } from '../rules.ts';
import type { Session } from '../session.ts';
import { KIND_LABEL, type RecordKind, type Representation, STATUSES } from '../types.ts';
import { busy, heading, showError } from '../ui.ts';

const PAGE_SIZE = '25';

/** The filters each kind's list accepts (read API), in the order the form shows them. */
const FILTERS: Record<RecordKind, string[]> = {
  'publishing-records': [
    'account_id',
    'site_id',
    'content_id',
    'status',
    'destination',
    'created_after',
    'created_before',
  ],
  deployments: ['account_id', 'site_id', 'version', 'status', 'created_after', 'created_before'],
};

const LABELS: Record<string, string> = {
  account_id: 'Account id',
  site_id: 'Site id',
  content_id: 'Content id',
  version: 'Version',
  status: 'Status',
  destination: 'Destination',
  created_after: 'Created from (your time)',
  created_before: 'Created before (your time)',
};

function kindOf(value: string | null): RecordKind {
  return value === 'deployments' ? 'deployments' : 'publishing-records';
}

/** Open a record by id, or list records by account, site, content id, status, destination and time. */
export function findView(route: Route, session: Session): HTMLElement {
  const kind = kindOf(route.query.get('kind'));
  const results = h('div', { class: 'results', 'aria-live': 'polite' });
  const view = h('section', {}, heading('Find records'), openForm(kind), listForm(kind, route, session), results);
  if (route.query.get('list') === '1') void busy(null, () => loadList(kind, route.query, results));
  return view;
}

function kindSelect(kind: RecordKind, onChange?: (kind: RecordKind) => void): HTMLSelectElement {
  const select = h(
    'select',
    { name: 'kind' },
    ...(['publishing-records', 'deployments'] as const).map((k) =>
      h('option', { value: k, selected: k === kind }, KIND_LABEL[k]),
    ),
  );
  if (onChange) select.addEventListener('change', () => onChange(kindOf(select.value)));
  return select;
}

function openForm(kind: RecordKind): HTMLElement {
  const id = h('input', {
    name: 'id',
    type: 'text',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    size: 40,
  });
  const form = h(
    'form',
    { 'aria-label': 'Open a record by id', class: 'row' },
    field('Kind', kindSelect(kind)),
    field('Record id', id, 'A UUID, e.g. from a ticket or a log line.'),
    h('button', { type: 'submit' }, 'Open'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = formValue(form, 'id').toLowerCase();
    if (!isUuid(value)) {
      showError(new Error('A record id is a UUID such as 0b6f7c1e-8d4a-4f1b-9c2e-1234567890ab.'));
      id.focus();
      return;
    }
    go(`/${kindOf(formValue(form, 'kind'))}/${value}`);
  });
  return h('section', { 'aria-labelledby': 'open-title' }, h('h2', { id: 'open-title' }, 'Open a record'), form);
}

function listForm(kind: RecordKind, route: Route, session: Session): HTMLElement {
  const controls = h('div', { class: 'row wrap' });
  const renderControls = (k: RecordKind) => {
    const filters = FILTERS[k].filter((name) => name !== 'account_id' || readsAnyAccount(session.claims));
    replace(controls, ...filters.map((name) => filterControl(k, name, route.query.get(name) ?? '')));
  };
  renderControls(kind);
  const form = h(
    'form',
    { 'aria-label': 'List records' },
    h('div', { class: 'row' }, field('Kind', kindSelect(kind, renderControls))),
    controls,
    h('button', { type: 'submit' }, 'List'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const k = kindOf(formValue(form, 'kind'));
    const query: Record<string, string> = { kind: k, list: '1' };
    for (const name of FILTERS[k]) {
      const value = formValue(form, name);
      if (value === '') continue;
      if (name.startsWith('created_')) {
        const instant = fromLocalInput(value);
        if (instant === null) return showError(new Error(`${LABELS[name]} is not a valid time.`));
        query[name] = instant;
      } else query[name] = value;
    }
    go('/find', query);
  });
  return h('section', { 'aria-labelledby': 'list-title' }, h('h2', { id: 'list-title' }, 'List records'), form);
}

function filterControl(kind: RecordKind, name: string, value: string): HTMLElement {
  const label = LABELS[name] ?? name;
  if (name === 'status') {
    return field(
      label,
      h(
        'select',
        { name },
        h('option', { value: '' }, 'any'),
        ...STATUSES[kind].map((s) => h('option', { value: s, selected: s === value }, s)),
      ),
    );
  }
  if (name.startsWith('created_')) {
    // The route keeps RFC 3339; the input shows it in the browser's zone.
    const shown = value ? toLocalInput(value) : '';
    return field(label, h('input', { name, type: 'datetime-local', step: 1, value: shown }));
  }
  const numeric = name !== 'destination';
  return field(
    label,
    h('input', {
      name,
      type: numeric ? 'number' : 'text',
      min: numeric ? 1 : undefined,
      step: numeric ? 1 : undefined,
      value,
      size: 12,
    }),
  );
}

function toLocalInput(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return shifted.toISOString().slice(0, 19);
}

async function loadList(kind: RecordKind, query: URLSearchParams, into: HTMLElement): Promise<void> {
  const params = new URLSearchParams();
  for (const name of FILTERS[kind]) {
    const value = query.get(name);
    if (value) params.set(name, value);
  }
  const page = Math.max(1, Number(query.get('page') ?? '1') || 1);
  params.set('page', String(page));
  params.set('page_size', PAGE_SIZE);
  params.set('ordering', '-updated_at');
  const { body } = await read<ListEnvelope<Representation>>(`${kind}/?${params}`);
  const pageLink = (to: number) => {
    const next: Record<string, string> = {};
    for (const [k, v] of query) next[k] = v;
    next.page = String(to);
    return href('/find', next);
  };
  const columns =
    kind === 'publishing-records'
      ? ['account_id', 'site_id', 'content_id', 'destination', 'status']
      : ['account_id', 'site_id', 'version', 'status'];
  replace(
    into,
    h('h2', {}, `${body.count} ${body.count === 1 ? 'record' : 'records'}`),
    body.results.length === 0
      ? h('p', {}, 'No record matches.')
      : h(
          'div',
          { class: 'table-scroll' },
          h(
            'table',
            {},
            h('caption', {}, `${KIND_LABEL[kind]}s, most recently updated first`),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', { scope: 'col' }, 'Record'),
                ...columns.map((c) => h('th', { scope: 'col' }, LABELS[c] ?? c)),
                h('th', { scope: 'col' }, 'Updated'),
              ),
            ),
            h(
              'tbody',
              {},
              ...body.results.map((record) =>
                h(
                  'tr',
                  {},
                  h('td', {}, h('a', { href: href(`/${kind}/${record.id}`), class: 'mono' }, record.id)),
                  ...columns.map((c) => h('td', {}, String(record[c] ?? '—'))),
                  h('td', {}, h('span', { title: local(record.updated_at) }, utc(record.updated_at))),
                ),
              ),
            ),
          ),
        ),
    h(
      'nav',
      { class: 'pager', 'aria-label': 'Pages' },
      body.previous && h('a', { href: pageLink(page - 1) }, '← Previous page'),
      body.next && h('a', { href: pageLink(page + 1) }, 'Next page →'),
    ),
  );
}
