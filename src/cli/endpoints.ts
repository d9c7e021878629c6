import { parseDuration } from '../duration.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, clientFor, parse, printJson, table, UsageError, type Command, printedHelp } from './command.ts';

type Endpoint = {
  id: string;
  url: string;
  description: string;
  eventTypes: string[];
  enabled: boolean;
  disabledReason: string | null;
  createdAt: string;
};
type Breaker = { state: string; failures: number; successes: number; openedAt: string | null; halfOpenAt: string | null };

const HELP = `Usage: webhook-gateway endpoints <action> [options]

Manage the endpoints webhooks are delivered to.

Actions:
  list                          list endpoints (oldest first)
  get <id>                      show one endpoint
  create <url>                  register an endpoint; prints its signing secret once
      --event-type <type>       event types it receives (repeatable; exact, "prefix.*" or "*"; default: all)
      --description <text>      a description
      --header <name:value>     a header sent with every delivery (repeatable)
  delete <id>                   delete an endpoint and its deliveries
  enable <id> | disable <id>    resume or pause deliveries to an endpoint
  rotate-secret <id>            issue a new signing secret
      --grace <duration>        how long the old secret keeps signing too (e.g. 1h; default 24h)
  breaker <id>                  show the endpoint's circuit breaker

${CONNECTION_HELP}

Examples:
  webhook-gateway endpoints create https://example.com/hooks --event-type 'order.*'
  webhook-gateway endpoints list --json`;

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  'event-type': { type: 'string', multiple: true },
  description: { type: 'string' },
  header: { type: 'string', multiple: true },
  grace: { type: 'string' },
  limit: { type: 'string' },
} as const;

/** `endpoints list|get|create|delete|enable|disable|rotate-secret|breaker`. */
export const endpointsCommand: Command = {
  name: 'endpoints',
  summary: 'list, create, delete endpoints; rotate secrets; show breakers',
  help: HELP,
  async run(args, context) {
    const { values, positionals } = parse(args, OPTIONS);
    if (printedHelp(values, HELP, context)) return 0;
    const [action, target, ...rest] = positionals;
    if (action === undefined) throw new UsageError('missing action (list, get, create, delete, enable, disable, rotate-secret, breaker)');
    if (rest.length > 0) throw new UsageError(`unexpected argument: ${rest[0]}`);
    const needTarget = (what: string): string => {
      if (target === undefined) throw new UsageError(`endpoints ${action} needs ${what}`);
      return target;
    };
    const api = clientFor(values, context.env);
    const show = (value: unknown, summary: () => string) => (values.json ? printJson(context, value) : context.out(summary()));

    switch (action) {
      case 'list': {
        if (target !== undefined) throw new UsageError(`unexpected argument: ${target}`);
        const limit = values.limit ?? '100';
        const page = await api.request<{ data: Endpoint[]; nextCursor: string | null }>('GET', `/v1/endpoints?limit=${encodeURIComponent(limit)}`);
        show(page, () =>
          page.data.length === 0
            ? 'no endpoints\n'
            : table(
                ['ID', 'URL', 'EVENT TYPES', 'ENABLED'],
                page.data.map((e) => [e.id, e.url, e.eventTypes.length ? e.eventTypes.join(',') : '*', e.enabled ? 'yes' : `no (${e.disabledReason ?? 'disabled'})`]),
              ),
        );
        return 0;
      }
      case 'get': {
        const endpoint = await api.request<Endpoint>('GET', `/v1/endpoints/${encodeURIComponent(needTarget('an endpoint id'))}`);
        printJson(context, endpoint);
        return 0;
      }
      case 'create': {
        const url = needTarget('a URL');
        const body = {
          url,
          eventTypes: values['event-type'],
          description: values.description,
          headers: values.header ? parseHeaders(values.header) : undefined,
        };
        const created = await api.request<Endpoint & { secret: string }>('POST', '/v1/endpoints', { body });
        show(created, () =>
          [
            `created endpoint ${created.id}`,
            `  url          ${created.url}`,
            `  event types  ${created.eventTypes.length ? created.eventTypes.join(', ') : '* (all)'}`,
            `  secret       ${created.secret}   (shown once: the receiver verifies signatures with it)`,
            '',
          ].join('\n'),
        );
        return 0;
      }
      case 'delete': {
        const id = needTarget('an endpoint id');
        await api.request('DELETE', `/v1/endpoints/${encodeURIComponent(id)}`);
        show({ id, deleted: true }, () => `deleted endpoint ${id}\n`);
        return 0;
      }
      case 'enable':
      case 'disable': {
        const id = needTarget('an endpoint id');
        const endpoint = await api.request<Endpoint>('PATCH', `/v1/endpoints/${encodeURIComponent(id)}`, { body: { enabled: action === 'enable' } });
        show(endpoint, () => `${action}d endpoint ${endpoint.id}\n`);
        return 0;
      }
      case 'rotate-secret': {
        const id = needTarget('an endpoint id');
        let body: { graceSeconds: number } | undefined;
        if (values.grace !== undefined) {
          const ms = parseDuration(values.grace);
          if (ms === undefined) throw new UsageError(`--grace is not a duration (e.g. 30m, 1h): ${values.grace}`);
          body = { graceSeconds: Math.round(ms / 1000) };
        }
        const result = await api.request<{ secret: string }>('POST', `/v1/endpoints/${encodeURIComponent(id)}/secret/rotate`, { body: body ?? {} });
        show(result, () => `new secret for ${id}: ${result.secret}\n(the previous secret keeps signing during the grace period)\n`);
        return 0;
      }
      case 'breaker': {
        const id = needTarget('an endpoint id');
        const breaker = await api.request<Breaker>('GET', `/v1/endpoints/${encodeURIComponent(id)}/breaker`);
        show(breaker, () => describeBreaker(breaker));
        return 0;
      }
      default:
        throw new UsageError(`unknown action: endpoints ${action}`);
    }
  },
};

function parseHeaders(items: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const item of items) {
    const at = item.indexOf(':');
    if (at <= 0) throw new UsageError(`--header must be name:value, got: ${item}`);
    headers[item.slice(0, at).trim()] = item.slice(at + 1).trim();
  }
  return headers;
}

function describeBreaker(breaker: Breaker): string {
  const lines = [`state      ${breaker.state}`, `failures   ${breaker.failures}`];
  if (breaker.state === 'half_open') lines.push(`successes  ${breaker.successes}`);
  if (breaker.openedAt) lines.push(`opened at  ${breaker.openedAt}`);
  if (breaker.halfOpenAt) lines.push(`next trial ${breaker.halfOpenAt}`);
  return `${lines.join('\n')}\n`;
}

