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
 * Text as a terminal should get it: control characters other than newline and tab (an escape
 * sequence could move the cursor or recolour the screen) and bidirectional controls (U+202E would
 * show the rest of a line reversed) become U+FFFD. The text is the API's, and so partly anyone's:
 * a reason, an error message, a destination's answer.
 * @example
 * terminalSafe('INC-7 \u202Etxt.exe') // 'INC-7 \uFFFDtxt.exe'
 */
function terminalSafe(text: string): string {
  // `[^\P{Cc}\n\t]`: a control character other than newline and tab.
  return text.replace(/[^\P{Cc}\n\t]|\p{Bidi_Control}/gu, '\uFFFD');
}

/**
 * JSON on one line with the characters a terminal would act on written as `\uXXXX` escapes —
 * bidirectional controls, C1 controls, line and paragraph separators, which `JSON.stringify` leaves
 * as they are (it escapes only C0) — so `snapshot` and `--json` in a terminal cannot reorder what
 * is shown; a JSON reader gets the same value.
 * @example
 * terminalSafeJson({ reason: 'a\u202Eb' }) // '{"reason":"a\\u202eb"}'
 */
function terminalSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\p{Bidi_Control}\u0080-\u009F\u2028\u2029]/gu,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * @example
 * const out = createOutput({ stdout: process.stdout, stderr: process.stderr });
 * const bar = out.progress(1000, 'records'); bar.update(10); bar.stop();
 */
export function createOutput(streams: OutputStreams): Output {
  return {
    line: (text) => streams.stdout.write(`${terminalSafe(text)}\n`),
    json: (value) => streams.stdout.write(`${terminalSafeJson(value)}\n`),
    note: (text) => streams.stderr.write(`${terminalSafe(text)}\n`),
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
