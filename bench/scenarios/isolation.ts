/**
 * Isolation: 9 healthy endpoints (each its own origin) and 1 that never answers (the attempt ends at
 * DELIVERY_TIMEOUT). Healthy deliveries/s with the bad endpoint, beside the same run without it.
 *
 * The two alternate (without, with, without, with) and each side's rate is pooled over its rounds, so
 * a slow spell of the machine lands on both sides instead of on whichever ran during it. Every round
 * with the bad endpoint registers a new one (a stranger to the worker, the harder case: it must be
 * found out before its jobs are deferred for long), and its hanging requests are ended before the
 * next round, so a round without it is not slowed by the previous round's. (The jobs it deferred come
 * back as its 30 s timeout ends, after the last round here: the three pairs take 20-30 s.)
 */
import { createEnvironment, registerEndpoint } from '../lib/environment.ts';
import { drainBacklog, pooledDrains, type DrainResult } from '../lib/drain.ts';
import { closedLoop, createPublishClient } from '../lib/load.ts';
import { startReceiverProcess } from '../lib/receiver-process.ts';
import { check, type ScenarioResult } from '../lib/report.ts';
import { pidsNamed } from '../lib/cpu.ts';
import { pollUntil } from '../lib/stats.ts';
import type { ScenarioContext } from './context.ts';

const HEALTHY = 9;
/** Rounds of each kind (without the bad endpoint, then with it). */
const ROUNDS = 3;

/** Runs the isolation scenario in a fresh environment; the bad endpoint's timeout is 30 s scaled (at least 1 s). */
export async function isolationScenario(context: ScenarioContext): Promise<ScenarioResult> {
  const timeoutSeconds = Math.max(1, Math.round(30 * Math.min(1, context.scale)));
  const environment = await createEnvironment({
    databaseName: context.databaseName,
    cpuProfDir: context.cpuProfDir,
    overrides: { DELIVERY_TIMEOUT: `${timeoutSeconds}s` },
  });
  const cleanups: (() => Promise<unknown>)[] = [() => environment.close()];
  try {
    const events = context.count(1000, 50);
    const [healthy, bad] = await Promise.all([startReceiverProcess({ ports: HEALTHY }), startReceiverProcess({ mode: 'hang' })]);
    cleanups.unshift(
      () => healthy.stop(),
      () => bad.stop(),
    );
    await environment.startGateway();
    for (const url of healthy.urls) await registerEndpoint(environment, url, ['iso.*']);
    const client = createPublishClient(environment.apiUrl);
    cleanups.unshift(() => client.close());
    const warmup = context.count(100, 20);
    await closedLoop(warmup, 16, (index) => client.publish('iso.warmup', index));
    await pollUntil(async () => (await healthy.received('iso.warmup')) >= warmup * HEALTHY, 30_000);

    const pids = {
      worker: environment.worker!.child.pid!,
      receivers: [healthy.pid, bad.pid],
      postgres: pidsNamed('postgres'),
      redis: pidsNamed('redis-server'),
    };
    const run = (type: string, endpoints: number) =>
      drainBacklog({
        environment,
        client,
        receivers: [healthy],
        type,
        events,
        jobsPerEvent: endpoints,
        expectedPerEvent: HEALTHY,
        timeoutMs: 60_000 + timeoutSeconds * 4_000,
        pids,
      });
    const baseline: DrainResult[] = [];
    const withBad: DrainResult[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      context.log(`isolation: round ${round} of ${ROUNDS}: ${events} events to ${HEALTHY} healthy endpoints`);
      baseline.push(await run(`iso.base${round}`, HEALTHY));
      // Only this round's events go to this round's bad endpoint.
      await registerEndpoint(environment, `${bad.urls[0]!}/${round}`, [`iso.bad${round}`]);
      context.log(`isolation: round ${round} of ${ROUNDS}: ${events} events to ${HEALTHY} healthy endpoints + 1 new one that times out after ${timeoutSeconds}s`);
      withBad.push(await run(`iso.bad${round}`, HEALTHY + 1));
      // End the hanging requests: the next round starts without them, and the worker can shut down at once.
      await bad.drop();
    }
    const badRequests = (await bad.count()).requests;
    const without = pooledDrains(baseline);
    const withIt = pooledDrains(withBad);
    const ratio = withIt.perSecond / without.perSecond;
    const rounded = (drains: DrainResult[]) => drains.map((drain) => Math.round(drain.perSecond)).join(', ');
    context.log(`isolation: healthy deliveries/s without the bad endpoint ${rounded(baseline)}, with it ${rounded(withBad)}; CPU (% of one core) without it ${JSON.stringify(without.cpuPercent)}, with it ${JSON.stringify(withIt.cpuPercent)}`);
    const all = [...baseline, ...withBad];
    return {
      rows: [
        {
          scenario: 'isolation',
          measure: `healthy deliveries/s, 1 of 10 endpoints times out (${timeoutSeconds}s), ${ROUNDS} rounds`,
          value: withIt.perSecond,
          unit: '/s',
          limit: { label: 'without it', value: without.perSecond },
          ratio,
          target: '>= 90 %',
          pass: check(ratio >= 0.9, ...all.map((drain) => drain.complete)),
        },
      ],
      details: { timeoutSeconds, healthyEndpoints: HEALTHY, rounds: ROUNDS, baseline, withBad, cpuPercent: { without: without.cpuPercent, with: withIt.cpuPercent }, badEndpointRequests: badRequests },
    };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((error: unknown) => context.log(`cleanup failed: ${String(error)}`));
  }
}
