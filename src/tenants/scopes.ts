/** What a token may do. `admin` implies every other scope within its tenant. */
export const API_SCOPES = ['events:publish', 'endpoints:manage', 'deliveries:read', 'deliveries:redeliver', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** Whether a token with `granted` may act with `needed`. */
export function allows(granted: readonly ApiScope[], needed: ApiScope): boolean {
  return granted.includes('admin') || granted.includes(needed);
}
