const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a canonical UUID; ids that are not UUIDs are answered as not found without a query. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** A Postgres array literal of uuids (one text parameter, so a statement's shape does not depend on how many). */
export function uuidArray(ids: readonly string[]): string {
  return `{${ids.join(',')}}`;
}
