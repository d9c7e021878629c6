import { appendFile } from 'node:fs/promises';
import type { DeadLetterRecord } from './delivery-store.ts';

/** Appends dead letters to a JSONL file; the table stays the source of truth. */
export type DeadLetterFile = { append(record: DeadLetterRecord): Promise<void> };

/**
 * Creates the append-only `dead-letter-queue.jsonl` mirror (one JSON object per line, written in
 * order). A write failure is reported to `onError` and never blocks deliveries.
 */
export function createDeadLetterFile(path: string, onError: (error: unknown) => void): DeadLetterFile {
  let tail: Promise<void> = Promise.resolve();
  return {
    append(record) {
      tail = tail.then(() => appendFile(path, `${JSON.stringify(record)}\n`, { encoding: 'utf8', mode: 0o600 })).catch(onError);
      return tail;
    },
  };
}
