import { describe, expect, it } from 'vitest';
import { describeStatements, type StatementTimes } from '../bench/lib/statements.ts';

const times = (entries: [string, number, number, number][]): StatementTimes => new Map(entries.map(([query, calls, ms, rows]) => [query, { calls, ms, rows }]));

describe('per-statement Postgres times (bench/lib/statements.ts)', () => {
  it('gives the time between two readings per event, largest first, with calls per event and rows per call', () => {
    const before = times([
      ['update deliveries', 10, 20, 100],
      ['insert into events', 5, 4, 5],
    ]);
    const after = times([
      ['update deliveries', 110, 220, 1_100],
      ['insert into events', 505, 154, 1_005],
      ['select 1', 1_000, 1, 1_000],
    ]);
    // 1,000 events: 200 ms, 150 ms and 1 ms of statements (351 us per event); the recording's 100 calls wrote 10 rows each.
    expect(describeStatements(before, after, 1_000, 2)).toBe(
      '351 us per event in all; 200 us/event in 0.10 calls/event of 10.0 rows ("update deliveries..."); 150 us/event in 0.50 calls/event of 2.0 rows ("insert into events...")',
    );
  });

  it('leaves out statements not run between the readings and its own reads of pg_stat_statements', () => {
    const before = times([['update deliveries', 10, 20, 100]]);
    const after = times([
      ['update deliveries', 10, 20, 100],
      ['select query, calls from pg_stat_statements', 2, 5, 40],
    ]);
    expect(describeStatements(before, after, 100)).toBe('0 us per event in all');
  });
});
