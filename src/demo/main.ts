/**
 * `npm run demo`: one minute that shows what the gateway does. A gateway runs in-process on its own
 * database (`webhooks_demo`, recreated) and queue prefix; two local receivers get events, one of them
 * down at first; a live view shows deliveries, retries, breaker state and dead letters, and the demo
 * ends with a bulk redelivery once the failing receiver has recovered, then cleans up.
 */
import { parseArgs } from 'node:util';
import { parseDuration } from '../duration.ts';
import { createOutput } from './output.ts';
import { DEMO_DEFAULTS, runDemo, type DemoResult } from './scenario.ts';

const HELP = `Usage: npm run demo -- [options]

Options:
  --duration <time>   how long the demo runs (default 60s; at least 5s)
  --rate <n>          events published per second (default 2)
  --database <name>   the database to (re)create and drop (default webhooks_demo; must contain "demo")
  --keep              keep the database afterwards, to look at it
  --plain             print a log instead of redrawing the screen (default when not a terminal)
  -h, --help          show this help

Environment: DATABASE_URL and REDIS_URL say where Postgres and Redis are (only the server of
DATABASE_URL is used). ${Object.entries(DEMO_DEFAULTS)
  .map(([name, value]) => `${name}=${value}`)
  .join(', ')} are the demo's defaults; set any of them to change the story's timing.`;

const OPTIONS = {
  duration: { type: 'string', default: '60s' },
  rate: { type: 'string', default: '2' },
  database: { type: 'string', default: 'webhooks_demo' },
  keep: { type: 'boolean', default: false },
  plain: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function readOptions(args: string[]) {
  try {
    return parseArgs({ args, options: OPTIONS }).values;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

async function main(): Promise<number> {
  const values = readOptions(process.argv.slice(2));
  if (values instanceof Error) {
    process.stderr.write(`${values.message}\n\n${HELP}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const durationMs = parseDuration(values.duration);
  const rate = Number(values.rate);
  const problems = [
    durationMs === undefined || durationMs < 5_000 ? `--duration must be a duration of at least 5s: ${values.duration}` : '',
    !Number.isFinite(rate) || rate <= 0 || rate > 200 ? `--rate must be a number of events per second (0 < rate <= 200): ${values.rate}` : '',
    /^[a-z0-9_]*demo[a-z0-9_]*$/.test(values.database) ? '' : `--database must be a plain name containing "demo" (it is dropped): ${values.database}`,
  ].filter(Boolean);
  if (problems.length > 0 || durationMs === undefined) {
    process.stderr.write(`${problems.join('\n')}\n`);
    return 2;
  }

  const plain = values.plain || !process.stdout.isTTY;
  const output = createOutput(process.stdout, { plain, color: !plain && !process.env.NO_COLOR, durationMs });
  const abort = new AbortController();
  const interrupt = () => abort.abort();
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  let result: DemoResult | undefined;
  try {
    result = await runDemo({ durationMs, eventsPerSecond: rate, database: values.database, keep: values.keep, env: process.env }, output.listener, abort.signal);
    output.finish(result);
    return 0;
  } catch (error) {
    output.finish(undefined, error);
    return 1;
  } finally {
    output.restore();
  }
}

process.exit(await main());
