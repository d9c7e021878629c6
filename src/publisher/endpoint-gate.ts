import type { Clock } from '../clock.ts';

/**
 * Per-endpoint concurrency inside one worker process: endpoints earn their share of the worker.
 *
 * BullMQ hands out jobs in queue order, whatever their endpoint, so without a limit an endpoint that
 * hangs until the timeout would soon hold every worker slot and stall everyone else. A *fast*
 * endpoint may use the whole worker, which is what draining a backlog to one healthy receiver needs.
 * A *slow* one (its typical request, or one still running, takes longer than `slowAfterMs` and
 * several times the worker's typical request, so a worker that is merely overloaded does not throttle
 * everyone) may have `limit` requests in flight; a job beyond that is deferred (moved back to
 * BullMQ's delayed set, not an attempt) until a slot is likely free. A *new* endpoint may have
 * `limit` requests in flight while it proves itself; up to `limit` more jobs wait in this process until
 * it answers (then it is fast, or slow), and any others are deferred until its first requests can be
 * judged (at least `minDeferMs`).
 */
export type EndpointGate = {
  /** Takes a request slot for the endpoint, or says when to try again. */
  enter(endpointId: string): Promise<GateTicket>;
  /** Requests in flight to the endpoint (for tests and metrics). */
  inFlight(endpointId: string): number;
  /**
   * Worker slots held up by someone else's slowness, across endpoints: requests running longer than
   * the slow threshold, requests to a new endpoint (nothing answered yet) running several times longer
   * than the worker's typical request, and jobs waiting for a new endpoint's first answers. The
   * worker adds as many slots, so healthy endpoints keep their share.
   */
  stuck(): number;
};

export type GateTicket =
  /** `release(measured)`: frees the slot; `measured` false when no request went out (nothing to learn). */
  | { allowed: true; release(measured?: boolean): void }
  | { allowed: false; retryAt: number };

export type EndpointGateOptions = {
  clock: Clock;
  /** Requests in flight per new or slow endpoint. */
  limit: number;
  /** Requests (typical, or running) slower than this may make an endpoint slow. */
  slowAfterMs: number;
  /** The per-attempt timeout: no request holds a slot longer. */
  timeoutMs: number;
  minDeferMs?: number;
  /** Endpoints remembered; idle ones are forgotten first. */
  maxTracked?: number;
  random?: () => number;
};

type Waiter = (ticket: GateTicket) => void;

type EndpointLoad = {
  /** Start times of the requests in flight, oldest first (Map keeps insertion order). */
  running: Map<number, number>;
  /** Exponentially weighted mean duration of finished requests; undefined until the first. */
  typicalMs: number | undefined;
  waiting: Waiter[];
  timer: ReturnType<typeof setTimeout> | undefined;
};

const WEIGHT = 0.2;
const OVERALL_WEIGHT = 0.05;
/** How many times slower than the worker's typical request a slow endpoint is. */
const SLOW_FACTOR = 4;
/** The least age at which a request to a new endpoint counts as holding a slot up (see `stuck`). */
const MIN_STUCK_MS = 100;

/** Creates the gate; see {@link EndpointGate}. */
export function createEndpointGate(options: EndpointGateOptions): EndpointGate {
  const { clock, limit, slowAfterMs, timeoutMs } = options;
  const minDeferMs = options.minDeferMs ?? 250;
  const maxTracked = options.maxTracked ?? 10_000;
  const random = options.random ?? Math.random;
  const loads = new Map<string, EndpointLoad>();
  let overallMs: number | undefined;
  let nextId = 0;

  function loadOf(endpointId: string): EndpointLoad {
    let load = loads.get(endpointId);
    if (load) {
      loads.delete(endpointId);
    } else {
      load = { running: new Map(), typicalMs: undefined, waiting: [], timer: undefined };
      if (loads.size >= maxTracked) forgetIdle();
    }
    loads.set(endpointId, load);
    return load;
  }

  function forgetIdle(): void {
    for (const [id, load] of loads) {
      if (load.running.size === 0 && load.waiting.length === 0) loads.delete(id);
      if (loads.size < maxTracked) return;
    }
  }

  const threshold = () => Math.max(slowAfterMs, SLOW_FACTOR * (overallMs ?? 0));
  /** A request to a new endpoint running this long holds a slot a typical request would have freed several times over. */
  const stuckAfter = () => (overallMs === undefined ? slowAfterMs : Math.min(threshold(), Math.max(MIN_STUCK_MS, SLOW_FACTOR * overallMs)));

  function oldestAge(load: EndpointLoad, now: number): number {
    const oldest: number | undefined = load.running.values().next().value;
    return oldest === undefined ? 0 : now - oldest;
  }

  /** What to do with a request for this endpoint now: admit, defer, or wait (new endpoint at its limit). */
  function decide(load: EndpointLoad): GateTicket | 'wait' {
    const now = clock.now();
    const age = oldestAge(load, now);
    const slow = (load.typicalMs !== undefined && load.typicalMs >= threshold()) || age >= threshold();
    if ((load.typicalMs !== undefined && !slow) || load.running.size < limit) return admit(load, now);
    if (!slow) return 'wait';
    // A slot is likely free after a typical request; if none has finished yet, not before the oldest
    // one times out.
    const expected = load.typicalMs === undefined ? timeoutMs - age : Math.max(load.typicalMs, age);
    const wait = Math.min(timeoutMs, Math.max(minDeferMs, expected));
    // Spread the deferred jobs so they do not all come back in the same instant.
    return { allowed: false, retryAt: now + Math.round(wait * (1 + 0.25 * random())) };
  }

  function admit(load: EndpointLoad, now: number): GateTicket {
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
        if (started !== undefined && measured) {
          const duration = Math.max(0, clock.now() - started);
          load.typicalMs = load.typicalMs === undefined ? duration : load.typicalMs + WEIGHT * (duration - load.typicalMs);
          overallMs = overallMs === undefined ? duration : overallMs + OVERALL_WEIGHT * (duration - overallMs);
        }
        settle(load);
      },
    };
  }

  /** Hands slots to waiting jobs, or defers them once the endpoint shows it is slow. */
  function settle(load: EndpointLoad): void {
    while (load.waiting.length > 0) {
      const decision = decide(load);
      if (decision === 'wait') break;
      load.waiting.shift()?.(decision);
    }
    if (load.timer !== undefined) clearTimeout(load.timer);
    load.timer = undefined;
    if (load.waiting.length > 0) {
      // Nothing may finish for a while: look again when the oldest request turns slow.
      const due = Math.max(1, threshold() - oldestAge(load, clock.now()));
      load.timer = setTimeout(() => settle(load), due);
      load.timer.unref?.();
    }
  }

  return {
    async enter(endpointId) {
      const load = loadOf(endpointId);
      const decision = decide(load);
      if (decision !== 'wait') return decision;
      // At most `limit` jobs wait per new endpoint, so one that turns out to hang holds few slots
      // meanwhile. The others come back when its first requests can be judged (fast, or slow), not
      // sooner: a new endpoint that hangs would otherwise cycle them through Redis every `minDeferMs`.
      if (load.waiting.length >= limit) {
        const now = clock.now();
        const judged = Math.max(minDeferMs, threshold() - oldestAge(load, now));
        return { allowed: false, retryAt: now + Math.round(judged * (1 + 0.25 * random())) };
      }
      return new Promise<GateTicket>((resolve) => {
        load.waiting.push(resolve);
        settle(load);
      });
    },
    inFlight: (endpointId) => loads.get(endpointId)?.running.size ?? 0,
    stuck() {
      const now = clock.now();
      const slowAge = threshold();
      const newAge = stuckAfter();
      let count = 0;
      for (const load of loads.values()) {
        count += load.waiting.length;
        // An endpoint that has answered before holds slots up once its requests are slow (as the
        // gate judges them); one that never answered, as soon as they run well past a typical request.
        const limitAge = load.typicalMs === undefined ? newAge : slowAge;
        for (const started of load.running.values()) {
          if (now - started < limitAge) break;
          count++;
        }
      }
      return count;
    },
  };
}
