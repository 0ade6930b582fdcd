import cliProgress from 'cli-progress';

/** Where a command writes: results to stdout, messages and progress to stderr. */
export interface Output {
  /** A result line (or, with --json, one JSON document / JSON line). */
  line(text: string): void;
  /** A JSON value on one line (the --json form). */
  json(value: unknown): void;
  /** A message for the person at the terminal (stderr). */
  note(text: string): void;
  /** A progress bar on a terminal, a line every few seconds otherwise (stderr). */
  progress(total: number, label: string): Progress;
}

interface Progress {
  update(done: number): void;
  stop(): void;
}

export interface OutputStreams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * A count with its noun, singular for one.
 * @example
 * counted(1, 'event') // '1 event'
 * counted(7, 'event') // '7 events'
 */
export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * @example
 * const out = createOutput({ stdout: process.stdout, stderr: process.stderr });
 * const bar = out.progress(1000, 'records'); bar.update(10); bar.stop();
 */
export function createOutput(streams: OutputStreams): Output {
  return {
    line: (text) => streams.stdout.write(`${text}\n`),
    json: (value) => streams.stdout.write(`${JSON.stringify(value)}\n`),
    note: (text) => streams.stderr.write(`${text}\n`),
    progress(total, label) {
      if (streams.stderr.isTTY) {
        const bar = new cliProgress.SingleBar(
          { stream: streams.stderr, format: `${label} [{bar}] {value}/{total} {percentage}% eta {eta_formatted}` },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0);
        return { update: (done) => bar.update(done), stop: () => bar.stop() };
      }
      let last = 0;
      return {
        update(done) {
          const now = Date.now();
          if (now - last < 5000 && done < total) return;
          last = now;
          streams.stderr.write(`${label}: ${done}/${total}\n`);
        },
        stop() {},
      };
    },
  };
}
