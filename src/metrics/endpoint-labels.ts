/** The label value shared by every endpoint beyond the cap. */
export const OTHER_ENDPOINTS = 'other';

/**
 * Bounds the `endpoint` label: the first `limit` endpoints this process sees keep their id as
 * label, every later one is counted as `other`. A counter's series can never move to another
 * label, so "first seen" (not "busiest") is what keeps each series consistent for the process's life.
 */
export function endpointLabeler(limit: number): (endpointId: string) => string {
  const named = new Set<string>();
  return (endpointId) => {
    if (named.has(endpointId)) return endpointId;
    if (named.size >= limit) return OTHER_ENDPOINTS;
    named.add(endpointId);
    return endpointId;
  };
}
