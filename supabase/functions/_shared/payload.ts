/** Reading the gateway's webhook body, `{id, type, timestamp, data}`, without trusting its shape. */

/** The body's event id, event type and `data`, each null when absent or not of the expected type. */
export function eventFields(payload: unknown): { eventId: string | null; eventType: string | null; data: unknown } {
  const body = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {};
  return {
    eventId: typeof body.id === 'string' ? body.id : null,
    eventType: typeof body.type === 'string' ? body.type : null,
    data: body.data ?? null,
  };
}
