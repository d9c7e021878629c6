import { CONNECTION_HELP, CONNECTION_OPTIONS, clientFor, parse, printJson, UsageError, type Command, printedHelp } from './command.ts';
import { timeArg } from './time-arg.ts';

const HELP = `Usage:
  webhook-gateway redeliver <delivery-id>                       redeliver one delivery (any status)
  webhook-gateway redeliver --dead-letters --endpoint <id>      redeliver an endpoint's open dead letters
  webhook-gateway redeliver --dead-letters --id <id> [--id ...] redeliver these dead letters
  webhook-gateway redeliver --dead-letters --all                redeliver every open dead letter

A redelivery starts a new attempt series with the same webhook-id, so receivers still deduplicate.

Options:
  --dead-letters         work on dead letters instead of one delivery
  --endpoint <id>        only this endpoint's dead letters
  --id <id>              a dead letter id (repeatable)
  --since <time>         dead letters that failed at or after this time (ISO time, or a duration ago: 2h)
  --until <time>         ... and before this time
  --all                  no filter: every open dead letter (required when no other filter is given)

${CONNECTION_HELP}`;

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  'dead-letters': { type: 'boolean' },
  endpoint: { type: 'string' },
  id: { type: 'string', multiple: true },
  since: { type: 'string' },
  until: { type: 'string' },
  all: { type: 'boolean' },
} as const;

/** `redeliver <delivery-id>` or `redeliver --dead-letters ...`. */
export const redeliverCommand: Command = {
  name: 'redeliver',
  summary: 'redeliver a delivery, or dead letters in bulk',
  help: HELP,
  async run(args, context) {
    const { values, positionals } = parse(args, OPTIONS);
    if (printedHelp(values, HELP, context)) return 0;
    const api = clientFor(values, context.env);
    if (!values['dead-letters']) {
      const [deliveryId, extra] = positionals;
      if (deliveryId === undefined) throw new UsageError('give a delivery id, or --dead-letters with a filter');
      if (extra !== undefined) throw new UsageError(`unexpected argument: ${extra}`);
      if (values.endpoint || values.id || values.since || values.until || values.all)
        throw new UsageError('--endpoint, --id, --since, --until and --all go with --dead-letters');
      const result = await api.request<{ id: string; series: number }>('POST', `/v1/deliveries/${encodeURIComponent(deliveryId)}/redeliver`);
      if (values.json) printJson(context, result);
      else context.out(`redelivering ${result.id} (attempt series ${result.series})\n`);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]} (use --id for dead letter ids)`);
    const filter = {
      endpointId: values.endpoint,
      ids: values.id,
      since: values.since === undefined ? undefined : timeArg('since', values.since),
      until: values.until === undefined ? undefined : timeArg('until', values.until),
    };
    const filtered = Object.values(filter).some((value) => value !== undefined);
    if (!filtered && !values.all) throw new UsageError('--dead-letters needs --endpoint, --id, --since/--until, or --all');
    if (filtered && values.all) throw new UsageError('--all cannot be combined with a filter');
    const result = await api.request<{ count: number; skipped?: number }>('POST', '/v1/dead-letters/redeliver', { body: filter });
    if (values.json) printJson(context, result);
    else {
      const skipped = result.skipped ? `; ${result.skipped} skipped (their endpoint is disabled)` : '';
      context.out(`redelivering ${result.count} dead letter${result.count === 1 ? '' : 's'}${skipped}\n`);
    }
    return 0;
  },
};
