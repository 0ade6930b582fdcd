import { setFlagsFromString } from 'node:v8';

/** A V8 flag's name as node takes it: `--no-x=1` and `--x_y` name `x` and `x-y`. */
function flagName(arg: string): string {
  return arg
    .replace(/^--(no-)?/, '')
    .replace(/=.*$/, '')
    .replaceAll('_', '-');
}

/**
 * Sets a V8 flag as a service's default: one given to node (`node --heap-growing-percent=0 …`, or
 * in `NODE_OPTIONS`), in either form (`--x`, `--no-x`), wins, so V8's own behaviour stays one
 * argument away when measuring. Call it at start, before serving: V8 reads these flags as it runs.
 * @example
 * defaultV8Flag('--heap-growing-percent=100');
 */
export function defaultV8Flag(flag: string): void {
  const name = flagName(flag);
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  if (given.some((arg) => arg.startsWith('--') && flagName(arg) === name)) return;
  setFlagsFromString(flag);
}
