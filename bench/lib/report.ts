/** Result rows (measure, the limit measured beside it, ratio, target, pass/fail) and the printed table. */
import { round } from './stats.ts';

export type Row = {
  scenario: string;
  measure: string;
  value: number;
  unit: string;
  /** The physical limit measured in the same run, when the scenario has one. */
  limit?: { label: string; value: number } | undefined;
  /** value / limit, when that ratio is what the target is about or is informative. */
  ratio?: number | undefined;
  target?: string | undefined;
  /** Undefined when the row has no target. */
  pass?: boolean | undefined;
};

export type ScenarioResult = { rows: Row[]; details: Record<string, unknown> };

/** Pass when every check holds; a check on a non-finite value fails. */
export function check(...conditions: boolean[]): boolean {
  return conditions.every(Boolean);
}

const format = (value: number, unit: string): string => {
  if (!Number.isFinite(value)) return '-';
  const digits = Math.abs(value) >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${unit}`.trim();
};

/** The table printed at the end of a run. */
export function renderTable(rows: readonly Row[]): string {
  const header = ['scenario', 'measure', 'value', 'limit beside it', 'ratio', 'target', 'result'];
  const lines = rows.map((row) => [
    row.scenario,
    row.measure,
    format(row.value, row.unit),
    row.limit ? `${row.limit.label} ${format(row.limit.value, row.unit)}` : '-',
    row.ratio === undefined ? '-' : `${(row.ratio * 100).toFixed(0)} %`,
    row.target ?? '-',
    row.pass === undefined ? '-' : row.pass ? 'pass' : 'FAIL',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => (line[column] ?? '').length)));
  const render = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [render(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...lines.map(render)].join('\n');
}

/** Rounds every non-integer number in a JSON document to 3 decimals. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isInteger(value) ? round(value, 3) : value;
}
