import { CONNECTION_HELP, CONNECTION_OPTIONS, clientFor, parse, printJson, table, UsageError, type Command, printedHelp } from './command.ts';
import { timeArg } from './time-arg.ts';

const HELP = `Usage: webhook-gateway dead-letters [options]

List dead letters: deliveries that failed every attempt (or were rejected permanently), newest first.

Options:
  --endpoint <id>     only this endpoint's
  --status <status>   open (default), redelivered, dismissed, all
  --since <time>      failed at or after (ISO time, or a duration ago: 2h)
  --limit <n>         at most n (default 100)

${CONNECTION_HELP}`;

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  endpoint: { type: 'string' },
  status: { type: 'string' },
  since: { type: 'string' },
  limit: { type: 'string' },
} as const;

type DeadLetter = { id: string; deliveryId: string; endpointId: string; eventType: string; attempts: number; reason: string; lastStatusCode: number | null; failedAt: string; status: string };

/** `dead-letters`: GET /v1/dead-letters as a table. */
export const deadLettersCommand: Command = {
  name: 'dead-letters',
  summary: 'list dead letters',
  help: HELP,
  async run(args, context) {
    const { values, positionals } = parse(args, OPTIONS);
    if (printedHelp(values, HELP, context)) return 0;
    if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
    const query = new URLSearchParams({ limit: values.limit ?? '100' });
    if (values.endpoint) query.set('endpointId', values.endpoint);
    if (values.status) query.set('status', values.status);
    if (values.since) query.set('since', timeArg('since', values.since));
    const page = await clientFor(values, context.env).request<{ data: DeadLetter[] }>('GET', `/v1/dead-letters?${query.toString()}`);
    if (values.json) printJson(context, page);
    else if (page.data.length === 0) context.out('no dead letters\n');
    else
      context.out(
        table(
          ['ID', 'DELIVERY', 'ENDPOINT', 'TYPE', 'ATTEMPTS', 'LAST', 'REASON', 'FAILED AT', 'STATUS'],
          page.data.map((d) => [d.id, d.deliveryId, d.endpointId, d.eventType, String(d.attempts), d.lastStatusCode === null ? '-' : String(d.lastStatusCode), d.reason, d.failedAt, d.status]),
        ),
      );
    return 0;
  },
};
