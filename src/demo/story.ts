import { formatDuration } from '../duration.ts';
import type { Config } from '../config.ts';

/** When things happen, as fractions of the demo's duration so that any length tells the whole story. */
export type Timeline = { recoverAtMs: number; stopPublishingAtMs: number; redeliverAtMs: number; redeliverLatestAtMs: number };

/** The demo's timeline for a run of `durationMs`. */
export function timeline(durationMs: number): Timeline {
  return {
    recoverAtMs: durationMs * 0.4,
    stopPublishingAtMs: durationMs * 0.8,
    redeliverAtMs: durationMs * 0.72,
    redeliverLatestAtMs: durationMs * 0.88,
  };
}

export type Phase = 'outage' | 'recovering' | 'redelivered';

/** What is going on, in words, for the line at the top of the view. */
export function narrate(phase: Phase, config: Pick<Config, 'retrySchedule' | 'breaker'>, publishing: boolean): string {
  const schedule = config.retrySchedule.map(formatDuration).join(', ');
  const { failures, openForMs, successes } = config.breaker;
  const tail = publishing ? '' : ' Publishing has stopped; the last deliveries finish.';
  switch (phase) {
    case 'outage':
      return `crm is DOWN. Each failed delivery is retried after ${schedule}, then dead-lettered. After ${failures} failures in a row crm's breaker OPENS: no requests for ${formatDuration(openForMs)}. billing is unaffected.${tail}`;
    case 'recovering':
      return `crm is back UP. Once the breaker has been open ${formatDuration(openForMs)} it lets one trial through (HALF-OPEN); ${successes} successes CLOSE it. Pending retries now succeed; exhausted ones wait in the dead letters.${tail}`;
    case 'redelivered':
      return `Bulk redelivery (POST /v1/dead-letters/redeliver): crm's dead letters are sent again, with the same webhook-id so the receiver can deduplicate.${tail}`;
  }
}
