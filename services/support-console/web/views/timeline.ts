import { h, show } from '../dom.ts';
import { browserZone, local, utc } from '../format.ts';
import { sentToKafka } from '../kafka.ts';
import type { HistoryEntry } from '../types.ts';

/** A changed value, shortened so one row stays readable; the row's details hold the full event. */
function brief(value: unknown): string {
  const text = show(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function actor(entry: HistoryEntry): string {
  const user = entry.actor.user_id ?? 'unknown user';
  return entry.actor.role ? `${user} (${entry.actor.role})` : user;
}

/**
 * The record's timeline: one row per event, oldest first — when (UTC and the browser's zone), who
 * (user and role), what (event type, a re-drive's reason, the full event on demand), the fields it
 * changed, and what Kafka consumers were sent. `onShowState(revision)` opens "as it was then".
 */
export function timelineTable(entries: HistoryEntry[], onShowState: (revision: number) => void): HTMLElement {
  const zone = browserZone();
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'timeline' },
      h('caption', {}, `Timeline: ${entries.length} ${entries.length === 1 ? 'event' : 'events'}, oldest first`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Rev'),
          h('th', { scope: 'col' }, `Time (UTC · ${zone})`),
          h('th', { scope: 'col' }, 'Actor'),
          h('th', { scope: 'col' }, 'Event'),
          h('th', { scope: 'col' }, 'Fields changed'),
          h('th', { scope: 'col' }, 'Sent to Kafka'),
          h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')),
        ),
      ),
      h(
        'tbody',
        {},
        ...entries.map((entry) => {
          const changed = Object.entries(entry.changes);
          const reason = typeof entry.data.reason === 'string' ? entry.data.reason : null;
          return h(
            'tr',
            { 'data-revision': entry.revision, 'data-type': entry.type },
            h('td', { class: 'num' }, String(entry.revision)),
            h(
              'td',
              { class: 'time' },
              h('span', { class: 'time-utc' }, utc(entry.occurred_at)),
              h('br'),
              h('span', { class: 'time-local' }, local(entry.occurred_at)),
            ),
            h('td', { class: 'actor' }, actor(entry)),
            h(
              'td',
              { class: 'event' },
              h('span', { class: 'event-type' }, entry.type),
              reason && h('div', { class: 'reason' }, `Reason: ${reason}`),
              h(
                'details',
                {},
                h('summary', {}, 'Event details'),
                h(
                  'pre',
                  {},
                  JSON.stringify(
                    {
                      data: entry.data,
                      position: entry.position,
                      recorded_at: entry.recorded_at,
                      request_id: entry.request_id,
                      correlation_id: entry.correlation_id,
                      causation_id: entry.causation_id,
                    },
                    null,
                    2,
                  ),
                ),
              ),
            ),
            h(
              'td',
              { class: 'changes' },
              entry.revision === 0
                ? h('span', { class: 'muted' }, `record created (${changed.length} fields)`)
                : changed.length === 0
                  ? h('span', { class: 'muted' }, 'none')
                  : h(
                      'ul',
                      {},
                      ...changed.map(([name, [before, after]]) =>
                        h('li', {}, h('span', { class: 'field-name' }, name), `: ${brief(before)} → ${brief(after)}`),
                      ),
                    ),
            ),
            h('td', { class: 'kafka' }, sentToKafka(entry)),
            h(
              'td',
              {},
              h(
                'button',
                {
                  type: 'button',
                  class: 'link',
                  'aria-label': `As it was at rev ${entry.revision}`,
                  onclick: () => onShowState(entry.revision),
                },
                'As it was',
              ),
            ),
          );
        }),
      ),
    ),
  );
}
