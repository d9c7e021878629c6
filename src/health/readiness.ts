/** What `/readyz` reports: each dependency's check, and why the failed ones failed. */
export type Readiness = { checks: Record<string, boolean>; errors: Record<string, string> };

/** A readiness check: plain booleans per dependency, or a full report with error messages. */
export type ReadinessCheck = () => Promise<Record<string, boolean> | Readiness>;

/** One probe: resolves `true` (or anything but `false`) when its dependency answers. */
export type Probe = () => Promise<unknown>;

/**
 * Runs every probe concurrently, each bounded by `timeoutMs` (a dependency that hangs, such as a
 * blackholed Postgres host, fails its check instead of hanging `/readyz`).
 */
export function createReadinessCheck(probes: Record<string, Probe>, timeoutMs = 2_000): () => Promise<Readiness> {
  return async () => {
    const results = await Promise.all(Object.entries(probes).map(async ([name, probe]) => [name, await settle(probe, timeoutMs)] as const));
    const checks: Record<string, boolean> = {};
    const errors: Record<string, string> = {};
    for (const [name, error] of results) {
      checks[name] = error === undefined;
      if (error !== undefined) errors[name] = error;
    }
    return { checks, errors };
  };
}

/** Undefined when the probe succeeded, else the reason it failed. */
async function settle(probe: Probe, timeoutMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
  });
  const answered = probe().then(
    (value) => (value === false ? 'check failed' : undefined),
    (error: unknown) => (error instanceof Error ? error.message || error.name : String(error)).slice(0, 300),
  );
  try {
    return await Promise.race([answered, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Normalises either form a check may answer to a report. */
export function toReadiness(result: Record<string, boolean> | Readiness): Readiness {
  if (isReport(result)) return result;
  return { checks: result, errors: {} };
}

function isReport(result: Record<string, boolean> | Readiness): result is Readiness {
  return typeof result.checks === 'object' && typeof result.errors === 'object';
}
