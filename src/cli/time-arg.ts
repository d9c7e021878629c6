import { parseDuration } from '../duration.ts';
import { UsageError } from './command.ts';

/** Reads a time option: an ISO date-time, or a duration meaning that long ago (`30m`, `2h`). */
export function timeArg(name: string, text: string, now = Date.now()): string {
  const ago = parseDuration(text);
  if (ago !== undefined) return new Date(now - ago).toISOString();
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw new UsageError(`--${name} must be an ISO date-time or a duration ago (e.g. 2h): ${text}`);
  return new Date(at).toISOString();
}
