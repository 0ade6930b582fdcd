import { type CommandContext, type SupportCommand, UsageError } from '../command.ts';
import { actorOf, DIRECT_OPTIONS, openDatabase, openKafka, reasonOf, refusalsAsErrors } from '../direct-access.ts';
import { counted } from '../output.ts';

export const deadLetters: SupportCommand = {
  name: 'dead-letters',
  summary: 'list the publishing worker’s dead letters, and send them back to their topic',
  usage: `pnpm support dead-letters list [--topic <dead-letter topic>] [--waiting] [--json]
       pnpm support dead-letters redrive (--all | --offsets <partition:offset,…>) --reason <text>
                                         [--by <name>] [--topic <dead-letter topic>] [--dry-run] [--json]

Works on the broker (KAFKA_BROKERS, KAFKA_TOPIC_PREFIX) and the event store (DATABASE_URL, EVENT_STORE,
EVENTSTORE_URL), not through an API. The topic defaults to the worker's:
<prefix>publisher.publishing-records.v1.dlq.

list     every message in the dead-letter topic: partition:offset, why it was dead-lettered, its event
         id and type, and whether (by which re-drive) it was already sent back. --waiting: only those
         not sent back yet.
redrive  copies the messages (--all: every one not sent back yet) to the topic they came from, key and
         value untouched, and records the re-drive (who: --by, default $USER; why: --reason). A message
         is sent back once; --dry-run lists what would be sent and sends nothing.`,
  options: {
    ...DIRECT_OPTIONS,
    topic: { type: 'string' },
    waiting: { type: 'boolean', default: false },
    all: { type: 'boolean', default: false },
    offsets: { type: 'string' },
  },
  async run(ctx) {
    const [sub, ...rest] = ctx.positionals;
    if (rest.length > 0) throw new UsageError(`unexpected ${rest.join(' ')}`);
    if (sub === 'list') return list(ctx);
    if (sub === 'redrive') return redrive(ctx);
    throw new UsageError('say list or redrive');
  },
};

async function admin(ctx: CommandContext) {
  const { workerTopics } = await import('@publisher/publishing-worker');
  const topic = (typeof ctx.values.topic === 'string' && ctx.values.topic) || workerTopics(ctx.config).deadLetter;
  const kafka = await openKafka(ctx.config);
  const db = await openDatabase(ctx.config);
  return { topic, kafka, db };
}

async function list(ctx: CommandContext): Promise<number> {
  const { topic, kafka, db } = await admin(ctx);
  try {
    const { listDeadLetters } = await import('@publisher/publishing-worker');
    let bar: ReturnType<typeof ctx.out.progress> | null = null;
    const reader = { kafka, store: db.store, topic, actor: { user_id: 'list', role: 'support' as const } };
    const { letters } = await refusalsAsErrors(() =>
      listDeadLetters(reader, (read, total) => {
        bar ??= ctx.out.progress(total, `reading ${topic}`);
        bar.update(Math.min(read, total));
      }),
    ).finally(() => bar?.stop());
    const shown = ctx.values.waiting ? letters.filter((l) => l.redriven === null) : letters;
    for (const { message: _raw, ...l } of shown) {
      if (ctx.json) ctx.out.json(l);
      else {
        const state = l.redriven ? `re-driven ${l.redriven.at} (${l.redriven.redrive_id})` : 'waiting';
        ctx.out.line(
          `${l.partition}:${l.offset}\t${l.dlq_reason ?? '-'}\t${l.event_type ?? '-'}\t${l.event_id ?? '-'}\t${state}\t${l.error ?? ''}`,
        );
      }
    }
    if (!ctx.json) ctx.out.note(`${shown.length} of ${counted(letters.length, 'message')} in ${topic}`);
    return 0;
  } finally {
    await db.close();
  }
}

async function redrive(ctx: CommandContext): Promise<number> {
  const { values, config, out } = ctx;
  const reason = reasonOf(values);
  const offsets = typeof values.offsets === 'string' ? values.offsets.split(',').map((o) => o.trim()) : null;
  if ((offsets === null) === (values.all !== true)) throw new UsageError('say --all or --offsets <partition:offset,…>');
  if (offsets?.some((o) => !/^\d+:\d+$/.test(o)))
    throw new UsageError('--offsets takes partition:offset pairs, e.g. 0:4,2:11');
  const actor = actorOf(values, config);
  const { topic, kafka, db } = await admin(ctx);
  try {
    const { redriveDeadLetters } = await import('@publisher/publishing-worker');
    let bar: ReturnType<typeof out.progress> | null = null;
    const result = await refusalsAsErrors(() =>
      redriveDeadLetters(
        { kafka, store: db.store, topic, actor },
        {
          select: offsets,
          reason,
          dry_run: values['dry-run'] === true,
          progress: (done, total) => {
            bar ??= out.progress(total, 'sending back');
            bar.update(done);
          },
        },
      ),
    ).finally(() => bar?.stop());
    if (ctx.json) out.json(result);
    else {
      const n = result.messages.length;
      out.line(
        result.dry_run
          ? `DRY RUN: would send ${counted(n, 'message')} back to their topics; nothing was sent`
          : n === 0
            ? `nothing to send back: every message in ${topic} was re-driven already`
            : `sent ${counted(n, 'message')} back (re-drive ${result.redrive_id}); recorded as event ${result.event?.id}`,
      );
      for (const m of result.messages)
        out.line(`  ${m.partition}:${m.offset}\t→ ${m.source_topic}\t${m.event_id ?? '-'}`);
    }
    return 0;
  } finally {
    await db.close();
  }
}
