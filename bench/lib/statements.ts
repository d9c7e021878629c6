/**
 * Postgres time per statement, from pg_stat_statements, when the server loads it
 * (`shared_preload_libraries = 'pg_stat_statements'`): which statements a phase spent its time in.
 */
import type postgres from 'postgres';

/** Calls, time (planning + execution, ms) and rows of each statement, keyed by its text with whitespace collapsed. */
export type StatementTimes = Map<string, { calls: number; ms: number; rows: number }>;

/**
 * A reader of the statements run in `sql`'s database, or undefined when the server does not load
 * pg_stat_statements (found once: the extension is created and its view read here).
 */
export async function statementReader(sql: postgres.Sql): Promise<(() => Promise<StatementTimes>) | undefined> {
  const read = async (): Promise<StatementTimes> => {
    const rows = await sql<{ query: string; calls: number; ms: number; rows: number }[]>`
      select query, calls::float8 as calls, (total_exec_time + total_plan_time)::float8 as ms, rows::float8 as rows
      from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())`;
    return new Map(rows.map((row) => [row.query.replace(/\s+/g, ' ').trim(), row]));
  };
  try {
    // Asked first, so a server that does not load it gets no failing query (an ERROR in its log) per run.
    const [loaded] = await sql<{ loaded: boolean }[]>`
      select 'pg_stat_statements' = any(string_to_array(replace(current_setting('shared_preload_libraries'), ' ', ''), ',')) as loaded`;
    if (!loaded?.loaded) return undefined;
    await sql`create extension if not exists pg_stat_statements`;
    await read();
    return read;
  } catch {
    return undefined;
  }
}

/** The statements that took the most time between two readings: time and calls per event, rows per call. */
export function describeStatements(before: StatementTimes, after: StatementTimes, events: number, top = 4): string {
  const deltas = [...after]
    .map(([query, now]) => {
      const then = before.get(query) ?? { calls: 0, ms: 0, rows: 0 };
      return { query, calls: now.calls - then.calls, ms: now.ms - then.ms, rows: now.rows - then.rows };
    })
    .filter((delta) => delta.calls > 0 && !delta.query.includes('pg_stat_statements'));
  const totalUs = (deltas.reduce((sum, delta) => sum + delta.ms, 0) * 1000) / events;
  const largest = deltas
    .sort((a, b) => b.ms - a.ms)
    .slice(0, top)
    .map((delta) => `${((delta.ms * 1000) / events).toFixed(0)} us/event in ${(delta.calls / events).toFixed(2)} calls/event of ${(delta.rows / delta.calls).toFixed(1)} rows ("${delta.query.slice(0, 70)}...")`);
  return [`${totalUs.toFixed(0)} us per event in all`, ...largest].join('; ');
}
