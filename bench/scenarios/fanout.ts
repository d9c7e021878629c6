/** Fan-out: one event to 1,000 endpoints; the time from the publish request until every one received it. */
import { createEnvironment, registerEndpoint } from '../lib/environment.ts';
import { closedLoop, createPublishClient } from '../lib/load.ts';
import { startReceiverProcess } from '../lib/receiver-process.ts';
import { check, type ScenarioResult } from '../lib/report.ts';
import { median, pollUntil } from '../lib/stats.ts';
import type { ScenarioContext } from './context.ts';

const RUNS = 3;

/** Runs the fan-out scenario in a fresh environment. */
export async function fanoutScenario(context: ScenarioContext): Promise<ScenarioResult> {
  const environment = await createEnvironment({ databaseName: context.databaseName, cpuProfDir: context.cpuProfDir });
  const cleanups: (() => Promise<unknown>)[] = [() => environment.close()];
  try {
    const endpoints = context.count(1000, 20);
    const receiver = await startReceiverProcess();
    cleanups.unshift(() => receiver.stop());
    await environment.startGateway();
    context.log(`fan-out: registering ${endpoints} endpoints`);
    await closedLoop(endpoints, 8, (index) => registerEndpoint(environment, `${receiver.urls[0]!}/${index}`, ['fanout.*']));
    const client = createPublishClient(environment.apiUrl);
    cleanups.unshift(() => client.close());

    const once = async (type: string, sequence: number) => {
      await receiver.reset();
      const published = await client.publish(type, sequence);
      if (!published.ok) throw new Error(`fan-out publish failed: ${published.error}`);
      const complete = await pollUntil(async () => (await receiver.received(type)) >= endpoints, 30_000, 5);
      const receipts = await receiver.receipts(type);
      const last = Math.max(...receipts.arrivals);
      return { complete, received: receipts.arrivals.length, ms: last - published.sentAt, acceptedMs: published.endedAt - published.sentAt };
    };
    await once('fanout.warmup', 0);
    context.log(`fan-out: ${RUNS} events to ${endpoints} endpoints each`);
    const runs: Awaited<ReturnType<typeof once>>[] = [];
    for (let run = 1; run <= RUNS; run++) runs.push(await once(`fanout.run-${run}`, run));
    const middle = median(runs.map((run) => run.ms));
    return {
      rows: [
        {
          scenario: 'fan-out',
          measure: `1 event to ${endpoints} endpoints (median of ${RUNS})`,
          value: middle,
          unit: 'ms',
          target: '< 2,000 ms',
          pass: check(middle < 2000, runs.every((run) => run.complete)),
        },
      ],
      details: { endpoints, runs },
    };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((error: unknown) => context.log(`cleanup failed: ${String(error)}`));
  }
}
