import { type ParseArgsConfig, parseArgs } from 'node:util';
import { errorMessage } from '@publisher/coordination';
import { ConfigError } from '@publisher/platform/env';
import { type ApiClient, ApiError, apiClientOptions, createApiClient } from './api-client.ts';
import { type SupportCommand, UsageError } from './command.ts';
import { loadSupportCliConfig, type SupportCliConfig } from './config.ts';
import { createOutput, type OutputStreams } from './output.ts';

const COMMON_OPTIONS = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  token: { type: 'string' },
} satisfies ParseArgsConfig['options'];

export interface RunOptions extends OutputStreams {
  /** Read through `SUPPORT_CLI_VARIABLES`; a value a variable does not accept is bad usage. */
  env: NodeJS.ProcessEnv;
  /** Injected in tests; built from `env` and `--token` otherwise. */
  api?: ApiClient;
}

function overview(commands: readonly SupportCommand[]): string {
  const width = Math.max(0, ...commands.map((c) => c.name.length));
  const list = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return `usage: pnpm support <command> [options] [--json] [--token <jwt>]

The support CLI goes through the command and read APIs with your token (PUBLISHER_TOKEN or --token;
COMMAND_API_URL / READ_API_URL, default the local ports), so it follows the APIs' rules. Where no API
exists (the relay, dead letters, an account-wide republish) it works on the database or the broker;
each command's --help says what it needs.

commands:
${list}

pnpm support <command> --help   shows a command's options`;
}

/**
 * Runs `pnpm support …` and resolves the exit code: 0 done, 1 the API refused or failed, 2 bad usage
 * (including a variable set to a value it does not accept).
 * @example
 * process.exitCode = await runCli(process.argv.slice(2), commands, { stdout, stderr, env: process.env });
 */
export async function runCli(
  argv: string[],
  commands: readonly SupportCommand[],
  options: RunOptions,
): Promise<number> {
  const out = createOutput(options);
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    out.line(overview(commands));
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    out.note(`unknown command "${name}"\n\n${overview(commands)}`);
    return 2;
  }
  const usage = () => `usage: ${command.usage}`;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...COMMON_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
  } catch (err) {
    out.note(`${errorMessage(err)}\n${usage()}`);
    return 2;
  }
  // parseArgs keeps the last of a repeated option: `--account 2 --account 1` would quietly read account 1.
  const repeated = repeatedOption(parsed.tokens ?? []);
  if (repeated !== undefined) {
    out.note(`--${repeated} is given more than once\n${usage()}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out.line(usage());
    return 0;
  }
  let config: SupportCliConfig;
  try {
    config = loadSupportCliConfig(options.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    out.note(err.message);
    return 2;
  }
  const api = options.api ?? createApiClient(apiClientOptions(config, values.token as string | undefined));
  try {
    return await command.run({ positionals, values, json: values.json === true, out, api, config });
  } catch (err) {
    if (err instanceof UsageError) {
      out.note(`${err.message}\n${usage()}`);
      return 2;
    }
    if (err instanceof ApiError) {
      // The API's request id finds the request in its logs and in the audit search (`correlation_id`).
      if (values.json) {
        const { status, code, message: error, errors, requestId: request_id } = err;
        out.json({ success: false, status, code, error, errors, request_id });
        return 1;
      }
      out.note(`error: ${err.message} (${err.code}${err.status ? `, HTTP ${err.status}` : ''})`);
      if (err.errors) for (const [f, m] of Object.entries(err.errors)) out.note(`  ${f}: ${m.join('; ')}`);
      if (err.requestId) out.note(`  request_id: ${err.requestId}`);
      return 1;
    }
    throw err;
  }
}

/** The first option given twice, if any. */
function repeatedOption(tokens: NonNullable<ReturnType<typeof parseArgs>['tokens']>): string | undefined {
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    if (seen.has(token.name)) return token.name;
    seen.add(token.name);
  }
  return undefined;
}
