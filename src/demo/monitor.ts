import type { ApiClient } from '../cli/index.ts';
import type { DeliveryView } from '../publisher/index.ts';

export type BreakerView = { state: 'closed' | 'open' | 'half_open'; failures: number; successes: number; halfOpenAt: string | null };
type Transition = { id: string; from: string; to: string; reason: string; at: string };

/** One endpoint as the live view shows it. */
export type EndpointStatus = {
  name: string;
  id: string;
  eventTypes: string[];
  breaker: BreakerView;
  delivered: number;
  /** Delivered only after a failed attempt or by a redelivery. */
  recovered: number;
  /** Pending, no attempt yet. */
  queued: number;
  /** Pending after at least one failed attempt. */
  retrying: number;
  dead: number;
};

export type ActivityKind = 'story' | 'failed' | 'skipped' | 'dead' | 'recovered' | 'breaker';
export type Activity = { atMs: number; kind: ActivityKind; text: string };

/** What the demo published, to name deliveries by their event. */
export type PublishedEvent = { seq: number; type: string };

export type Snapshot = { endpoints: EndpointStatus[]; deadLetters: { open: number; redelivered: number }; activity: Activity[] };

/**
 * Watches the gateway through its public API (deliveries, breakers, breaker transitions, dead
 * letters) and turns what changed since the previous look into activity lines.
 */
export function createMonitor(options: {
  api: ApiClient;
  endpoints: { name: string; id: string; eventTypes: string[] }[];
  events: Map<string, PublishedEvent>;
  startedAt: number;
  now?: () => number;
}) {
  const now = options.now ?? Date.now;
  const known = new Map<string, DeliveryView>();
  const seenTransitions = new Set<string>();

  const label = (name: string, delivery: DeliveryView) => {
    const event = options.events.get(delivery.eventId);
    return `${name.padEnd(8)} ${event ? `#${String(event.seq).padEnd(3)} ${event.type}` : delivery.eventId}`;
  };
  const inSeconds = (iso: string | null) => (iso === null ? '' : `${Math.max(0, Math.round((Date.parse(iso) - now()) / 100) / 10)}s`);
  const lastFailure = (delivery: DeliveryView) =>
    delivery.lastStatusCode !== null ? `HTTP ${delivery.lastStatusCode}` : isCircuitOpen(delivery) ? 'breaker open, not sent' : (delivery.lastError ?? 'error');

  function describe(name: string, delivery: DeliveryView, previous: DeliveryView | undefined): Omit<Activity, 'atMs'> | undefined {
    const unchanged =
      previous !== undefined && previous.attemptCount === delivery.attemptCount && previous.series === delivery.series && previous.status === delivery.status;
    if (unchanged) return undefined;
    const what = label(name, delivery);
    switch (delivery.status) {
      case 'succeeded':
        if (delivery.series > 1) return { kind: 'recovered', text: `${what}  delivered by redelivery (attempt series ${delivery.series})` };
        if (delivery.attemptCount > 1) return { kind: 'recovered', text: `${what}  delivered on attempt ${delivery.attemptCount}` };
        return undefined;
      case 'dead':
        return { kind: 'dead', text: `${what}  dead-lettered after ${delivery.attemptCount} attempts (last: ${lastFailure(delivery)})` };
      default:
        if (delivery.attemptCount === 0 || delivery.attemptCount === previous?.attemptCount) return undefined;
        if (isCircuitOpen(delivery))
          return { kind: 'skipped', text: `${what}  attempt ${delivery.attemptCount} skipped: breaker open; retry in ${inSeconds(delivery.nextAttemptAt)}` };
        return { kind: 'failed', text: `${what}  attempt ${delivery.attemptCount} failed: ${lastFailure(delivery)}; retry in ${inSeconds(delivery.nextAttemptAt)}` };
    }
  }

  async function endpointStatus(endpoint: { name: string; id: string; eventTypes: string[] }, activity: Activity[]): Promise<EndpointStatus> {
    const [deliveries, breaker, transitions] = await Promise.all([
      options.api.request<{ data: DeliveryView[] }>('GET', `/v1/deliveries?endpointId=${endpoint.id}&limit=1000`),
      options.api.request<BreakerView>('GET', `/v1/endpoints/${endpoint.id}/breaker`),
      options.api.request<{ data: Transition[] }>('GET', `/v1/endpoints/${endpoint.id}/breaker/transitions?limit=50`),
    ]);
    const status: EndpointStatus = { ...endpoint, breaker, delivered: 0, recovered: 0, queued: 0, retrying: 0, dead: 0 };
    for (const delivery of deliveries.data) {
      if (delivery.status === 'succeeded') {
        status.delivered += 1;
        if (delivery.series > 1 || delivery.attemptCount > 1) status.recovered += 1;
      } else if (delivery.status === 'dead') status.dead += 1;
      else if (delivery.status === 'failed' || delivery.attemptCount > 0) status.retrying += 1;
      else status.queued += 1;
      const line = describe(endpoint.name, delivery, known.get(delivery.id));
      if (line) activity.push({ atMs: Date.parse(delivery.updatedAt) - options.startedAt, ...line });
      known.set(delivery.id, delivery);
    }
    for (const transition of [...transitions.data].reverse()) {
      if (seenTransitions.has(transition.id)) continue;
      seenTransitions.add(transition.id);
      activity.push({ atMs: Date.parse(transition.at) - options.startedAt, kind: 'breaker', text: `${endpoint.name.padEnd(8)} ${explainTransition(transition, breaker)}` });
    }
    return status;
  }

  return {
    /** Reads the current state; `activity` holds only what happened since the previous call, oldest first. */
    async poll(): Promise<Snapshot> {
      const activity: Activity[] = [];
      const endpoints: EndpointStatus[] = [];
      for (const endpoint of options.endpoints) endpoints.push(await endpointStatus(endpoint, activity));
      const [open, redelivered] = await Promise.all(
        (['open', 'redelivered'] as const).map((status) =>
          options.api.request<{ data: unknown[] }>('GET', `/v1/dead-letters?status=${status}&limit=1000`).then((page) => page.data.length),
        ),
      );
      activity.sort((a, b) => a.atMs - b.atMs);
      return { endpoints, deadLetters: { open: open ?? 0, redelivered: redelivered ?? 0 }, activity };
    },
  };
}

function isCircuitOpen(delivery: DeliveryView): boolean {
  return delivery.lastStatusCode === null && (delivery.lastError ?? '').startsWith('circuit open');
}

function explainTransition(transition: Transition, breaker: BreakerView): string {
  switch (transition.reason) {
    case 'failure_threshold':
      return 'breaker OPENS after consecutive failures: no requests until a trial';
    case 'open_timeout':
      return 'breaker HALF-OPEN: one trial request at a time';
    case 'trial_failed':
      return 'breaker trial failed: OPEN again';
    case 'success_threshold':
      return 'breaker CLOSES: trial requests succeeded, traffic flows again';
    case 'manual_reset':
      return 'breaker reset by an operator';
    default:
      return `breaker ${transition.from} -> ${transition.to} (${transition.reason}; now ${breaker.state})`;
  }
}
