import { type ListEnvelope, pageLink, read } from '../api.ts';
import { h, replace } from '../dom.ts';
import { local, utc } from '../format.ts';
import { isDeleted, redriveActions } from '../rules.ts';
import type { Session } from '../session.ts';
import { type HistoryEntry, KIND_LABEL, type RecordKind } from '../types.ts';
import { busy, heading } from '../ui.ts';
import { asOfPanel, comparePanel, recordFields } from './as-of.ts';
import { redrivePanel } from './redrive.ts';
import { timelineTable } from './timeline.ts';

/** Longest history the page loads (20 pages of 100); past it the page says so. */
const MAX_EVENTS = 2000;

/**
 * The record's events, oldest first, following the API's `next` links up to `MAX_EVENTS`; past
 * that, also its last page (`tail`), which says what the record is now.
 */
async function loadHistory(
  kind: RecordKind,
  id: string,
): Promise<{ entries: HistoryEntry[]; tail: HistoryEntry[]; count: number }> {
  const entries: HistoryEntry[] = [];
  let path: string | null = `${kind}/${id}/history?page_size=100`;
  let count = 0;
  while (path !== null && entries.length < MAX_EVENTS) {
    const { body }: { body: ListEnvelope<HistoryEntry> } = await read<ListEnvelope<HistoryEntry>>(path);
    entries.push(...body.results);
    count = body.count;
    path = pageLink(body.next);
  }
  if (count <= entries.length) return { entries, tail: [], count };
  const from = Math.max(entries.length, count - 100);
  const { body } = await read<ListEnvelope<HistoryEntry>>(`${kind}/${id}/history?page_size=100&from_revision=${from}`);
  return { entries, tail: body.results, count };
}

/** A record: what it is now, its timeline, as it was at any point, a diff of two points, re-drives. */
export function recordView(kind: RecordKind, id: string, session: Session): HTMLElement {
  const loading = h('p', {}, 'Loading the record’s history…');
  const body = h('div', { class: 'record-body' }, loading);
  const view = h('section', {}, heading(`${KIND_LABEL[kind]} ${id}`), body);
  const load = () =>
    void busy(null, async () => {
      const { entries, tail, count } = await loadHistory(kind, id).catch((error: unknown) => {
        // The failure is the page's message; nothing is loading any more. A reload that fails
        // keeps the record shown before.
        loading.remove();
        throw error;
      });
      // What the record is now comes from its last events, which a cut history does not show.
      const latest = (tail.length > 0 ? tail : entries).at(-1);
      if (!latest) {
        replace(body, h('p', {}, 'This record has no events.'));
        return;
      }
      const deleted = isDeleted(entries) || isDeleted(tail);
      const actions = redriveActions(kind, session.claims, { deleted, status: latest.state?.status });
      const asOf = asOfPanel(kind, id, entries);
      replace(
        body,
        h(
          'p',
          { class: 'summary' },
          h(
            'span',
            { class: `status status-${String(latest.state?.status ?? 'unknown')}` },
            String(latest.state?.status ?? 'unknown'),
          ),
          deleted && h('span', { class: 'status status-deleted' }, 'deleted'),
          ` Account ${String(latest.state?.account_id ?? '—')}, site ${String(latest.state?.site_id ?? '—')}; revision ${latest.revision}, last event ${utc(latest.occurred_at)} (${local(latest.occurred_at)}).`,
        ),
        deleted &&
          h(
            'p',
            { class: 'notice' },
            'This record was deleted: the lists no longer show it, but its history is kept and shown here.',
          ),
        count > entries.length &&
          h(
            'p',
            { class: 'notice' },
            `Showing the first ${entries.length} of ${count} events; what the record is now is from its last one.`,
          ),
        h(
          'details',
          { class: 'now' },
          h('summary', {}, deleted ? 'The last state before deletion, every field' : 'The record now, every field'),
          latest.state ? recordFields(latest.state) : h('p', {}, 'No state.'),
        ),
        h(
          'section',
          { 'aria-labelledby': 'timeline-title' },
          h('h2', { id: 'timeline-title' }, 'Timeline'),
          timelineTable(entries, (rev) => void asOf.showRevision(rev)),
        ),
        asOf.element,
        comparePanel(entries),
        actions.length > 0 && redrivePanel(kind, id, actions, latest.revision, load),
      );
    });
  load();
  return view;
}
