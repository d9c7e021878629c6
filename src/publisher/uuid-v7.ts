/**
 * A time-ordered UUID (RFC 9562 version 7), generated in the app where an id must be known before
 * the insert (to match the rows of a multi-row insert to their requests). Same layout as the
 * database's `uuid_v7()`: 48-bit Unix milliseconds, version 7, variant 10, random bits.
 */
export function uuidV7(now = Date.now()): string {
  // randomUUID is the cheapest source of random bits (the runtime draws entropy in bulk); its v4
  // layout already has the 10 variant, so only the timestamp and the version digit change.
  const random = crypto.randomUUID();
  const time = Math.max(0, Math.floor(now)).toString(16).padStart(12, '0').slice(-12);
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}
