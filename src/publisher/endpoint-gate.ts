import type { Clock } from '../clock.ts';

/**
 * Per-endpoint concurrency inside one worker process: endpoints earn their share of the worker.
 *
 * BullMQ hands out jobs in queue order, whatever their endpoint, so without a limit an endpoint that
 * hangs until the timeout would soon hold every worker slot and stall everyone else. A *fast* endpoint
 * (recent requests answered within `slowAfterMs`, none in flight for longer) may use the whole
 * worker, which is what draining a backlog to one healthy receiver needs. A new or slow endpoint may
 * have at most `limit` requests in flight; a job beyond that is deferred (moved back to BullMQ's delayed
 * set, not counted as an attempt) until a slot is likely free: the endpoint's typical duration, or the
 * age of its oldest request in flight, at least `minDeferMs` and at most the attempt timeout.
 */
export type EndpointGate = {
  /** Takes a request slot for the endpoint, or says when to try again. */
  enter(endpointId: string): GateTicket;
  /** Requests in flight to the endpoint (for tests and metrics). */
  inFlight(endpointId: string): number;
};

export type GateTicket =
  /** `release(measured)`: frees the slot; `measured` false when no request went out (nothing to learn). */
  | { allowed: true; release(measured?: boolean): void }
  | { allowed: false; retryAt: number };

export type EndpointGateOptions = {
  clock: Clock;
  /** Requests in flight per new or slow endpoint. */
  limit: number;
  /** A request slower than this (or one still running after it) makes the endpoint slow. */
  slowAfterMs: number;
  /** The per-attempt timeout: no request holds a slot longer. */
  timeoutMs: number;
  minDeferMs?: number;
  /** Endpoints remembered; the least recently used idle ones are forgotten first. */
  maxTracked?: number;
  random?: () => number;
};

type EndpointLoad = {
  /** Start times of the requests in flight, oldest first (Map keeps insertion order). */
  running: Map<number, number>;
  /** Exponentially weighted mean duration of finished requests; undefined until the first. */
  typicalMs: number | undefined;
};

const WEIGHT = 0.2;

/** Creates the gate; see {@link EndpointGate}. */
export function createEndpointGate(options: EndpointGateOptions): EndpointGate {
  const { clock, limit, slowAfterMs, timeoutMs } = options;
  const minDeferMs = options.minDeferMs ?? 250;
  const maxTracked = options.maxTracked ?? 10_000;
  const random = options.random ?? Math.random;
  const loads = new Map<string, EndpointLoad>();
  let nextId = 0;

  function loadOf(endpointId: string): EndpointLoad {
    let load = loads.get(endpointId);
    if (load) {
      loads.delete(endpointId);
    } else {
      load = { running: new Map(), typicalMs: undefined };
      if (loads.size >= maxTracked) forgetIdle();
    }
    loads.set(endpointId, load);
    return load;
  }

  function forgetIdle(): void {
    for (const [id, load] of loads) {
      if (load.running.size === 0) loads.delete(id);
      if (loads.size < maxTracked) return;
    }
  }

  return {
    enter(endpointId) {
      const load = loadOf(endpointId);
      const now = clock.now();
      const oldestStart: number | undefined = load.running.values().next().value;
      const oldestAge = oldestStart === undefined ? 0 : now - oldestStart;
      const fast = load.typicalMs !== undefined && load.typicalMs < slowAfterMs && oldestAge < slowAfterMs;
      if (fast || load.running.size < limit) {
        const id = nextId++;
        load.running.set(id, now);
        let released = false;
        return {
          allowed: true,
          release(measured = true) {
            if (released) return;
            released = true;
            const started = load.running.get(id);
            load.running.delete(id);
            if (started === undefined || !measured) return;
            const duration = Math.max(0, clock.now() - started);
            load.typicalMs = load.typicalMs === undefined ? duration : load.typicalMs + WEIGHT * (duration - load.typicalMs);
          },
        };
      }
      const expected = Math.max(load.typicalMs ?? 0, oldestAge);
      const wait = Math.min(timeoutMs, Math.max(minDeferMs, expected));
      // Spread the deferred jobs so they do not all come back in the same instant.
      return { allowed: false, retryAt: now + Math.round(wait * (1 + 0.25 * random())) };
    },
    inFlight: (endpointId) => loads.get(endpointId)?.running.size ?? 0,
  };
}
