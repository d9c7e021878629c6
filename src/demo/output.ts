import type { DemoListener, DemoResult } from './scenario.ts';
import type { DemoReceiver } from './receivers.ts';
import { activityLine, frame, painter, tables, type ViewState } from './view.ts';

type Stream = { write(text: string): unknown; columns?: number; rows?: number };

const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';

/** The live view: a terminal screen redrawn in place, or (`plain`) a log of what happens, for pipes and CI. */
export function createOutput(out: Stream, options: { plain: boolean; color: boolean; durationMs: number }) {
  const paint = painter(options.color);
  const state: ViewState = { elapsedMs: 0, durationMs: options.durationMs, apiUrl: '', hint: '', story: '', receivers: [], snapshot: undefined, published: 0, activity: [] };
  let lastStory = '';
  let nextTablesAtMs = 0;
  const width = () => Math.max(60, out.columns ?? 120);
  const clip = (line: string) => (options.plain ? line : clipVisible(line, width()));

  const listener: DemoListener = {
    started(info) {
      state.apiUrl = info.apiUrl;
      state.receivers = info.receivers;
      state.hint = `GATEWAY_URL=${info.apiUrl} ADMIN_TOKEN=${info.token} npx webhook-gateway dead-letters`;
      const intro = [
        paint('1;36', 'webhook-gateway demo'),
        `A gateway (API + delivery workers) is running at ${info.apiUrl} on its own database; try, while it runs:`,
        `  ${state.hint}`,
        describeReceivers(info.receivers),
        '',
      ];
      if (options.plain) out.write(`${intro.join('\n')}\n`);
      else out.write(`${HIDE_CURSOR}\x1b[2J\x1b[H`);
    },
    tick(update) {
      state.elapsedMs = update.elapsedMs;
      state.story = update.story;
      state.published = update.published;
      state.snapshot = update.snapshot;
      state.activity.push(...update.activity);
      if (!options.plain) {
        const lines = frame(state, paint, out.rows ?? 40, width()).map(clip);
        out.write(`\x1b[H${lines.join('\x1b[K\n')}\x1b[K\n\x1b[J`);
        return;
      }
      if (update.story !== lastStory) {
        lastStory = update.story;
        out.write(`\n${paint('1', 'NOW')}  ${update.story}\n`);
      }
      if (update.elapsedMs >= nextTablesAtMs) {
        nextTablesAtMs = update.elapsedMs + options.durationMs / 4;
        out.write(`\n${tables(state, paint).join('\n')}\n\n${paint('1', 'ACTIVITY')}\n`);
      }
      for (const activity of update.activity) out.write(`  ${activityLine(activity, paint)}\n`);
    },
  };

  return {
    listener,
    /** Leaves the final tables and the summary on screen, and restores the cursor. */
    finish(result: DemoResult | undefined, error?: unknown) {
      if (!options.plain) out.write(SHOW_CURSOR);
      if (result === undefined) {
        out.write(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}\n`);
        return;
      }
      if (options.plain) out.write(`\n${tables(state, paint).join('\n')}\n`);
      out.write(`\n${summary(result, state.receivers, paint).join('\n')}\n`);
    },
    /** Restores the terminal after an interruption. */
    restore() {
      if (!options.plain) out.write(SHOW_CURSOR);
    },
  };
}

function describeReceivers(receivers: DemoReceiver[]): string {
  return receivers.map((receiver) => `  receiver ${receiver.name.padEnd(8)} ${receiver.url}  ${receiver.down ? '(starts DOWN, recovers later)' : '(healthy)'}`).join('\n');
}

function summary(result: DemoResult, receivers: DemoReceiver[], paint: (code: string, text: string) => string): string[] {
  const lines = [paint('1', `SUMMARY after ${(result.elapsedMs / 1000).toFixed(1)}s`), `  published ${result.published} events -> ${result.deliveries} deliveries`];
  let unfinished = 0;
  for (const endpoint of result.snapshot.endpoints) {
    unfinished += endpoint.retrying + endpoint.queued + endpoint.dead;
    lines.push(
      `  ${endpoint.name.padEnd(8)} ${endpoint.delivered} delivered (${endpoint.recovered} after retries or redelivery), ${endpoint.retrying + endpoint.queued} pending, ${endpoint.dead} dead`,
    );
  }
  const verified = receivers.reduce((sum, receiver) => sum + receiver.stats.verified, 0);
  const badSignatures = receivers.reduce((sum, receiver) => sum + receiver.stats.badSignature, 0);
  lines.push(`  bulk redelivery: ${result.redelivered} dead letters sent again; ${result.snapshot.deadLetters.open} still open`);
  lines.push(`  receivers verified ${verified} signatures (${badSignatures} bad)`);
  lines.push(
    unfinished === 0
      ? paint('32', '  Nothing was lost: every delivery reached its receiver despite the outage.')
      : paint('33', `  ${unfinished} deliveries were not finished when the demo ended (still retrying or dead): run longer with --duration.`),
  );
  return lines;
}

/** Cuts a line to `width` visible characters, keeping its colour codes. */
function clipVisible(line: string, width: number): string {
  let visible = 0;
  let result = '';
  for (let i = 0; i < line.length; i++) {
    const escape = /^\x1b\[[0-9;?]*[A-Za-z]/.exec(line.slice(i));
    if (escape) {
      result += escape[0];
      i += escape[0].length - 1;
      continue;
    }
    if (visible >= width) continue;
    result += line[i];
    visible += 1;
  }
  return result;
}

