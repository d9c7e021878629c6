import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createApiClient, type ApiClient } from './api-client.ts';

/** Where a command writes, and what it reads its defaults from (the process's environment, in the bin). */
export type CliContext = {
  env: Record<string, string | undefined>;
  out(text: string): void;
  err(text: string): void;
  /** Reads all of standard input (for `publish -`). */
  readStdin(): Promise<string>;
};

/** One subcommand: its help text and what it does; resolves with the exit code. */
export type Command = {
  name: string;
  summary: string;
  help: string;
  run(args: string[], context: CliContext): Promise<number>;
};

/** Misuse of the command line (exit code 2, with a pointer to `--help`). */
export class UsageError extends Error {
  override name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Options every API helper accepts. */
export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export const CONNECTION_HELP = `Connection:
  --url <url>      gateway API base URL (default: $GATEWAY_URL, else http://127.0.0.1:3000)
  --token <token>  bearer token (default: $ADMIN_TOKEN)
  --json           print the API's JSON answer instead of a summary
  -h, --help       show this help`;

/** Parses `args` strictly, turning node's parse errors into `UsageError`. */
export function parse<T extends Options>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** Prints `help` and answers true when `--help` was given (the command then exits 0). */
export function printedHelp(values: { help?: boolean | undefined }, help: string, context: CliContext): boolean {
  if (!values.help) return false;
  context.out(`${help}\n`);
  return true;
}

/** The API client for `--url`/`--token`, falling back to GATEWAY_URL and ADMIN_TOKEN. */
export function clientFor(values: { url?: string | undefined; token?: string | undefined }, env: CliContext['env']): ApiClient {
  const baseUrl = values.url ?? env.GATEWAY_URL ?? 'http://127.0.0.1:3000';
  try {
    new URL(baseUrl);
  } catch {
    throw new UsageError(`not a URL: ${baseUrl}`);
  }
  return createApiClient({ baseUrl, token: values.token ?? env.ADMIN_TOKEN });
}

/** Prints `value` as indented JSON. */
export function printJson(context: CliContext, value: unknown): void {
  context.out(`${JSON.stringify(value, null, 2)}\n`);
}

/** Formats rows as a left-aligned text table with a header line. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join('\n')}\n`;
}
