/**
 * `pnpm projector:rebuild`: rebuilds the read models from the whole event log while the old ones
 * keep serving, then swaps them in. A progress bar on a terminal, a log line every few seconds
 * otherwise. Settings: the projector's store and logging variables and `REBUILD_VARIABLES` below (the
 * README's Configuration table lists them with their defaults).
 */
import { openEventStore } from '@publisher/event-store';
import { changedSettings, envVar, readEnv } from '@publisher/platform/env';
import { loggerOptions } from '@publisher/platform/logger';
import { runTool } from '@publisher/telemetry';
import cliProgress from 'cli-progress';
import { pino } from 'pino';
import { loadProjectorConfig, PROJECTOR_VARIABLES } from './config.ts';
import { eventStoreOptions } from './main.ts';
import {
  DEFAULT_MAX_ROWS,
  DEFAULT_MAX_TRANSACTION_MS,
  DEFAULT_REPLAY_THREADS,
  type RebuildProgress,
  type RebuildResult,
  rebuildReadModels,
} from './rebuild.ts';

/** A progress reporter: a bar when `tty`, otherwise `log` every `intervalMs`. */
function progressReporter(tty: boolean, log: (p: RebuildProgress, rate: number) => void, intervalMs = 5000) {
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          format: ' {phase} |{bar}| {percentage}% | {value}/{total} events | {rate} ev/s | ETA {eta_formatted}',
          hideCursor: true,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let started = false;
  let lastLog = 0;
  const rate = (p: RebuildProgress) => (p.elapsed_ms > 0 ? Math.round((p.events / p.elapsed_ms) * 1000) : 0);
  return {
    update(p: RebuildProgress) {
      const total = Math.max(p.estimated_total ?? p.events, p.events, 1);
      if (bar) {
        if (!started) bar.start(total, 0, { phase: p.phase, rate: 0 });
        started = true;
        bar.setTotal(total);
        bar.update(p.events, { phase: p.phase.padEnd(11), rate: rate(p) });
      } else if (Date.now() - lastLog >= intervalMs || p.phase === 'done' || p.phase === 'indexing') {
        lastLog = Date.now();
        log(p, rate(p));
      }
    },
    stop() {
      bar?.stop();
    },
  };
}

/** The rebuild's own variables, beyond the projector's (README "Configuration", "Rebuild"). */
export const REBUILD_VARIABLES = {
  PROJECTOR_REBUILD_BATCH_SIZE: envVar.integer(5000, 1, 100_000),
  PROJECTOR_REBUILD_MAX_TRANSACTION_MS: envVar.integer(DEFAULT_MAX_TRANSACTION_MS, 0, 3_600_000),
  PROJECTOR_REBUILD_MAX_ROWS: envVar.integer(DEFAULT_MAX_ROWS, 1, 100_000_000),
  PROJECTOR_REBUILD_THREADS: envVar.integer(DEFAULT_REPLAY_THREADS, 1, 64),
};

export async function runRebuild(env: NodeJS.ProcessEnv = process.env): Promise<RebuildResult> {
  const config = loadProjectorConfig({ ...env, STATUS_ENABLED: 'false' });
  const logger = pino(loggerOptions(config, 'projector-rebuild'));
  const {
    PROJECTOR_REBUILD_BATCH_SIZE: batchSize,
    PROJECTOR_REBUILD_MAX_TRANSACTION_MS: maxTransactionMs,
    PROJECTOR_REBUILD_MAX_ROWS: maxRows,
    PROJECTOR_REBUILD_THREADS: replayThreads,
  } = readEnv(REBUILD_VARIABLES, env);
  logger.info({ config: changedSettings({ ...PROJECTOR_VARIABLES, ...REBUILD_VARIABLES }, env) }, 'configuration');
  const store = await openEventStore(config.eventStore, eventStoreOptions(config, logger));
  const reporter = progressReporter(process.stderr.isTTY === true, (p, rate) =>
    logger.info(
      {
        phase: p.phase,
        events: p.events,
        estimated_total: p.estimated_total,
        events_per_second: rate,
        position: p.position,
      },
      'rebuild progress',
    ),
  );
  try {
    const result = await rebuildReadModels({
      store,
      connectionString: config.databaseUrl,
      logger,
      batchSize,
      maxTransactionMs,
      maxRows,
      replayThreads,
      positionsCountEvents: config.eventStore.kind === 'postgres',
      onProgress: (p) => reporter.update(p),
    });
    reporter.stop();
    logger.info(result, 'rebuild done: the new read models are live');
    return result;
  } finally {
    reporter.stop();
    await store.close();
  }
}

runTool(import.meta.url, 'projector:rebuild', () => runRebuild());
