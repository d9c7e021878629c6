import { CONNECTION_HELP, CONNECTION_OPTIONS, clientFor, parse, printJson, UsageError, type Command, printedHelp } from './command.ts';

const HELP = `Usage: webhook-gateway publish <type> [payload] [options]

Publish an event: the gateway stores it with one delivery per subscribed endpoint and delivers them.

Arguments:
  <type>                       event type, e.g. order.created
  [payload]                    the payload as JSON (default {}); "-" reads it from standard input

Options:
  --idempotency-key <key>      publishing again with the same key returns the first event and sends nothing
  --correlation-id <id>        sent to receivers as X-Correlation-Id (generated when absent)

${CONNECTION_HELP}

Examples:
  webhook-gateway publish order.created '{"orderId": 1001, "total": 42.5}' --idempotency-key order-1001
  cat event.json | webhook-gateway publish order.paid -`;

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  'idempotency-key': { type: 'string' },
  'correlation-id': { type: 'string' },
} as const;

type Published = { id: string; type: string; correlationId: string; deliveries: number; createdAt: string };

/** `publish <type> [payload]`: POST /v1/events. */
export const publishCommand: Command = {
  name: 'publish',
  summary: 'publish an event (type + JSON payload)',
  help: HELP,
  async run(args, context) {
    const { values, positionals } = parse(args, OPTIONS);
    if (printedHelp(values, HELP, context)) return 0;
    const [type, payloadText, extra] = positionals;
    if (type === undefined) throw new UsageError('missing the event type');
    if (extra !== undefined) throw new UsageError(`unexpected argument: ${extra} (quote the JSON payload as one argument)`);
    const text = payloadText === '-' ? await context.readStdin() : (payloadText ?? '{}');
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`the payload is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    const api = clientFor(values, context.env);
    const answer = await api.exchange<Published>('POST', '/v1/events', {
      body: { type, payload, idempotencyKey: values['idempotency-key'], correlationId: values['correlation-id'] },
    });
    const event = answer.body;
    const replayed = answer.headers.get('idempotent-replayed') === 'true';
    if (values.json) printJson(context, event);
    else if (replayed) context.out(`already published as event ${event.id} (same idempotency key): nothing new sent\n`);
    else
      context.out(
        `published event ${event.id} (${event.type}) to ${event.deliveries} endpoint${event.deliveries === 1 ? '' : 's'}; correlation id ${event.correlationId}\n`,
      );
    return 0;
  },
};
