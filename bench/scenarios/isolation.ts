/**
 * Isolation: 9 healthy endpoints (each its own origin) and 1 that never answers (the attempt ends at
 * DELIVERY_TIMEOUT). Healthy deliveries/s with the bad endpoint, beside the same run without it.
 */
import { createEnvironment, registerEndpoint } from '../lib/environment.ts';
import { drainBacklog } from '../lib/drain.ts';
import { closedLoop, createPublishClient } from '../lib/load.ts';
import { startReceiverProcess } from '../lib/receiver-process.ts';
import { check, type ScenarioResult } from '../lib/report.ts';
import { pollUntil } from '../lib/stats.ts';
import type { ScenarioContext } from './context.ts';

const HEALTHY = 9;

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
      });
    context.log(`isolation: ${events} events to ${HEALTHY} healthy endpoints`);
    const baseline = await run('iso.baseline', HEALTHY);
    await registerEndpoint(environment, bad.urls[0]!, ['iso.*']);
    context.log(`isolation: ${events} events to ${HEALTHY} healthy endpoints + 1 that times out after ${timeoutSeconds}s`);
    const withBad = await run('iso.bad', HEALTHY + 1);
    const badRequests = (await bad.count()).requests;
    // End the hanging requests so the worker can shut down at once.
    await bad.drop();
    const ratio = withBad.perSecond / baseline.perSecond;
    return {
      rows: [
        {
          scenario: 'isolation',
          measure: `healthy deliveries/s, 1 of 10 endpoints times out (${timeoutSeconds}s)`,
          value: withBad.perSecond,
          unit: '/s',
          limit: { label: 'without it', value: baseline.perSecond },
          ratio,
          target: '>= 90 %',
          pass: check(ratio >= 0.9, withBad.complete, baseline.complete),
        },
      ],
      details: { timeoutSeconds, healthyEndpoints: HEALTHY, baseline, withBad, badEndpointRequests: badRequests },
    };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((error: unknown) => context.log(`cleanup failed: ${String(error)}`));
  }
}
