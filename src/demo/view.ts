import type { Activity, ActivityKind, EndpointStatus, Snapshot } from './monitor.ts';
import type { DemoReceiver } from './receivers.ts';

/** Everything the live view shows. */
export type ViewState = {
  elapsedMs: number;
  durationMs: number;
  apiUrl: string;
  /** A command to try against the running gateway. */
  hint: string;
  story: string;
  receivers: DemoReceiver[];
  snapshot: Snapshot | undefined;
  published: number;
  activity: Activity[];
};

type Paint = (code: string, text: string) => string;

const ICONS: Record<ActivityKind, string> = { story: '»', failed: '✗', skipped: '⏸', dead: '☠', recovered: '✓', breaker: '⚡' };
const KIND_COLOR: Record<ActivityKind, string> = { story: '1;36', failed: '31', skipped: '2;33', dead: '1;31', recovered: '32', breaker: '1;35' };

/** ANSI colouring, or none (`NO_COLOR`, or output that is not a terminal). */
export function painter(enabled: boolean): Paint {
  return enabled ? (code, text) => `\x1b[${code}m${text}\x1b[0m` : (_code, text) => text;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** One activity line: time, icon, text. */
export function activityLine(activity: Activity, paint: Paint): string {
  const time = seconds(Math.max(0, activity.atMs)).padStart(6);
  return `${paint('2', time)}  ${paint(KIND_COLOR[activity.kind], `${ICONS[activity.kind]} ${activity.text}`)}`;
}

function breakerCell(endpoint: EndpointStatus, paint: Paint, nowMs: number): string {
  const { state, halfOpenAt } = endpoint.breaker;
  if (state === 'closed') return paint('32', 'closed'.padEnd(22));
  if (state === 'half_open') return paint('33', 'HALF-OPEN (trial)'.padEnd(22));
  const wait = halfOpenAt === null ? '' : ` (trial in ${Math.max(0, Math.ceil((Date.parse(halfOpenAt) - nowMs) / 1000))}s)`;
  return paint('1;31', `OPEN${wait}`.padEnd(22));
}

/** The receivers and endpoints tables. */
export function tables(state: Pick<ViewState, 'receivers' | 'snapshot'>, paint: Paint, nowMs = Date.now()): string[] {
  const lines = [paint('1', 'RECEIVERS (your customers\' servers)')];
  for (const receiver of state.receivers) {
    const health = receiver.down ? paint('1;31', 'DOWN: answers 503'.padEnd(20)) : paint('32', 'UP: verifies, 200'.padEnd(20));
    const { received, verified } = receiver.stats;
    lines.push(`  ${receiver.name.padEnd(8)} ${health} requests ${String(received).padStart(4)}   signatures verified ${String(verified).padStart(4)}`);
  }
  lines.push('', paint('1', `ENDPOINTS  ${'subscribed to'.padEnd(26)} ${'breaker'.padEnd(22)} delivered  retrying  dead`));
  for (const endpoint of state.snapshot?.endpoints ?? []) {
    const recovered = endpoint.recovered > 0 ? paint('2', ` (${endpoint.recovered} after a retry or redelivery)`) : '';
    lines.push(
      `  ${endpoint.name.padEnd(8)} ${endpoint.eventTypes.join(', ').padEnd(26)} ${breakerCell(endpoint, paint, nowMs)} ${paint('32', String(endpoint.delivered).padStart(9))}  ${paint(endpoint.retrying ? '33' : '2', String(endpoint.retrying).padStart(8))}  ${paint(endpoint.dead ? '1;31' : '2', String(endpoint.dead).padStart(4))}${recovered}`,
    );
  }
  return lines;
}

/** The whole screen, for redrawing in a terminal. */
export function frame(state: ViewState, paint: Paint, rows: number, columns: number): string[] {
  const dead = state.snapshot?.deadLetters ?? { open: 0, redelivered: 0 };
  const story = wrap(state.story, columns - 6);
  const lines = [
    `${paint('1;36', 'webhook-gateway demo')}  ${seconds(Math.min(state.elapsedMs, state.durationMs))} / ${seconds(state.durationMs)}   API ${state.apiUrl}`,
    paint('2', `try: ${state.hint}`),
    ...story.map((line, i) => `${i === 0 ? paint('1', 'NOW') : '   '}  ${line}`),
    '',
    ...tables(state, paint),
    '',
    `${paint('1', 'EVENTS')}  published ${state.published}   ${paint('1', 'DEAD LETTERS')}  ${paint(dead.open ? '1;31' : '2', `${dead.open} open`)}, ${dead.redelivered} redelivered`,
    '',
    paint('1', 'ACTIVITY') + paint('2', '  (first-attempt successes are only counted above)'),
  ];
  const room = Math.max(3, rows - lines.length - 1);
  return [...lines, ...state.activity.slice(-room).map((activity) => `  ${activityLine(activity, paint)}`)];
}

/** Splits `text` into lines of at most `width` characters, at spaces. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
