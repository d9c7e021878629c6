/**
 * The `webhook-gateway` command line. Process roles (`start`, `api`, `worker`, `migrate`) run the
 * gateway itself; the helpers (`endpoints`, `publish`, `redeliver`, `dead-letters`) are thin clients
 * of the HTTP API, so they work against any deployment given `--url`/`--token` (or GATEWAY_URL and
 * ADMIN_TOKEN). Exit codes: 0 done, 1 the gateway refused or could not be reached, 2 bad usage.
 */
import { ApiError } from './api-client.ts';
import { UsageError, type CliContext, type Command } from './command.ts';
import { deadLettersCommand } from './dead-letters.ts';
import { endpointsCommand } from './endpoints.ts';
import { publishCommand } from './publish.ts';
import { redeliverCommand } from './redeliver.ts';
import { serveCommands } from './serve.ts';

export { ApiError, createApiClient, type ApiClient } from './api-client.ts';
export type { CliContext, Command } from './command.ts';
export { runRole, type ServeRole } from './serve.ts';

const COMMANDS: Command[] = [...serveCommands, endpointsCommand, publishCommand, redeliverCommand, deadLettersCommand];

function mainHelp(commands: Command[]): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return `Usage: webhook-gateway <command> [options]

Webhook delivery gateway: publish events, and it signs and delivers them to endpoints with retries,
a circuit breaker per endpoint, dead letters and redelivery.

Commands:
${commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n')}

Run "webhook-gateway <command> --help" for a command's options.`;
}

/**
 * Runs the command line `argv` (without node and script); resolves with the exit code.
 * @example process.exit(await runCli(process.argv.slice(2), { env: process.env, out, err, readStdin }));
 */
export async function runCli(argv: string[], context: CliContext, extra: Command[] = []): Promise<number> {
  const commands = [...COMMANDS, ...extra];
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? commands.find((command) => command.name === rest[0]) : undefined;
    context.out(`${topic ? topic.help : mainHelp(commands)}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (!command) {
    context.err(`webhook-gateway: unknown command "${name}"\n\n${mainHelp(commands)}\n`);
    return 2;
  }
  try {
    return await command.run(rest, context);
  } catch (error) {
    if (error instanceof UsageError) {
      context.err(`webhook-gateway ${name}: ${error.message}\nRun "webhook-gateway ${name} --help" for usage.\n`);
      return 2;
    }
    if (error instanceof ApiError) {
      const status = error.status === 0 ? '' : ` (HTTP ${error.status})`;
      context.err(`error: ${error.code}${status}: ${error.message}\n`);
      return 1;
    }
    context.err(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
