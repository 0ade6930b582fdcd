import { command, type SuccessEnvelope } from '../api.ts';
import { field, formValue, h, replace } from '../dom.ts';
import type { RedriveAction } from '../rules.ts';
import type { RecordKind, RedriveResult } from '../types.ts';
import { busy, clearMessage, showError, showInfo } from '../ui.ts';

const LABELS: Record<RedriveAction, string> = {
  republish: 'Republish its events to Kafka',
  redeliver: 'Redeliver (a failed record: the worker tries again)',
};

/**
 * A re-drive in two steps: a dry run (`dry_run: true`) shows exactly what would happen and records
 * nothing; only then is the confirm button offered, for that same action and reason. Changing
 * either withdraws it. `actions` are those the command API would accept (`redriveActions`);
 * `onDone` reloads the record, whose timeline then shows the re-drive event.
 */
export function redrivePanel(
  kind: RecordKind,
  id: string,
  actions: readonly RedriveAction[],
  revision: number,
  onDone: () => void,
): HTMLElement {
  const action = h('select', { name: 'action' }, ...actions.map((a) => h('option', { value: a }, LABELS[a])));
  const reason = h('textarea', { name: 'reason', rows: 2, maxlength: 1000, required: true });
  const dryRun = h('button', { type: 'submit' }, 'Dry run');
  const outcome = h('div', { class: 'redrive-outcome', 'aria-live': 'polite' });
  const form = h(
    'form',
    { 'aria-label': 'Re-drive' },
    h(
      'div',
      { class: 'row wrap' },
      field('Action', action),
      field('Reason', reason, 'Required: a ticket or incident and why. It is recorded with the event.'),
    ),
    dryRun,
  );
  const withdraw = () => replace(outcome);
  action.addEventListener('change', withdraw);
  reason.addEventListener('input', withdraw);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = formValue(form, 'action') as RedriveAction;
    const why = formValue(form, 'reason');
    if (why === '') {
      showError(new Error('A re-drive needs a reason.'));
      reason.focus();
      return;
    }
    void busy(dryRun, async () => {
      // Both steps on the revision the page shows: a record changed since (or a confirm sent twice) is a 412.
      const { body } = await command<SuccessEnvelope<RedriveResult>>(
        `${kind}/${id}/${chosen}`,
        { reason: why, dry_run: true },
        revision,
      );
      clearMessage();
      const confirm = h('button', { type: 'button', class: 'primary' }, `Confirm ${chosen}`);
      const cancel = h('button', { type: 'button', onclick: withdraw }, 'Cancel');
      confirm.addEventListener('click', () => {
        void busy(confirm, async () => {
          const done = await command<SuccessEnvelope<RedriveResult>>(
            `${kind}/${id}/${chosen}`,
            { reason: why },
            revision,
          );
          withdraw();
          reason.value = '';
          const replayId = done.body.data.replay?.replay_id;
          onDone();
          showInfo(`${done.body.data.effect}${replayId ? ` (replay id ${replayId})` : ''}`);
        });
      });
      replace(outcome, dryRunSummary(body.data), h('div', { class: 'row' }, confirm, cancel));
      confirm.focus();
    });
  });

  return h(
    'section',
    { id: 'redrive', 'aria-labelledby': 'redrive-title' },
    h('h2', { id: 'redrive-title' }, 'Re-drive'),
    form,
    outcome,
  );
}

function dryRunSummary(result: RedriveResult): HTMLElement {
  const events = result.replay?.events ?? [];
  return h(
    'div',
    { class: 'dry-run' },
    h('h3', {}, 'Dry run: nothing was recorded or sent'),
    h('p', { class: 'effect' }, result.effect),
    h('p', {}, `It records ${result.event.type} in the record’s history.`),
    events.length > 0 &&
      h(
        'details',
        { open: true },
        h('summary', {}, `${events.length} ${events.length === 1 ? 'event' : 'events'} the relay would send again`),
        h('ol', {}, ...events.map((e) => h('li', {}, `rev ${e.revision} · ${e.type} · event ${e.event_id}`))),
      ),
  );
}
